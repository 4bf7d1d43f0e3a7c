// DCF evaluation with AES-NI (see dcf.h). Compiled with target("aes") like aes_ni.cc
// and used only when aes_ni_supported(). Each element walks its tree path alone (the
// levels depend on each other), so four elements are walked together to keep the
// AES units busy: their 4 x (1 + ceil(k/2)) blocks per level are independent.
#include "dcf.h"

#include "aes.h"
#include "ring.h"

#if TFE_X86

#include <immintrin.h>

#include <cstring>
#include <stdexcept>

#define TFE_AES __attribute__((target("aes,sse2")))

namespace tfe {

namespace {

// AES-128 round keys (FIPS-197 sec. 5.2), expanded by aes_ni.cc.
TFE_AES void round_keys(const std::uint8_t* key, __m128i rk[11]) {
  alignas(16) std::uint8_t bytes[176];
  aes128_round_keys_ni(key, bytes);
  for (int r = 0; r < 11; r++) rk[r] = _mm_load_si128(reinterpret_cast<const __m128i*>(bytes + 16 * r));
}

TFE_AES inline void mmo(const __m128i rk[11], __m128i* b, int count) {
  __m128i in[16];
  for (int j = 0; j < count; j++) {
    in[j] = b[j];
    b[j] = _mm_xor_si128(b[j], rk[0]);
  }
  for (int r = 1; r < 10; r++) {
    for (int j = 0; j < count; j++) b[j] = _mm_aesenc_si128(b[j], rk[r]);
  }
  for (int j = 0; j < count; j++) b[j] = _mm_xor_si128(_mm_aesenclast_si128(b[j], rk[10]), in[j]);
}

TFE_AES inline __m128i tweak(__m128i s, std::uint32_t t) { return _mm_xor_si128(s, _mm_cvtsi32_si128(static_cast<int>(t))); }

inline std::uint64_t lane(__m128i b, int h) {
  alignas(16) std::uint64_t w[2];
  _mm_store_si128(reinterpret_cast<__m128i*>(w), b);
  return w[h];
}

constexpr int kGroup = 4;

}  // namespace

TFE_AES void dcf_eval_ni(int party, int bits, int out_words, std::size_t n, const std::uint8_t fixed_key[16],
                         const std::uint64_t* root, const std::uint64_t* key, const std::uint64_t* x, std::uint64_t* out) {
  const int k = out_words;
  const int vb = (k + 1) / 2;
  if (1 + vb > 16 / kGroup) throw std::runtime_error("dcf_eval_ni: too many output words");
  __m128i rk[11];
  round_keys(fixed_key, rk);
  const std::size_t vcw = 2 * static_cast<std::size_t>(bits) * n;
  const std::size_t last = vcw + static_cast<std::size_t>(bits) * n * k;
  const __m128i clear2 = _mm_set_epi32(-1, -1, -1, ~3);
  for (std::size_t e0 = 0; e0 < n; e0 += kGroup) {
    const int g = static_cast<int>(n - e0 < kGroup ? n - e0 : kGroup);
    __m128i s[kGroup];
    std::uint32_t t[kGroup];
    std::uint64_t acc[kGroup][8] = {};
    for (int a = 0; a < g; a++) {
      s[a] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(root + 2 * (e0 + a)));
      t[a] = static_cast<std::uint32_t>(party);
    }
    for (int i = 0; i < bits; i++) {
      const int p = bits - 1 - i;
      __m128i b[16];
      std::uint32_t d[kGroup];
      for (int a = 0; a < g; a++) {
        d[a] = static_cast<std::uint32_t>((x[e0 + a] >> p) & 1);
        b[a * (1 + vb)] = tweak(s[a], d[a]);
        for (int q = 0; q < vb; q++) b[a * (1 + vb) + 1 + q] = tweak(s[a], 2 + d[a] * vb + q);
      }
      mmo(rk, b, g * (1 + vb));
      for (int a = 0; a < g; a++) {
        const std::size_t e = e0 + a;
        const __m128i cw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(key + 2 * (static_cast<std::size_t>(i) * n + e)));
        const std::uint32_t cw0 = static_cast<std::uint32_t>(_mm_cvtsi128_si32(cw));
        const __m128i child = b[a * (1 + vb)];
        const std::uint32_t tOld = t[a];
        __m128i next = _mm_and_si128(child, clear2);
        if (tOld) next = _mm_xor_si128(next, _mm_and_si128(cw, clear2));
        s[a] = next;
        t[a] = (static_cast<std::uint32_t>(_mm_cvtsi128_si32(child)) & 1) ^ (tOld & (cw0 >> d[a]) & 1);
        const std::uint64_t* vc = key + vcw + static_cast<std::size_t>(i) * n * k + e * k;
        for (int q = 0; q < k; q++) {
          acc[a][q] += lane(b[a * (1 + vb) + 1 + (q >> 1)], q & 1) + (tOld ? vc[q] : 0);
        }
      }
    }
    // the leaf: conv(s) = the first k words of blocks with tweaks 2, 3, ...
    __m128i b[16];
    for (int a = 0; a < g; a++) {
      for (int q = 0; q < vb; q++) b[a * vb + q] = tweak(s[a], 2 + q);
    }
    mmo(rk, b, g * vb);
    for (int a = 0; a < g; a++) {
      const std::size_t e = e0 + a;
      for (int q = 0; q < k; q++) {
        std::uint64_t v = acc[a][q] + lane(b[a * vb + (q >> 1)], q & 1) + (t[a] ? key[last + e * k + q] : 0);
        out[e * k + q] = party == 1 ? 0 - v : v;
      }
    }
  }
}

