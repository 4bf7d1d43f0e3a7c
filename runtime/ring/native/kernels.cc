// Threaded kernels over the per-ISA function sets (see kernels.h).
#include "kernels.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <atomic>
#include <exception>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include "pool.h"

namespace tfe {

namespace {

// Thresholds below which the pool is not used: waking the workers costs a few
// tens of microseconds, about what one core needs for 2^18 multiply-adds or a
// pass over 2^16 elements (memory-bound), so smaller work stays on the caller.
constexpr std::size_t kMatmulParallelMacs = std::size_t{1} << 18;
constexpr std::size_t kElementwiseParallel = std::size_t{1} << 16;
// Elementwise chunks are whole cache lines (8 x 8 bytes) so threads never share one.
constexpr std::size_t kChunkAlign = 8;
// Matmul: a few tasks per thread so a thread slowed by other load does not hold
// up the rest, but no more (each task packs its own panels).
constexpr std::size_t kTasksPerThread = 2;

std::atomic<int> g_isa{static_cast<int>(best_isa())};
std::atomic<int> g_threads{default_threads()};

// Guards the pool: one parallel kernel at a time (a second JS thread, e.g. a
// worker_thread, finding it busy runs on its own thread instead of waiting).
std::mutex g_pool_mu;
// Heap-allocated on purpose: never destroyed by static destructors at exit.
Pool* g_pool = nullptr;
int g_envs = 0;  // guarded by g_pool_mu

// Runs fn(0..ntasks-1) on the pool (or serially) and rethrows the first failure.
// `fn` is any callable void(std::size_t); it reaches the pool as a TaskRef (no allocation).
template <class F>
void parallel(std::size_t ntasks, const F& fn) {
  const int t = threads();
  std::unique_lock<std::mutex> lock(g_pool_mu, std::defer_lock);
  if (t <= 1 || ntasks <= 1 || !lock.try_lock()) {
    for (std::size_t i = 0; i < ntasks; i++) fn(i);
    return;
  }
  if (g_pool == nullptr || g_pool->threads() != t) {
    delete g_pool;
    g_pool = nullptr;
    g_pool = new Pool(t);
  }
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mu;
  g_pool->run(ntasks, [&](std::size_t i) {
    if (failed.load(std::memory_order_relaxed)) return;
    try {
      fn(i);
    } catch (...) {
      std::lock_guard<std::mutex> g(error_mu);
      if (!failed.exchange(true)) error = std::current_exception();
    }
  });
  if (error) std::rethrow_exception(error);
}

// Splits [0, n) into `parts` contiguous chunks whose starts are multiples of `align`.
struct Chunks {
  std::size_t n, size, count;
  Chunks(std::size_t n_, std::size_t parts, std::size_t align) : n(n_) {
    size = (n + parts - 1) / parts;
    size = (size + align - 1) / align * align;
    if (size == 0) size = align;
    count = (n + size - 1) / size;
  }
  std::size_t begin(std::size_t i) const { return i * size; }
  std::size_t len(std::size_t i) const { return std::min(size, n - i * size); }
};

const ElementwiseFns& fns() { return elementwise_for(current_isa()); }

template <class F>
void elementwise_parallel(std::size_t n, F f) {
  const int t = threads();
  if (t <= 1 || n < kElementwiseParallel) {
    f(0, n);
    return;
  }
  const Chunks ch(n, static_cast<std::size_t>(t), kChunkAlign);
  parallel(ch.count, [&](std::size_t i) { f(ch.begin(i), ch.len(i)); });
}

// The shared packed B operand of a row-split matmul, one per calling thread (a JS
// worker_thread has its own), reused across calls. Buffers above kKeepPacked
// elements (64 MB) are freed after the call rather than kept.
constexpr std::size_t kKeepPacked = std::size_t{1} << 23;

struct PackedScratch {
  u64* data = nullptr;
  std::size_t cap = 0;
  ~PackedScratch() { std::free(data); }
};

PackedScratch& packed_state() {
  thread_local PackedScratch s;
  return s;
}

u64* packed_scratch(std::size_t n) {
  PackedScratch& s = packed_state();
  if (n > s.cap) {
    std::free(s.data);
    s.data = nullptr;
    s.cap = 0;
    s.data = alloc_aligned(n);
    s.cap = n;
  }
  return s.data;
}

void release_packed_scratch() {
  PackedScratch& s = packed_state();
  if (s.cap > kKeepPacked) {
    std::free(s.data);
    s.data = nullptr;
    s.cap = 0;
  }
}

}  // namespace

int default_threads() {
  const unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(hc);
}

Isa current_isa() { return static_cast<Isa>(g_isa.load(std::memory_order_relaxed)); }
void set_isa(Isa isa) { g_isa.store(static_cast<int>(isa), std::memory_order_relaxed); }
int threads() { return g_threads.load(std::memory_order_relaxed); }

void set_threads(int n) {
  g_threads.store(n, std::memory_order_relaxed);
  // Drop a pool of the wrong size now (its idle workers exit); the next parallel
  // kernel creates one of the new size.
  std::lock_guard<std::mutex> lock(g_pool_mu);
  if (g_pool != nullptr && g_pool->threads() != n) {
    delete g_pool;
    g_pool = nullptr;
  }
}

void env_attach() {
  std::lock_guard<std::mutex> lock(g_pool_mu);
  g_envs++;
}

void env_detach() {
  std::lock_guard<std::mutex> lock(g_pool_mu);
  if (--g_envs == 0) {
    delete g_pool;
    g_pool = nullptr;
  }
}

void binary(BinOp op, const u64* a, const u64* b, u64* out, std::size_t n) {
  const ElementwiseFns& f = fns();
  elementwise_parallel(n, [&](std::size_t s, std::size_t len) { f.binary(op, a + s, b + s, out + s, len); });
}

void unary(UnOp op, const u64* a, u64* out, std::size_t n) {
  const ElementwiseFns& f = fns();
  elementwise_parallel(n, [&](std::size_t s, std::size_t len) { f.unary(op, a + s, out + s, len); });
}

void shift(ShiftOp op, const u64* a, unsigned k, u64* out, std::size_t n) {
  const ElementwiseFns& f = fns();
  elementwise_parallel(n, [&](std::size_t s, std::size_t len) { f.shift(op, a + s, k, out + s, len); });
}

void row_sum(const u64* a, std::size_t rows, std::size_t cols, u64* out) {
  const ElementwiseFns& f = fns();
  const std::size_t t = static_cast<std::size_t>(threads());
  if (t <= 1 || rows * cols < kElementwiseParallel) {
    f.row_sum(a, rows, cols, out);
    return;
  }
  if (rows >= t) {
    const Chunks ch(rows, t, 1);
    parallel(ch.count, [&](std::size_t i) { f.row_sum(a + ch.begin(i) * cols, ch.len(i), cols, out + ch.begin(i)); });
    return;
  }
  // Few long rows: each task sums one column range of every row into its own
  // partial vector, then the partials are added (exact, so order is irrelevant).
  const Chunks ch(cols, t, kChunkAlign);
  std::vector<u64> partial(ch.count * rows);
  parallel(ch.count, [&](std::size_t i) {
    for (std::size_t r = 0; r < rows; r++) f.row_sum(a + r * cols + ch.begin(i), 1, ch.len(i), &partial[i * rows + r]);
  });
  for (std::size_t r = 0; r < rows; r++) {
    u64 s = 0;
    for (std::size_t i = 0; i < ch.count; i++) s += partial[i * rows + r];
    out[r] = s;
  }
}

std::size_t packed_operand_size(std::size_t k, std::size_t n) {
  return kPackedHeader + packed_b_size(micro_for(current_isa()), k, n);
}

void pack_operand(const u64* b, std::size_t k, std::size_t n, u64* dst) {
  const Isa isa = current_isa();
  dst[0] = static_cast<u64>(isa);
  dst[1] = k;
  dst[2] = n;
  pack_b_all(micro_for(isa), b, n, k, n, dst + kPackedHeader);
}

void matmul(const u64* a, const u64* b, u64* out, std::size_t m, std::size_t k, std::size_t n, const u64* packed,
            std::size_t packed_len) {
  const MicroKernel& kern = micro_for(current_isa());
  // A packed B made for another ISA (whose panels differ) or shape is ignored.
  const u64* bp = packed != nullptr && packed_len == kPackedHeader + packed_b_size(kern, k, n) &&
                          packed[0] == static_cast<u64>(current_isa()) && packed[1] == k && packed[2] == n && k > 0
                      ? packed + kPackedHeader
                      : nullptr;
  const std::size_t t = static_cast<std::size_t>(threads());
  const std::size_t mr = static_cast<std::size_t>(kern.mr);
  const std::size_t nr = static_cast<std::size_t>(kern.nr);
  // In double: m*k*n may exceed 2^64 for shapes whose operands fit in memory.
  const bool small = static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n) <
                     static_cast<double>(kMatmulParallelMacs);
  if (n == 1 && k > 0) {
    // A matrix-vector product: dot products of the rows of a with b.
    const ElementwiseFns& f = fns();
    if (t <= 1 || small || m < t) {
      f.row_dot(a, b, m, k, out);
    } else {
      const Chunks ch(m, t, 1);
      parallel(ch.count, [&](std::size_t i) { f.row_dot(a + ch.begin(i) * k, b, ch.len(i), k, out + ch.begin(i)); });
    }
    return;
  }
  if (t <= 1 || small) {
    gemm_block(kern, a, k, b, n, out, n, m, k, n, bp);
    return;
  }
  const std::size_t parts = t * kTasksPerThread;
  const std::size_t row_blocks = (m + mr - 1) / mr;
  const std::size_t col_blocks = (n + nr - 1) / nr;
  if (row_blocks >= t) {
    // Split rows of the output: each task owns whole MR-row blocks and reads B
    // from one shared packed copy (packing it per task would repeat k*n copies).
    // The packed copy lives in a per-calling-thread buffer kept across calls (grown,
    // never shrunk below its high-water mark up to kKeepPacked): a fresh allocation
    // per call cost its first-touch page faults every time (about 10 us per 4 KB page).
    const Chunks ch(m, std::min(parts, row_blocks), mr);
    const u64* shared = bp;
    if (shared == nullptr) {
      // packed by the pool too: done by the caller alone it was the serial part that
      // held two threads to about 1.5x at 512^3
      u64* scratch = packed_scratch(packed_b_size(kern, k, n));
      parallel(pack_b_tasks(kern, k, n, t), [&](std::size_t i) { pack_b_task(kern, b, n, k, n, scratch, t, i); });
      shared = scratch;
    }
    parallel(ch.count, [&](std::size_t i) {
      const std::size_t r0 = ch.begin(i);
      gemm_block(kern, a + r0 * k, k, b, n, out + r0 * n, n, ch.len(i), k, n, shared);
    });
    if (bp == nullptr) release_packed_scratch();
  } else if (col_blocks >= t) {
    // Few rows, many columns: split the output by NR-column panels instead.
    const Chunks ch(n, std::min(parts, col_blocks), nr);
    parallel(ch.count, [&](std::size_t i) {
      const std::size_t c0 = ch.begin(i);
      gemm_block(kern, a, k, b + c0, n, out + c0, n, m, k, ch.len(i));
    });
  } else {
    gemm_block(kern, a, k, b, n, out, n, m, k, n, bp);
  }
}

}  // namespace tfe
