// The spinning thread pool of CPU model libraries (see SpinningThreadPool.h).
#include "runtime/SpinningThreadPool.h"

#include <HalideRuntime.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

namespace cnnc::runtime {

namespace {

using Task = int (*)(void *, int, uint8_t *);
using Clock = std::chrono::steady_clock;

// How long an idle worker spins before it sleeps: the gap between two kernels of a run is a few
// microseconds; between two runs of a benchmark loop, tens.
constexpr auto spin_time = std::chrono::microseconds(200);

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// As Halide's runtime counts them: HL_NUM_THREADS, else one per hardware thread.
int thread_count() {
    if (const char *env = std::getenv("HL_NUM_THREADS")) {
        const int n = std::atoi(env);
        if (n > 0) return n;
    }
    const unsigned n = std::thread::hardware_concurrency();
    return n > 0 ? static_cast<int>(n) : 1;
}

// One parallel loop, on its caller's stack while it runs.
struct Loop {
    Task f = nullptr;
    void *user_context = nullptr;
    uint8_t *closure = nullptr;
    int min = 0, size = 0;
    // The unclaimed tasks [front, back), as back << 32 | front in one word.
    std::atomic<uint64_t> unclaimed{0};
    std::atomic<int> done{0};   // tasks finished (or skipped after a failure)
    std::atomic<int> status{0}; // the first nonzero status
};

// The next task: the first unclaimed one from the front (the caller), else the last one from the
// back (workers); -1 when none is left.
int claim(Loop &loop, bool from_front) {
    uint64_t ends = loop.unclaimed.load(std::memory_order_relaxed);
    for (;;) {
        const int front = static_cast<int>(ends & 0xffffffffu), back = static_cast<int>(ends >> 32);
        if (front >= back) return -1;
        const uint64_t rest = from_front ? ends + 1 : ends - (uint64_t{1} << 32);
        if (loop.unclaimed.compare_exchange_weak(ends, rest, std::memory_order_relaxed))
            return from_front ? front : back - 1;
    }
}

// Claims and runs tasks until none is left. The caller takes them from the front and the workers
// from the back, so with two threads each takes one contiguous half of the loop (meeting wherever
// the work balances), and a kernel whose tasks run over image rows leaves the top rows in the
// caller's core's cache and the bottom rows in the worker's, where the next kernel's tasks over
// the same rows find them. Claimed in any order, every kernel's input lay half in the other
// core's L2: MobileNet v2's depthwise convs took 445 us in the model against 299 us alone and
// warm (docs/grouped-convs.md). With more threads the workers share the back part as they come.
// After a failure the rest are counted, not run.
void take_tasks(Loop &loop, bool from_front) {
    for (int i; (i = claim(loop, from_front)) >= 0;) {
        if (loop.status.load(std::memory_order_relaxed) == 0) {
            if (const int r = loop.f(loop.user_context, loop.min + i, loop.closure)) {
                int ok = 0;
                loop.status.compare_exchange_strong(ok, r);
            }
        }
        loop.done.fetch_add(1, std::memory_order_release);
    }
}

// Spins, then yields the core (on a loaded machine the thread it waits for may need it).
template <class Ready> void wait_until(Ready ready) {
    for (int spins = 0; !ready(); ++spins) {
        if (spins < 20000)
            cpu_relax();
        else
            std::this_thread::yield();
    }
}

class Pool {
public:
    explicit Pool(int workers) {
        try {
            for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
        } catch (...) {
            stop(); // the threads started so far, before the error reaches pool()
            throw;
        }
    }

    ~Pool() { stop(); }

    // Runs the loop with the workers; false (nothing run) while another loop holds the pool.
    bool try_run(Loop &loop) {
        std::unique_lock<std::mutex> busy(running_, std::try_to_lock);
        if (!busy.owns_lock()) return false;
        current_.store(&loop);
        generation_.fetch_add(1);
        if (sleepers_.load() > 0) {
            std::lock_guard<std::mutex> lock(sleep_mutex_);
            wake_.notify_all();
        }
        take_tasks(loop, true);
        // The loop lives on this stack: wait for the tasks workers claimed, then until no worker
        // can still look at it (a worker counts itself a holder before it reads current_).
        current_.store(nullptr);
        wait_until([&] { return loop.done.load(std::memory_order_acquire) == loop.size; });
        wait_until([&] { return holders_.load() == 0; });
        return true;
    }

private:
    void stop() {
        {
            std::lock_guard<std::mutex> lock(sleep_mutex_);
            shutdown_.store(true);
        }
        wake_.notify_all();
        for (std::thread &t : threads_) t.join();
    }

    void work() {
        uint64_t seen = generation_.load();
        Clock::time_point idle_since = Clock::now();
        for (int spins = 0;; ++spins) {
            if (generation_.load() != seen) {
                seen = generation_.load();
                holders_.fetch_add(1);
                if (Loop *loop = current_.load()) take_tasks(*loop, false);
                holders_.fetch_sub(1);
                idle_since = Clock::now();
                continue;
            }
            if (shutdown_.load()) return;
            // Read the clock only now and then: it costs more than a pause.
            if (spins % 64 != 0 || Clock::now() - idle_since < spin_time) {
                cpu_relax();
                continue;
            }
            std::unique_lock<std::mutex> lock(sleep_mutex_);
            sleepers_.fetch_add(1);
            wake_.wait(lock, [&] { return shutdown_.load() || generation_.load() != seen; });
            sleepers_.fetch_sub(1);
            idle_since = Clock::now();
        }
    }

    std::vector<std::thread> threads_;
    std::mutex running_; // held by the caller of the loop being run
    std::atomic<Loop *> current_{nullptr};
    std::atomic<uint64_t> generation_{0}; // bumped as each loop is published
    std::atomic<int> holders_{0};         // workers that may be reading current_
    std::atomic<int> sleepers_{0};
    std::atomic<bool> shutdown_{false};
    std::mutex sleep_mutex_;
    std::condition_variable wake_;
};

// Created on the first parallel loop; joined when the library unloads or the process exits.
// Null when its threads cannot be started: Halide's pool runs the loops then.
Pool *pool() {
    static const std::unique_ptr<Pool> instance = []() -> std::unique_ptr<Pool> {
        try {
            return std::make_unique<Pool>(thread_count() - 1);
        } catch (...) {
            return nullptr;
        }
    }();
    return instance.get();
}

} // namespace

int spinning_do_par_for(void *user_context, int (*f)(void *, int, uint8_t *), int min, int size,
                        uint8_t *closure) {
    if (size <= 1) return size == 1 ? f(user_context, min, closure) : 0;
    Loop loop;
    loop.f = f;
    loop.user_context = user_context;
    loop.closure = closure;
    loop.min = min;
    loop.size = size;
    loop.unclaimed.store(static_cast<uint64_t>(size) << 32);
    Pool *workers = pool();
    if (!workers || !workers->try_run(loop)) return halide_default_do_par_for(user_context, f, min, size, closure);
    return loop.status.load();
}

void install_spinning_thread_pool() {
    static const bool installed = [] {
        const char *choice = std::getenv("CNNC_THREAD_POOL");
        if (choice && std::string_view(choice) == "halide") return false;
        halide_set_custom_do_par_for(spinning_do_par_for);
        return true;
    }();
    (void)installed;
}

} // namespace cnnc::runtime
