// The persistent thread pool (see pool.h).
#include "pool.h"

namespace tfe {

Pool::Pool(int threads) {
  const int workers = threads > 1 ? threads - 1 : 0;
  workers_.reserve(static_cast<std::size_t>(workers));
  try {
    for (int i = 0; i < workers; i++) workers_.emplace_back([this] { worker_loop(); });
  } catch (...) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (std::thread& t : workers_) t.join();
    throw;
  }
}

Pool::~Pool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void Pool::work(std::uint32_t batch, std::size_t ntasks, const TaskRef& task) {
  for (;;) {
    std::uint64_t v = claim_.load(std::memory_order_acquire);
    bool claimed = false;
    while ((v >> 32) == batch && (v & 0xffffffffu) < ntasks) {
      if (claim_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
        claimed = true;
        break;
      }
    }
    if (!claimed) return;
    task(static_cast<std::size_t>(v & 0xffffffffu));
    if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == ntasks) {
      // Notify under the lock so the caller cannot miss it between check and wait.
      std::lock_guard<std::mutex> lock(mu_);
      done_cv_.notify_all();
    }
  }
}

void Pool::worker_loop() {
  std::uint32_t seen = 0;
  for (;;) {
    std::uint32_t batch;
    std::size_t ntasks;
    const TaskRef* task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return stop_ || batch_ != seen; });
      if (stop_) return;
      seen = batch = batch_;
      ntasks = ntasks_;
      task = task_;
    }
    // `task` is only called after a successful claim in this batch, and run()
    // does not return before that task completes, so it is still alive.
    work(batch, ntasks, *task);
  }
}

void Pool::run(std::size_t ntasks, TaskRef task) {
  // Batches of 2^32 tasks or more would overflow the claim counter's index half.
  if (workers_.empty() || ntasks <= 1 || ntasks > 0xffffffffu) {
    for (std::size_t i = 0; i < ntasks; i++) task(i);
    return;
  }
  std::uint32_t batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch = ++batch_;
    task_ = &task;
    ntasks_ = ntasks;
    done_.store(0, std::memory_order_relaxed);
    claim_.store(static_cast<std::uint64_t>(batch) << 32, std::memory_order_release);
  }
  work_cv_.notify_all();
  work(batch, ntasks, task);
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [&] { return done_.load(std::memory_order_acquire) == ntasks; });
}

}  // namespace tfe
