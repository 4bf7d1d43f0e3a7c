// The register-blocked matmul micro-kernel written once over a "lane vector" type V:
// either uint64_t itself (the portable scalar kernel) or a GCC/Clang vector of
// uint64_t (the AVX-512 kernel: an 8-lane vector whose `*` is vpmullq under
// target("avx512f,avx512dq")). The MR x NV accumulators stay in registers across
// the whole k loop; only the final tile is stored.
#ifndef TFE_RING_NATIVE_MICRO_GENERIC_H_
#define TFE_RING_NATIVE_MICRO_GENERIC_H_

#include <cstring>

#include "ring.h"

namespace tfe {

typedef u64 v8u64 __attribute__((vector_size(64)));

// C[MR x NR] (+)= A-panel . B-rows with NR = NV * lanes(V); contract in ring.h.
template <class V, int MR, int NV>
static inline __attribute__((always_inline)) void micro_generic(std::size_t kc, const u64* a, const u64* b,
                                                               std::size_t ldb, u64* c, std::size_t ldc,
                                                               bool accumulate) {
  constexpr int L = static_cast<int>(sizeof(V) / sizeof(u64));
  V acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 16
    for (int v = 0; v < NV; v++) acc[r][v] = V{};
  for (std::size_t p = 0; p < kc; p++) {
    V bv[NV];
#pragma GCC unroll 16
    for (int v = 0; v < NV; v++) std::memcpy(&bv[v], b + p * ldb + static_cast<std::size_t>(v * L), sizeof(V));
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      const u64 x = a[p * MR + static_cast<std::size_t>(r)];
#pragma GCC unroll 16
      for (int v = 0; v < NV; v++) acc[r][v] += x * bv[v];
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 16
    for (int v = 0; v < NV; v++) {
      u64* dst = c + static_cast<std::size_t>(r) * ldc + static_cast<std::size_t>(v * L);
      V out = acc[r][v];
      if (accumulate) {
        V old;
        std::memcpy(&old, dst, sizeof(V));
        out += old;
      }
      std::memcpy(dst, &out, sizeof(V));
    }
}

}  // namespace tfe

#endif  // TFE_RING_NATIVE_MICRO_GENERIC_H_
