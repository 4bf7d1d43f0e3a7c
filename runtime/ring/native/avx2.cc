// The AVX2 path: elementwise loops and the matmul micro-kernel compiled with
// target("avx2"). AVX2 has no 64-bit low multiply, so a*b mod 2^64 is built from
// 32-bit pieces (lo/hi = low/high 32-bit halves):
//   a*b = lo(a)*lo(b) + ((hi(a)*lo(b) + lo(a)*hi(b)) mod 2^32) << 32   (mod 2^64)
// The kernel keeps two accumulators per output vector across the whole k loop:
// `lo` sums the full 64-bit products lo(a)*lo(b) (vpmuludq), `cross` sums the cross
// terms, and the shift by 32 is applied once at the end, since
// (sum x_i) << 32 = sum (x_i << 32) mod 2^64.
#include "ring.h"

#if TFE_X86

#include <immintrin.h>

#include "elementwise_impl.h"

#define TFE_AVX2 __attribute__((target("avx2")))

TFE_DEFINE_ELEMENTWISE(avx2, TFE_AVX2)

namespace tfe {

const ElementwiseFns& avx2_elementwise() { return avx2::elementwise(); }

// MR rows x NV ymm vectors (4 lanes each). Cross terms by one vpmulld on a copy
// of b with its 32-bit halves swapped: lane = [lo(a)*hi(b), hi(a)*lo(b)] mod 2^32
// each, accumulated with 32-bit adds (each half wraps mod 2^32 on its own, which
// is all the << 32 keeps), and folded at the end as
//   (t << 32) + (t & 0xffffffff00000000) = (t_lo + t_hi) << 32.
// Per 4 products: 1 vpmuludq + 1 vpmulld + 2 adds, versus 3 vpmuludq + 3 adds
// for the textbook split (measured on Zen 3: ~8.5 vs ~5.5 GMAC/s at 256^3).
template <int MR, int NV>
TFE_AVX2 static void micro_avx2_t(std::size_t kc, const u64* a, const u64* b, std::size_t ldb, u64* c,
                                  std::size_t ldc, bool accumulate) {
  __m256i lo[MR][NV], cross[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 16
    for (int v = 0; v < NV; v++) {
      lo[r][v] = _mm256_setzero_si256();
      cross[r][v] = _mm256_setzero_si256();
    }
  // Unrolled 4 times: measured ~10% faster on Zen 3 (fewer loop-carried moves).
#pragma GCC unroll 4
  for (std::size_t p = 0; p < kc; p++) {
    __m256i bv[NV], bs[NV];
#pragma GCC unroll 16
    for (int v = 0; v < NV; v++) {
      bv[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + p * ldb + static_cast<std::size_t>(4 * v)));
      bs[v] = _mm256_shuffle_epi32(bv[v], 0xB1);  // swap the 32-bit halves of each lane
    }
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      const __m256i x = _mm256_set1_epi64x(static_cast<long long>(a[p * MR + static_cast<std::size_t>(r)]));
#pragma GCC unroll 16
      for (int v = 0; v < NV; v++) {
        lo[r][v] = _mm256_add_epi64(lo[r][v], _mm256_mul_epu32(x, bv[v]));
        cross[r][v] = _mm256_add_epi32(cross[r][v], _mm256_mullo_epi32(x, bs[v]));
      }
    }
  }
  const __m256i hi_mask = _mm256_set1_epi64x(-(1LL << 32));  // 0xffffffff00000000
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 16
    for (int v = 0; v < NV; v++) {
      const __m256i t = cross[r][v];
      const __m256i folded = _mm256_add_epi64(_mm256_slli_epi64(t, 32), _mm256_and_si256(t, hi_mask));
      __m256i out = _mm256_add_epi64(lo[r][v], folded);
      __m256i* dst = reinterpret_cast<__m256i*>(c + static_cast<std::size_t>(r) * ldc + static_cast<std::size_t>(4 * v));
      if (accumulate) out = _mm256_add_epi64(out, _mm256_loadu_si256(dst));
      _mm256_storeu_si256(dst, out);
    }
}

// 2 rows x 2 vectors (8 columns): 8 accumulators + 2 B vectors + 2 swapped
// copies + 1 broadcast + temporaries fit the 16 ymm registers. Measured on Zen 3
// against 4x1, 3x1, 6x1, 8x1, 3x2 and 4x2 (the last two spill): 2x2 and 4x1 lead
// (~8-9 GMAC/s); 2x2 wastes less on m = 1 (batch-1 inference) and is chosen.
constexpr int kAvx2Mr = 2;
constexpr int kAvx2Nv = 2;

// kc = 512: the B micro-panel (512 x 8 x 8 B = 32 KiB) fills Zen 3's L1 and is
// reused by every 2-row A micro-panel (8 KiB) streamed from L2; mc = 128: the
// packed A block (128 x 512 x 8 B = 512 KiB) lives in L2 (which also backs the
// B micro-panel); nc = 1024: the packed B panel (4 MiB) fits L3. Measured on a
// busy Zen 3 against kc 128..784 and mc 64..256: kc = 512, mc = 128 was at or
// near the top for 128x784x128, 256^3 and 512^3 (by ~5-10% over kc = 256; noisy).
const MicroKernel& avx2_micro() {
  static const MicroKernel k = {
      kAvx2Mr, 4 * kAvx2Nv, 512, 128, 1024,
      {nullptr, micro_avx2_t<1, kAvx2Nv>, micro_avx2_t<2, kAvx2Nv>}};
  return k;
}

}  // namespace tfe

#endif  // TFE_X86
