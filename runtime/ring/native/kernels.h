// The kernels the addon exports, with process-wide settings (ISA, thread count)
// and the thread pool behind them. Work below a size threshold runs on the
// calling thread. Results never depend on the thread count: every output element
// is computed by one task with exact arithmetic mod 2^64.
#ifndef TFE_RING_NATIVE_KERNELS_H_
#define TFE_RING_NATIVE_KERNELS_H_

#include "ring.h"

namespace tfe {

Isa current_isa();
void set_isa(Isa isa);  // caller checks cpu_supports(isa)
int threads();
void set_threads(int n);  // n >= 1
int default_threads();

// Lifetime: every Node.js environment that loads the addon attaches; the last one
// to go away joins the pool's workers so the process exits cleanly.
void env_attach();
void env_detach();

// These may throw std::bad_alloc or std::system_error (the glue turns them into JS errors).
void binary(BinOp op, const u64* a, const u64* b, u64* out, std::size_t n);
void unary(UnOp op, const u64* a, u64* out, std::size_t n);
void shift(ShiftOp op, const u64* a, unsigned k, u64* out, std::size_t n);
void row_sum(const u64* a, std::size_t rows, std::size_t cols, u64* out);
// `packed` (optional, `packed_len` words) is B as made by pack_operand; it is used only
// if it was made for this ISA, k and n (else B itself is read): results never depend on it.
void matmul(const u64* a, const u64* b, u64* out, std::size_t m, std::size_t k, std::size_t n,
            const u64* packed = nullptr, std::size_t packed_len = 0);

// A reusable packed copy of a constant B[k x n] for the current ISA: a header of
// kPackedHeader words (ISA, k, n) and then pack_b_all's panels. Sized by packed_operand_size.
constexpr std::size_t kPackedHeader = 3;
std::size_t packed_operand_size(std::size_t k, std::size_t n);
void pack_operand(const u64* b, std::size_t k, std::size_t n, u64* dst);

}  // namespace tfe

#endif  // TFE_RING_NATIVE_KERNELS_H_
