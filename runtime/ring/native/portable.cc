// The portable path: elementwise loops and the scalar register-blocked matmul
// micro-kernel compiled for the baseline ISA (any x86-64, arm64, ...), plus the
// AVX-512 kernel's source compiled for the baseline ISA ("avx512-emulated", test only).
#include "elementwise_impl.h"
#include "micro_generic.h"

TFE_DEFINE_ELEMENTWISE(portable, )

namespace tfe {

const ElementwiseFns& portable_elementwise() { return portable::elementwise(); }

// 4 x 4 scalar tile: 16 accumulators + 4 B values + 1 A value fit the 31
// general registers of arm64; on x86-64 the compiler keeps most in registers
// (the AVX2 path is the one that matters there).
template <int H>
static void micro_portable(std::size_t kc, const u64* a, const u64* b, std::size_t ldb, u64* c,
                           std::size_t ldc, bool accumulate) {
  micro_generic<u64, H, 4>(kc, a, b, ldb, c, ldc, accumulate);
}

// kc = 256: the A micro-panel (4 x 256 x 8 B = 8 KiB) and the B micro-panel
// (8 KiB) sit together in a 32 KiB L1; mc = 128: the packed A block
// (128 x 256 x 8 B = 256 KiB) fits a 512 KiB L2; nc = 1024: the packed B panel
// (256 x 1024 x 8 B = 2 MiB) fits a shared L3.
const MicroKernel& portable_micro() {
  static const MicroKernel k = {
      4, 4, 256, 128, 1024,
      {nullptr, micro_portable<1>, micro_portable<2>, micro_portable<3>, micro_portable<4>}};
  return k;
}

// Exactly the avx512 path's tile (8 rows x 2 vectors of 8 lanes) and blocking,
// compiled without AVX-512: GCC lowers the 8-lane vectors to what the baseline has.
template <int H>
static void micro_avx512_emulated(std::size_t kc, const u64* a, const u64* b, std::size_t ldb, u64* c,
                                  std::size_t ldc, bool accumulate) {
  micro_generic<v8u64, H, 2>(kc, a, b, ldb, c, ldc, accumulate);
}

const MicroKernel& avx512_emulated_micro() {
  static const MicroKernel k = {
      8, 16, 256, 96, 1024,
      {nullptr, micro_avx512_emulated<1>, micro_avx512_emulated<2>, micro_avx512_emulated<3>,
       micro_avx512_emulated<4>, micro_avx512_emulated<5>, micro_avx512_emulated<6>, micro_avx512_emulated<7>,
       micro_avx512_emulated<8>}};
  return k;
}

}  // namespace tfe
