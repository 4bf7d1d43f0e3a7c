// A persistent thread pool: `threads - 1` std::thread workers created once and
// parked on a condition variable. `run` publishes a batch of task indices; the
// calling thread and the workers claim indices from one atomic counter, and `run`
// returns as soon as every task has completed. It never waits for a worker that
// has not woken up yet (on a busy machine the caller may simply do all the work):
// a worker that wakes late finds its batch fully claimed and goes back to sleep.
#ifndef TFE_RING_NATIVE_POOL_H_
#define TFE_RING_NATIVE_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace tfe {

// A non-owning reference to a callable `void(std::size_t)`: two pointers, no heap
// allocation (a std::function may allocate for a lambda capturing more than a few
// references, on every parallel kernel call). The callable must outlive every use:
// Pool::run does not return before its last task has run.
class TaskRef {
 public:
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, TaskRef>>>
  TaskRef(const F& f)  // NOLINT(google-explicit-constructor): passed as a lambda
      : obj_(&f), call_([](const void* o, std::size_t i) { (*static_cast<const F*>(o))(i); }) {}
  void operator()(std::size_t i) const { call_(obj_, i); }

 private:
  const void* obj_;
  void (*call_)(const void*, std::size_t);
};

class Pool {
 public:
  // Spawns threads - 1 workers; throws std::system_error if the OS refuses.
  explicit Pool(int threads);
  ~Pool();  // stops and joins every worker
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }
  // Runs task(0) .. task(ntasks - 1), each exactly once, across the pool.
  // Tasks must not throw. Not reentrant: one caller at a time (see kernels.cc).
  void run(std::size_t ntasks, TaskRef task);

 private:
  void worker_loop();
  // Claims and runs tasks of batch `batch` until none is left.
  void work(std::uint32_t batch, std::size_t ntasks, const TaskRef& task);

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  bool stop_ = false;
  // The current batch, published under mu_.
  std::uint32_t batch_ = 0;
  const TaskRef* task_ = nullptr;
  std::size_t ntasks_ = 0;
  // (batch << 32) | next unclaimed index: a claim succeeds only for the batch it
  // was read for, so a late worker can never run a task of a newer batch with
  // the function of an older one.
  std::atomic<std::uint64_t> claim_{0};
  std::atomic<std::size_t> done_{0};  // tasks of the current batch completed
};

}  // namespace tfe

#endif  // TFE_RING_NATIVE_POOL_H_
