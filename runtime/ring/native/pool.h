// A persistent thread pool: `threads - 1` std::thread workers created once and
// parked on a condition variable; `run` hands out task indices through an atomic
// counter, the calling thread works too, and it returns when every task is done.
#ifndef TFE_RING_NATIVE_POOL_H_
#define TFE_RING_NATIVE_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tfe {

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
  void run(std::size_t ntasks, const std::function<void(std::size_t)>& task);

 private:
  void worker_loop();

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::uint64_t generation_ = 0;  // bumped once per run(); workers wait for a new one
  bool stop_ = false;
  const std::function<void(std::size_t)>* task_ = nullptr;
  std::size_t ntasks_ = 0;
  std::size_t busy_ = 0;  // workers that have not yet finished the current generation
  std::atomic<std::size_t> next_{0};
};

}  // namespace tfe

#endif  // TFE_RING_NATIVE_POOL_H_