TFE_AES void dcf_gen_ni(int bits, int out_words, std::size_t n, const std::uint8_t fixed_key[16], const std::uint64_t* alpha,
                        const std::uint64_t* beta, const std::uint64_t* root0, const std::uint64_t* root1, std::uint64_t* key) {
  const int k = out_words;
  const int vb = (k + 1) / 2;
  const int B = 2 + 2 * vb;
  if (2 * B > 16 || k > 8) throw std::runtime_error("dcf_gen_ni: too many output words");
  __m128i rk[11];
  round_keys(fixed_key, rk);
  const std::size_t vcw = 2 * static_cast<std::size_t>(bits) * n;
  const std::size_t last = vcw + static_cast<std::size_t>(bits) * n * k;
  const __m128i clear2 = _mm_set_epi32(-1, -1, -1, ~3);
  for (std::size_t e = 0; e < n; e++) {
    __m128i s[2] = {_mm_loadu_si128(reinterpret_cast<const __m128i*>(root0 + 2 * e)),
                    _mm_loadu_si128(reinterpret_cast<const __m128i*>(root1 + 2 * e))};
    std::uint32_t t[2] = {0, 1};
    std::uint64_t va[8] = {};
    for (int i = 0; i < bits; i++) {
      const int p = bits - 1 - i;
      const int a = static_cast<int>((alpha[e] >> p) & 1);
      __m128i b[16];
      for (int pb = 0; pb < 2; pb++) {
        for (int j = 0; j < B; j++) b[pb * B + j] = tweak(s[pb], static_cast<std::uint32_t>(j));
      }
      mmo(rk, b, 2 * B);
      auto low = [](__m128i x) { return static_cast<std::uint32_t>(_mm_cvtsi128_si32(x)) & 1; };
      const std::uint32_t tLcw = low(b[0]) ^ low(b[B]) ^ static_cast<std::uint32_t>(a) ^ 1;
      const std::uint32_t tRcw = low(b[1]) ^ low(b[B + 1]) ^ static_cast<std::uint32_t>(a);
      const std::uint32_t tKeepCw = a ? tRcw : tLcw;
      const int keep = a;
      const int lose = 1 - a;
      const __m128i scw = _mm_and_si128(_mm_xor_si128(b[lose], b[B + lose]), clear2);
      const __m128i scwFull = _mm_or_si128(scw, _mm_cvtsi32_si128(static_cast<int>(tLcw | (tRcw << 1))));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(key + 2 * (static_cast<std::size_t>(i) * n + e)), scwFull);
      std::uint64_t* vc = key + vcw + static_cast<std::size_t>(i) * n * k + e * k;
      for (int q = 0; q < k; q++) {
        const std::uint64_t v0l = lane(b[2 + lose * vb + (q >> 1)], q & 1);
        const std::uint64_t v1l = lane(b[B + 2 + lose * vb + (q >> 1)], q & 1);
        const std::uint64_t v0k = lane(b[2 + keep * vb + (q >> 1)], q & 1);
        const std::uint64_t v1k = lane(b[B + 2 + keep * vb + (q >> 1)], q & 1);
        const std::uint64_t d = v1l - v0l - va[q] + (a ? beta[e * k + q] : 0);
        vc[q] = t[1] ? 0 - d : d;
        va[q] = va[q] + v0k - v1k + d;
      }
      for (int pb = 0; pb < 2; pb++) {
        const __m128i child = b[pb * B + keep];
        __m128i next = _mm_and_si128(child, clear2);
        if (t[pb]) next = _mm_xor_si128(next, scw);
        s[pb] = next;
        t[pb] = low(child) ^ (t[pb] & tKeepCw);
      }
    }
    __m128i b[16];
    for (int pb = 0; pb < 2; pb++) {
      for (int q = 0; q < vb; q++) b[pb * vb + q] = tweak(s[pb], static_cast<std::uint32_t>(2 + q));
    }
    mmo(rk, b, 2 * vb);
    for (int q = 0; q < k; q++) {
      const std::uint64_t v = lane(b[vb + (q >> 1)], q & 1) - lane(b[q >> 1], q & 1) - va[q];
      key[last + e * k + q] = t[1] ? 0 - v : v;
    }
  }
}

}  // namespace tfe

#else  // !TFE_X86

#include <stdexcept>

namespace tfe {

void dcf_eval_ni(int, int, int, std::size_t, const std::uint8_t*, const std::uint64_t*, const std::uint64_t*, const std::uint64_t*, std::uint64_t*) {
  throw std::runtime_error("this build has no AES-NI path");
}

void dcf_gen_ni(int, int, std::size_t, const std::uint8_t*, const std::uint64_t*, const std::uint64_t*, const std::uint64_t*,
                const std::uint64_t*, std::uint64_t*) {
  throw std::runtime_error("this build has no AES-NI path");
}

}  // namespace tfe

#endif  // TFE_X86
