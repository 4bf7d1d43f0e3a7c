// AES-128-CTR keystream with AES-NI, compiled with target("aes") (like avx2.cc's
// target("avx2")) and chosen at run time by aes_ni_supported(). Written from the
// instruction semantics in Intel's "Advanced Encryption Standard (AES) New
// Instructions Set" white paper (S. Gueron, rev. 3.0, 2010) and FIPS-197:
//  - key expansion: w[i] = w[i-4] ^ SubWord(RotWord(w[i-1])) ^ Rcon for the first
//    word of each round key, w[i] = w[i-4] ^ w[i-1] for the others. AESKEYGENASSIST
//    puts RotWord(SubWord(X3)) ^ Rcon in dword 3 of its result (X3 = dword 3 of the
//    previous round key); it is broadcast to all four dwords, and the running xor
//    of the previous key's dwords (k0, k0^k1, k0^k1^k2, ...) is formed by three
//    shift-by-4-bytes-and-xor steps;
//  - encryption: xor round key 0, AESENC with keys 1..9, AESENCLAST with key 10.
// Eight counter blocks are encrypted together so the AESENC latency (3-4 cycles)
// is hidden behind independent blocks (throughput 1-2 per cycle on current cores).
#include "aes.h"

#include "ring.h"

#if TFE_X86

#include <immintrin.h>

#include <cstring>

#define TFE_AES __attribute__((target("aes,sse2")))

namespace tfe {

namespace {

// One key-expansion step: `gen` = AESKEYGENASSIST(prev, rcon).
TFE_AES inline __m128i expand_step(__m128i prev, __m128i gen) {
  gen = _mm_shuffle_epi32(gen, 0xFF);  // broadcast dword 3: SubWord(RotWord(w3)) ^ rcon
  prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
  prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
  prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
  return _mm_xor_si128(prev, gen);
}

// The 11 round keys of AES-128 (FIPS-197 section 5.2; Rcon = 01 02 04 08 10 20 40 80 1b 36).
// AESKEYGENASSIST takes the round constant as an immediate, hence the unrolled list.
TFE_AES void expand_key(const std::uint8_t* key, __m128i rk[11]) {
  rk[0] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(key));
  rk[1] = expand_step(rk[0], _mm_aeskeygenassist_si128(rk[0], 0x01));
  rk[2] = expand_step(rk[1], _mm_aeskeygenassist_si128(rk[1], 0x02));
  rk[3] = expand_step(rk[2], _mm_aeskeygenassist_si128(rk[2], 0x04));
  rk[4] = expand_step(rk[3], _mm_aeskeygenassist_si128(rk[3], 0x08));
  rk[5] = expand_step(rk[4], _mm_aeskeygenassist_si128(rk[4], 0x10));
  rk[6] = expand_step(rk[5], _mm_aeskeygenassist_si128(rk[5], 0x20));
  rk[7] = expand_step(rk[6], _mm_aeskeygenassist_si128(rk[6], 0x40));
  rk[8] = expand_step(rk[7], _mm_aeskeygenassist_si128(rk[7], 0x80));
  rk[9] = expand_step(rk[8], _mm_aeskeygenassist_si128(rk[8], 0x1B));
  rk[10] = expand_step(rk[9], _mm_aeskeygenassist_si128(rk[9], 0x36));
}

std::uint64_t load_be64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}

void store_be64(std::uint8_t* p, std::uint64_t v) {
  v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
}

// The 128-bit big-endian counter as two host-order halves.
struct Counter {
  std::uint64_t hi;
  std::uint64_t lo;

  // The counter block as bytes in memory order (big-endian hi, then big-endian lo):
  // _mm_set_epi64x(e1, e0) puts e0 in bytes 0..7 little-endian, hence the byte swaps.
  TFE_AES __m128i block() const {
    return _mm_set_epi64x(static_cast<long long>(__builtin_bswap64(lo)), static_cast<long long>(__builtin_bswap64(hi)));
  }

  void next() {
    lo++;
    hi += lo == 0 ? 1 : 0;  // carry into the high half; wraps modulo 2^128
  }
};

TFE_AES inline __m128i encrypt(const __m128i rk[11], __m128i b) {
  b = _mm_xor_si128(b, rk[0]);
  for (int r = 1; r < 10; r++) b = _mm_aesenc_si128(b, rk[r]);
  return _mm_aesenclast_si128(b, rk[10]);
}

}  // namespace

bool aes_ni_supported() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("aes") && __builtin_cpu_supports("sse2");
}

TFE_AES void aes128_ctr_ni(const std::uint8_t* key, std::uint8_t* counter, std::uint8_t* out, std::size_t len) {
  __m128i rk[11];
  expand_key(key, rk);
  Counter ctr{load_be64(counter), load_be64(counter + 8)};
  constexpr std::size_t kLanes = 8;
  std::size_t blocks = len / 16;
  std::size_t i = 0;
  for (; i + kLanes <= blocks; i += kLanes) {
    __m128i b[kLanes];
#pragma GCC unroll 8
    for (std::size_t j = 0; j < kLanes; j++) {
      b[j] = _mm_xor_si128(ctr.block(), rk[0]);
      ctr.next();
    }
#pragma GCC unroll 9
    for (int r = 1; r < 10; r++) {
#pragma GCC unroll 8
      for (std::size_t j = 0; j < kLanes; j++) b[j] = _mm_aesenc_si128(b[j], rk[r]);
    }
#pragma GCC unroll 8
    for (std::size_t j = 0; j < kLanes; j++) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * (i + j)), _mm_aesenclast_si128(b[j], rk[10]));
    }
  }
  for (; i < blocks; i++) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * i), encrypt(rk, ctr.block()));
    ctr.next();
  }
  const std::size_t tail = len - 16 * blocks;
  if (tail > 0) {
    alignas(16) std::uint8_t last[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(last), encrypt(rk, ctr.block()));
    std::memcpy(out + 16 * blocks, last, tail);
    ctr.next();
  }
  store_be64(counter, ctr.hi);
  store_be64(counter + 8, ctr.lo);
}

TFE_AES void aes128_round_keys_ni(const std::uint8_t* key, std::uint8_t* rk) {
  __m128i k[11];
  expand_key(key, k);
  for (int r = 0; r < 11; r++) _mm_storeu_si128(reinterpret_cast<__m128i*>(rk + 16 * r), k[r]);
}

}  // namespace tfe

#else  // !TFE_X86: no AES-NI path; the PRG uses node:crypto.

#include <stdexcept>

namespace tfe {

bool aes_ni_supported() { return false; }

void aes128_ctr_ni(const std::uint8_t*, std::uint8_t*, std::uint8_t*, std::size_t) {
  throw std::runtime_error("this build has no AES-NI path");
}

void aes128_round_keys_ni(const std::uint8_t*, std::uint8_t*) {
  throw std::runtime_error("this build has no AES-NI path");
}

}  // namespace tfe

#endif  // TFE_X86
