// Run-time instruction-set detection and dispatch: one build carries every path
// and picks the best one the CPU (and OS) supports; `setIsa` / TFE_RING_ISA force one.
#include <cstring>

#include "ring.h"

namespace tfe {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Portable: return "portable";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
    case Isa::Avx512Emulated: return "avx512-emulated";
  }
  return "portable";
}

bool isa_from_name(const char* name, Isa* out) {
  static const Isa all[] = {Isa::Portable, Isa::Avx2, Isa::Avx512, Isa::Avx512Emulated};
  for (Isa isa : all) {
    if (std::strcmp(name, isa_name(isa)) == 0) {
      *out = isa;
      return true;
    }
  }
  return false;
}

// __builtin_cpu_supports also checks that the OS saves the wider registers (XCR0).
bool cpu_supports(Isa isa) {
#if TFE_X86
  __builtin_cpu_init();  // may run from a static initialiser, before libgcc's own
#endif
  switch (isa) {
    case Isa::Portable:
    case Isa::Avx512Emulated:
      return true;
#if TFE_X86
    case Isa::Avx2:
      return __builtin_cpu_supports("avx2");
    case Isa::Avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
#else
    case Isa::Avx2:
    case Isa::Avx512:
      return false;
#endif
  }
  return false;
}

Isa best_isa() {
  if (cpu_supports(Isa::Avx512)) return Isa::Avx512;
  if (cpu_supports(Isa::Avx2)) return Isa::Avx2;
  return Isa::Portable;
}

const ElementwiseFns& elementwise_for(Isa isa) {
  switch (isa) {
#if TFE_X86
    case Isa::Avx2: return avx2_elementwise();
    case Isa::Avx512: return avx512_elementwise();
#endif
    default: return portable_elementwise();
  }
}

const MicroKernel& micro_for(Isa isa) {
  switch (isa) {
#if TFE_X86
    case Isa::Avx2: return avx2_micro();
    case Isa::Avx512: return avx512_micro();
#endif
    case Isa::Avx512Emulated: return avx512_emulated_micro();
    default: return portable_micro();
  }
}

}  // namespace tfe
