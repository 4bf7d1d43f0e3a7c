// The AVX-512 path (F + DQ): elementwise loops and the matmul micro-kernel,
// compiled with target("avx512f,avx512dq") so vpmullq does the 64-bit low
// multiply; the rest of the build stays portable and isa.cc only selects this
// path when the CPU reports both features. Its source is shared with the
// "avx512-emulated" test path (portable.cc), which runs on machines without AVX-512.
#include "ring.h"

#if TFE_X86

#include "elementwise_impl.h"
#include "micro_generic.h"

#define TFE_AVX512 __attribute__((target("avx512f,avx512dq")))

TFE_DEFINE_ELEMENTWISE(avx512, TFE_AVX512)

namespace tfe {

const ElementwiseFns& avx512_elementwise() { return avx512::elementwise(); }

// 8 rows x 2 zmm vectors (16 columns): 16 accumulators + 2 B vectors + 1
// broadcast A value use 19 of the 32 zmm registers.
template <int H>
TFE_AVX512 static void micro_avx512(std::size_t kc, const u64* a, const u64* b, std::size_t ldb, u64* c,
                                    std::size_t ldc, bool accumulate) {
  micro_generic<v8u64, H, 2>(kc, a, b, ldb, c, ldc, accumulate);
}

// kc = 256: the B micro-panel (256 x 16 x 8 B = 32 KiB) and the A micro-panel
// (16 KiB) are streamed through a 48 KiB L1 (the B panel is reused mc/8 times);
// mc = 96: the packed A block (96 x 256 x 8 B = 192 KiB) fits a >= 1 MiB L2 with
// room for B; nc = 1024: the packed B panel (2 MiB) fits a shared L3.
const MicroKernel& avx512_micro() {
  static const MicroKernel k = {
      8, 16, 256, 96, 1024,
      {nullptr, micro_avx512<1>, micro_avx512<2>, micro_avx512<3>, micro_avx512<4>, micro_avx512<5>,
       micro_avx512<6>, micro_avx512<7>, micro_avx512<8>}};
  return k;
}

}  // namespace tfe

#endif  // TFE_X86
