// The threads backend: every fiber runs on a pooled OS thread of its own, and
// the threads take turns on the one isolate through v8::Locker / v8::Unlocker.
// Public V8 API only, so it works on any Node build; the price is a kernel
// context switch per switch, and the system's thread limits cap how many
// fibers can be parked at once. It is the fallback where the stacks backend
// cannot be proved.

#include "core.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace fibernet {

namespace {

using v8::HandleScope;
using v8::Isolate;
using v8::Locker;
using v8::Unlocker;

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// A one-shot wake-up: exactly one Post() answers each Wait(). The waiter spins
// briefly (a hand-off usually completes within a few microseconds) and then
// sleeps on a futex, so a parked fiber costs no CPU.
class Signal {
 public:
  void Post() {
    if (state_.exchange(kPosted, std::memory_order_acq_rel) == kSleeping) {
      syscall(SYS_futex, &state_, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
    }
  }

  // Microseconds since the waiter began its current wait (or last waited).
  uint64_t ParkedFor(uint64_t now) const { return now - parked_at_.load(std::memory_order_relaxed); }

  // Whether the waiter's last wait ended soon after it began: a peer that
  // answers quickly is worth spinning for.
  bool Quick() const { return quick_; }

  void Wait(int spins) {
    uint64_t start = NowMicros();
    parked_at_.store(start, std::memory_order_relaxed);
    WaitFor(spins);
    quick_ = NowMicros() - start < kQuickMicros;
  }

  static uint64_t NowMicros() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
  }

  // A wait shorter than this is "quick"; a peer parked longer than this is cold.
  static constexpr uint64_t kQuickMicros = 50;

 private:
  void WaitFor(int spins) {
    for (int i = 0; i < spins; i++) {
      if (state_.load(std::memory_order_acquire) == kPosted) {
        state_.store(kIdle, std::memory_order_relaxed);
        return;
      }
      // When the peer shares our core, spinning only delays it: give the
      // core away now and then.
      if ((i & 127) == 127) sched_yield();
      else CpuRelax();
    }
    for (;;) {
      uint32_t s = state_.load(std::memory_order_acquire);
      if (s == kPosted) {
        state_.store(kIdle, std::memory_order_relaxed);
        return;
      }
      if (s == kIdle && !state_.compare_exchange_weak(s, kSleeping, std::memory_order_acq_rel)) {
        continue;
      }
      syscall(SYS_futex, &state_, FUTEX_WAIT_PRIVATE, kSleeping, nullptr, nullptr, 0);
    }
  }

  static constexpr uint32_t kIdle = 0, kPosted = 1, kSleeping = 2;
  std::atomic<uint32_t> state_{kIdle};
  std::atomic<uint64_t> parked_at_{0};
  bool quick_ = true;  // only the waiting thread touches it
};

struct ThreadRunner : Runner {
  pthread_t thread{};
  Signal signal;
  Signal* quitter = nullptr;  // posted once the thread let go of the isolate for good
  int cpu = -1;               // the CPU this thread is pinned to, or -1
};

class ThreadsBackend : public Backend {
 public:
  explicit ThreadsBackend(Instance* inst) {
    root_.inst = inst;
    // A hand-off spins briefly before sleeping, which pays off only when the
    // peer thread can run on another core at the same time.
    CPU_ZERO(&all_cpus_);
    if (sched_getaffinity(0, sizeof(all_cpus_), &all_cpus_) == 0 && CPU_COUNT(&all_cpus_) < 2) spins_ = 0;
    if (const char* spins = getenv("FIBERNET_SPIN")) spins_ = atoi(spins);
    if (const char* colocate = getenv("FIBERNET_COLOCATE")) colocate_ = colocate[0] != '0';
  }

  const char* Name() const override { return "threads"; }
  std::string ProfilerNote() const override {
    return "not sampled: V8's sampler signals only the isolate's own OS thread, and each fiber runs on a thread of its own";
  }
  Runner* Root() override { return &root_; }

