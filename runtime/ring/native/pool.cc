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

void Pool::worker_loop() {
  std::uint64_t seen = 0;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    const std::function<void(std::size_t)>* task = task_;
    const std::size_t n = ntasks_;
    lock.unlock();
    for (std::size_t i = next_.fetch_add(1, std::memory_order_relaxed); i < n;
         i = next_.fetch_add(1, std::memory_order_relaxed)) {
      (*task)(i);
    }
    lock.lock();
    if (--busy_ == 0) done_cv_.notify_one();
  }
}

void Pool::run(std::size_t ntasks, const std::function<void(std::size_t)>& task) {
  if (workers_.empty() || ntasks <= 1) {
    for (std::size_t i = 0; i < ntasks; i++) task(i);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    task_ = &task;
    ntasks_ = ntasks;
    next_.store(0, std::memory_order_relaxed);
    busy_ = workers_.size();
    generation_++;
  }
  work_cv_.notify_all();
  for (std::size_t i = next_.fetch_add(1, std::memory_order_relaxed); i < ntasks;
       i = next_.fetch_add(1, std::memory_order_relaxed)) {
    task(i);
  }
  // Every worker must acknowledge this generation before `task` goes out of scope.
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [&] { return busy_ == 0; });
  task_ = nullptr;
}

}  // namespace tfe
