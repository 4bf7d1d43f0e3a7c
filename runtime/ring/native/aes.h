// AES-128 in counter mode with the CPU's AES instructions (AES-NI), for the PRG
// (runtime/crypto/prg.ts). The keystream equals OpenSSL's / node:crypto's
// 'aes-128-ctr' (NIST SP 800-38A, F.5.1 layout): block i is AES_k(counter + i),
// the counter being the whole 16-byte block read as one 128-bit big-endian
// integer, incremented modulo 2^128 (so the low 64 bits carry into the high 64,
// as OpenSSL's ctr128_inc / ctr96_inc do).
#ifndef TFE_RING_NATIVE_AES_H_
#define TFE_RING_NATIVE_AES_H_

#include <cstddef>
#include <cstdint>

namespace tfe {

// True if this build has the AES-NI path and the CPU has the AES instructions.
bool aes_ni_supported();

// Writes `len` keystream bytes to `out`: blocks AES_key(counter), AES_key(counter+1), ...,
// the last one truncated if len is not a multiple of 16. Then advances `counter`
// (16 bytes, big-endian, updated in place) by ceil(len / 16) blocks modulo 2^128.
// Requires aes_ni_supported(); `out` must not overlap key or counter. Touches only
// key[0..16), counter[0..16) and out[0..len).
void aes128_ctr_ni(const std::uint8_t* key, std::uint8_t* counter, std::uint8_t* out, std::size_t len);

// Writes the 11 round keys of AES-128 under `key` (FIPS-197 sec. 5.2), 16 bytes each,
// to rk[0..176), for callers with their own AES-NI loops (dcf.cc's fixed-key PRG).
// Requires aes_ni_supported().
void aes128_round_keys_ni(const std::uint8_t* key, std::uint8_t* rk);

}  // namespace tfe

#endif  // TFE_RING_NATIVE_AES_H_