  Runner* NewRunner(size_t stack_size, RunnerError* error) override {
    Instance* inst = root_.inst;
    ThreadRunner* w = new ThreadRunner();
    w->inst = inst;
    w->stack_size = stack_size;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, stack_size + kNativeHeadroom);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&w->thread, &attr, &ThreadsBackend::Main, w);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
      delete w;
      error->code = "ERR_FIBER_THREAD_LIMIT";
      error->message = std::string("cannot start a thread for a fiber (") + strerror(rc) + ") with " +
                       std::to_string(inst->runners_alive) +
                       " fiber threads alive; on the threads backend every fiber is an OS thread, so the "
                       "system's thread limits (ulimit -u, kernel.pid_max, kernel.threads-max, "
                       "vm.max_map_count) cap how many fibers can be parked at once";
      return nullptr;
    }
    return w;
  }

  void Transfer(Runner* from, Runner* to) override {
    ThreadRunner* self = static_cast<ThreadRunner*>(from);
    ThreadRunner* target = static_cast<ThreadRunner*>(to);
    // Re-taking the lock may create handles (V8 13 does), which need a scope.
    HandleScope handle_scope(root_.inst->isolate);
    Unlocker unlocker(root_.inst->isolate);
    HandOff(target, self);
  }

  void AfterResume() override {
#if V8_MAJOR_VERSION < 12
    // V8 11 (Node 20) records the stack the collector scans when a thread
    // enters the isolate, and the fiber we ran entered last, on its own
    // thread: enter again so it is this thread's stack (otherwise a GC here
    // scans another thread's range and crashes). The entry stack is LIFO, so
    // ours is on top again. (The stacks backend re-records it at every switch.)
    Isolate* isolate = root_.inst->isolate;
    isolate->Exit();
    isolate->Enter();
#endif
  }

  // The worker holds the lock between fibers, so it must run once more to
  // give it up; this waits until it has.
  void Retire(Runner* from, Runner* idle) override {
    ThreadRunner* self = static_cast<ThreadRunner*>(from);
    ThreadRunner* w = static_cast<ThreadRunner*>(idle);
    w->quit = true;
    w->quitter = &self->signal;
    HandleScope handle_scope(root_.inst->isolate);
    Unlocker unlocker(root_.inst->isolate);
    w->signal.Post();
    self->signal.Wait(spins_);
  }

 private:
  // A worker takes the isolate's lock once and keeps it for its whole life,
  // handing it over with Unlocker at every switch: a fresh top-level Locker
  // per fiber would make V8 set up and tear down its per-thread state each
  // time, which costs more than the fiber's own run.
  static void* Main(void* arg) {
    ThreadRunner* w = static_cast<ThreadRunner*>(arg);
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      void* addr;
      size_t size;
      pthread_attr_getstack(&attr, &addr, &size);
      w->stack_top = reinterpret_cast<uintptr_t>(addr) + size;
      pthread_attr_destroy(&attr);
    }
    Isolate* isolate = w->inst->isolate;
    ThreadsBackend* self = static_cast<ThreadsBackend*>(w->inst->backend);
    w->signal.Wait(self->spins_);
    if (!w->quit) {
      Locker locker(isolate);
      RunFibers(w);
    }
    // The lock is released. Drop V8's bookkeeping for this thread (the
    // isolate outlives it), then let the retiring context go on; touch
    // nothing after.
    isolate->DiscardThreadSpecificMetadata();
    Signal* quitter = w->quitter;
    delete w;
    if (quitter != nullptr) quitter->Post();
    return nullptr;
  }

  void PinTo(ThreadRunner* w, int cpu, cpu_set_t* set) {
    if (pthread_setaffinity_np(w->thread, sizeof(*set), set) == 0) w->cpu = cpu;
  }

  // Hands control to `target` and waits for it to come back. Two regimes:
  // - A peer that parked moments ago is part of a quick exchange (a
  //   generator's run/yield, a fiber started and finished at once): signal it
  //   and spin, each thread on its own core, which takes well under a
  //   microsecond. Such a peer is kept off our core.
  // - A peer parked for longer sleeps in the kernel, and the kernel would wake
  //   it on the core it last ran on; waking an idle core costs tens of
  //   microseconds on virtual machines. So it is moved to our core first, and
  //   we wait without spinning, which hands it the core directly.
  // A waiter spins only while its own recent waits were quick.
  void HandOff(ThreadRunner* target, ThreadRunner* self) {
    bool cold = target->signal.ParkedFor(Signal::NowMicros()) >= Signal::kQuickMicros;
    int spins = self->signal.Quick() ? spins_ : 0;
    if (colocate_ && target != &root_) {
      int cpu = sched_getcpu();
      if (cold) {
        spins = 0;
        if (cpu >= 0 && target->cpu != cpu) {
          cpu_set_t set;
          CPU_ZERO(&set);
          CPU_SET(cpu, &set);
          PinTo(target, cpu, &set);
        }
      } else if (spins > 0 && target->cpu == cpu) {
        // Spinning for a peer that needs our core would only delay it: move
        // it to another core (unpinning is not enough, the kernel keeps the
        // pair together).
        for (int other = 0; other < CPU_SETSIZE; other++) {
          if (other == cpu || !CPU_ISSET(other, &all_cpus_)) continue;
          cpu_set_t set;
          CPU_ZERO(&set);
          CPU_SET(other, &set);
          PinTo(target, other, &set);
          break;
        }
      }
    } else if (cold) {
      spins = 0;
    }
    target->signal.Post();
    self->signal.Wait(spins);
  }

  ThreadRunner root_;
  int spins_ = 2000;
  bool colocate_ = true;
  cpu_set_t all_cpus_;  // the process's CPUs, to unpin a thread
};

}  // namespace

Backend* NewThreadsBackend(Instance* inst) { return new ThreadsBackend(inst); }

}  // namespace fibernet
