// Key generation and evaluation of a batch of DCF keys (distributed comparison functions) with AES-NI,
// equal word for word to runtime/protocols/pond/fss/dcf.ts dcfEval (tested against it
// in test/fss/dcf-native.test.ts), which documents the construction (Boyle et al.,
// Eurocrypt 2021, sec. 3) and the key layout. The PRG is fixed-key AES-128 MMO: block
// j of G(s) = AES_K(s ^ j) ^ s ^ j, the tweak j xored into the first 32-bit word.
#ifndef TFE_RING_NATIVE_DCF_H_
#define TFE_RING_NATIVE_DCF_H_

#include <cstddef>
#include <cstdint>

namespace tfe {

// Server `party` (0 or 1) evaluates N keys of `bits` input bits and `out_words` output
// words at points x[0..N): root[2N] its root seeds, key[N (2 bits + out_words (bits + 1))]
// the correction words, out[N out_words] its shares. Requires aes_ni_supported().
void dcf_eval_ni(int party, int bits, int out_words, std::size_t n, const std::uint8_t fixed_key[16],
                 const std::uint64_t* root, const std::uint64_t* key, const std::uint64_t* x, std::uint64_t* out);

// The dealer's key generation for N elements (equal word for word to dcf.ts dcfGen):
// alpha[N], beta[N out_words], both servers' root seeds root0[2N], root1[2N]; writes the
// correction words key[N (2 bits + out_words (bits + 1))]. Requires aes_ni_supported().
void dcf_gen_ni(int bits, int out_words, std::size_t n, const std::uint8_t fixed_key[16], const std::uint64_t* alpha,
                const std::uint64_t* beta, const std::uint64_t* root0, const std::uint64_t* root1, std::uint64_t* key);

}  // namespace tfe

#endif  // TFE_RING_NATIVE_DCF_H_
