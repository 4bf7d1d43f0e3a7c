// The native ring engine's internal interface: kernels over Z_2^64 (uint64_t with
// wrap-around), the instruction-set paths they come in, and the matmul
// micro-kernel contract. addon.cc is the Node-API glue; kernels.cc adds threading.
#ifndef TFE_RING_NATIVE_RING_H_
#define TFE_RING_NATIVE_RING_H_

#include <cstddef>
#include <cstdint>

// x86-64 paths need GCC/Clang target attributes. TFE_NO_X86 builds the portable
// code alone (what arm64 gets), to check that configuration on an x86 machine.
#if (defined(__x86_64__) || defined(_M_X64)) && defined(__GNUC__) && !defined(TFE_NO_X86)
#define TFE_X86 1
#else
#define TFE_X86 0
#endif

namespace tfe {

using u64 = std::uint64_t;

// The code paths. Avx512Emulated is the AVX-512 path's source (same tiling, same
// 8-lane vector code) compiled for the baseline ISA: it lets a machine without
// AVX-512 test that path's logic. It is never chosen automatically.
enum class Isa : int { Portable = 0, Avx2 = 1, Avx512 = 2, Avx512Emulated = 3 };

const char* isa_name(Isa isa);
bool isa_from_name(const char* name, Isa* out);
bool cpu_supports(Isa isa);
Isa best_isa();

enum class BinOp : int { Add, Sub, Mul, And, Xor, Or };
enum class UnOp : int { Neg, Not };
enum class ShiftOp : int { Shr, Sar, Shl };

// One function set per ISA. Elementwise outputs may be identical to an input
// (never partially overlapping: the glue rejects that).
struct ElementwiseFns {
  void (*binary)(BinOp op, const u64* a, const u64* b, u64* out, std::size_t n);
  void (*unary)(UnOp op, const u64* a, u64* out, std::size_t n);
  void (*shift)(ShiftOp op, const u64* a, unsigned k, u64* out, std::size_t n);
  // out[r] = sum of a[r*cols .. r*cols+cols), for r < rows.
  void (*row_sum)(const u64* a, std::size_t rows, std::size_t cols, u64* out);
  // out[r] = sum_c a[r*cols + c] * b[c]: a matrix-vector product (matmul with n = 1,
  // where a register tile of NR columns would be mostly padding).
  void (*row_dot)(const u64* a, const u64* b, std::size_t rows, std::size_t cols, u64* out);
};

// A register-blocked matmul micro-kernel: computes the h x NR tile
//   C[r][j] (+)= sum_p A[p*h + r] * B[p*ldb + j]     (r < h, j < NR, p < kc)
// where A is a packed micro-panel (kc rows of h values) and B holds kc rows of NR
// values, `ldb` apart (ldb = NR when packed). If `accumulate` is false the tile
// is overwritten. kc >= 1.
using MicroFn = void (*)(std::size_t kc, const u64* a, const u64* b, std::size_t ldb, u64* c, std::size_t ldc,
                         bool accumulate);

// Largest MR of any kernel (AVX-512: 8).
constexpr int kMaxMr = 8;

struct MicroKernel {
  int mr;
  int nr;
  // Cache blocking: kc (depth of a packed panel), mc (rows of A packed at once),
  // nc (columns of B packed at once, a multiple of nr); each kernel says why its
  // values fit.
  std::size_t kc;
  std::size_t mc;
  std::size_t nc;
  // rows[h] computes an h-row tile, 1 <= h <= mr: rows[mr] is the main kernel,
  // the others serve the last rows of a matrix (so m = 1 costs one row, not mr).
  MicroFn rows[kMaxMr + 1];
};

const ElementwiseFns& portable_elementwise();
const MicroKernel& portable_micro();
const MicroKernel& avx512_emulated_micro();
#if TFE_X86
const ElementwiseFns& avx2_elementwise();
const MicroKernel& avx2_micro();
const ElementwiseFns& avx512_elementwise();
const MicroKernel& avx512_micro();
#endif

const ElementwiseFns& elementwise_for(Isa isa);
const MicroKernel& micro_for(Isa isa);

// Single-threaded blocked product of a sub-matrix: C[m x n] = A[m x k] . B[k x n]
// with leading dimensions lda, ldb, ldc (all row-major). If `b_packed` is given it
// holds all of B packed by pack_b_all (shared by threads that split the rows of
// C), and B itself is not read.
void gemm_block(const MicroKernel& kern, const u64* a, std::size_t lda, const u64* b, std::size_t ldb,
                u64* c, std::size_t ldc, std::size_t m, std::size_t k, std::size_t n,
                const u64* b_packed = nullptr);

// All of B[k x n] packed in gemm_block's panel order: packed_b_size() elements.
std::size_t packed_b_size(const MicroKernel& kern, std::size_t k, std::size_t n);
void pack_b_all(const MicroKernel& kern, const u64* b, std::size_t ldb, std::size_t k, std::size_t n, u64* dst);

// pack_b_all split into independent tasks (for the thread pool): every (column block,
// k block) of B in `parts` NR-aligned column ranges; tasks write disjoint parts of dst.
std::size_t pack_b_tasks(const MicroKernel& kern, std::size_t k, std::size_t n, std::size_t parts);
void pack_b_task(const MicroKernel& kern, const u64* b, std::size_t ldb, std::size_t k, std::size_t n, u64* dst,
                 std::size_t parts, std::size_t task);

// 64-byte aligned storage for packed panels (std::free to release); throws std::bad_alloc.
u64* alloc_aligned(std::size_t n);

}  // namespace tfe

#endif  // TFE_RING_NATIVE_RING_H_
