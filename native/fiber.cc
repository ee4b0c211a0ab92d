// fibernet's fiber core.
//
// Every fiber runs on an OS thread of its own; the threads take turns on the
// one isolate through v8::Locker / v8::Unlocker, so exactly one thread runs
// JavaScript at any time and fibers keep cooperative, single-threaded
// semantics over a shared heap. This file only moves control between threads:
// what a switch carries (values, errors, async context) lives in lib/fiber.ts.
//
// Control is strictly nested, as in the old `fibers` package: resume() runs a
// fiber until it suspends or finishes, and suspend() returns to whoever
// resumed it last. That keeps V8's per-isolate entry stack in LIFO order, so a
// fiber enters the isolate when a stretch starts and exits it before it hands
// control back: a parked fiber holds no entry, and the isolate can be disposed
// while fibers are parked.

#include "addon.h"

#include <linux/futex.h>
#include <pthread.h>
#include <time.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace fibernet {

using v8::Context;
using v8::External;
using v8::Function;
using v8::FunctionCallbackInfo;
using v8::FunctionTemplate;
using v8::Global;
using v8::HandleScope;
using v8::Isolate;
using v8::Local;
using v8::Locker;
using v8::Number;
using v8::Object;
using v8::ObjectTemplate;
using v8::String;
using v8::TryCatch;
using v8::Unlocker;
using v8::Value;

// Native frames that V8 itself runs below the JavaScript stack limit (runtime
// calls, the regexp engine, GC marking) need room; Node gives its workers the
// same margin.
constexpr size_t kNativeHeadroom = 192 * 1024;
constexpr size_t kMinStackSize = 64 * 1024;

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
      if (s == kIdle &&
          !state_.compare_exchange_weak(s, kSleeping, std::memory_order_acq_rel)) {
        continue;
      }
      syscall(SYS_futex, &state_, FUTEX_WAIT_PRIVATE, kSleeping, nullptr, nullptr, 0);
    }
  }

 private:
  static constexpr uint32_t kIdle = 0, kPosted = 1, kSleeping = 2;
  std::atomic<uint32_t> state_{kIdle};
  std::atomic<uint64_t> parked_at_{0};
  bool quick_ = true;  // only the waiting thread touches it
};

struct Instance;
struct Fiber;

// A pooled OS thread that runs one fiber at a time.
struct Worker {
  Instance* inst = nullptr;
  size_t stack_size = 0;  // the JavaScript budget; the thread gets headroom on top
  pthread_t thread{};
  uintptr_t stack_top = 0;
  Signal signal;
  Fiber* fiber = nullptr;
  bool quit = false;
  Signal* quitter = nullptr;  // posted once the thread let go of the isolate for good
  int cpu = -1;               // the CPU this thread is pinned to, or -1
};

struct Fiber {
  Instance* inst = nullptr;
  size_t stack_size = 0;
  Worker* worker = nullptr;      // set while started
  Fiber* caller = nullptr;       // the fiber that resumed us; null = the thread that owns the isolate
  Global<Function> entry;        // handed to the worker on the first resume
  Global<Object> handle;         // weak: frees this struct when JS drops it
  bool terminate = false;        // resumed only to be torn down at exit
  bool terminated = false;       // its JavaScript was terminated (worker.terminate, exit)
  bool report_uncaught = false;  // an error escaping the entry is an uncaught exception
  bool parked = false;           // waiting in suspend(), so it may be handed control
  Fiber* prev_live = nullptr;    // list of started fibers, for teardown
  Fiber* next_live = nullptr;
};

struct Instance {
  Isolate* isolate = nullptr;
  Global<Context> context;
  Global<ObjectTemplate> handle_template;
  Signal main_signal;
  Fiber* current = nullptr;  // null while the isolate's own thread runs
  Fiber* finished = nullptr; // the fiber whose entry returned, for its resumer to reap
  std::vector<Worker*> pool;
  size_t pool_size = 120;
  size_t threads_created = 0;
  size_t threads_alive = 0;
  size_t fibers_live = 0;
  Fiber* live = nullptr;
  int spins = 2000;
  bool colocate = true;
  cpu_set_t all_cpus;  // the process's CPUs, to unpin a thread
  bool closing = false;
};

Signal& SignalOf(Instance* inst, Fiber* f) {
  return f == nullptr ? inst->main_signal : f->worker->signal;
}

void LinkLive(Fiber* f) {
  Instance* inst = f->inst;
  f->prev_live = nullptr;
  f->next_live = inst->live;
  if (inst->live) inst->live->prev_live = f;
  inst->live = f;
  inst->fibers_live++;
}

void UnlinkLive(Fiber* f) {
  Instance* inst = f->inst;
  if (f->prev_live) f->prev_live->next_live = f->next_live;
  else inst->live = f->next_live;
  if (f->next_live) f->next_live->prev_live = f->prev_live;
  f->prev_live = f->next_live = nullptr;
  inst->fibers_live--;
}

void RunOnWorker(Worker* w, Fiber* f) {
  Instance* inst = w->inst;
  Isolate* isolate = inst->isolate;
  Isolate::Scope isolate_scope(isolate);
  // V8 derives a new thread's limit from --stack-size measured from where the
  // thread first locks; our stacks may be smaller than that, so set it here.
  // Measured from the top: glibc may hand us a larger cached stack, and the
  // fiber's budget is what was asked for.
  isolate->SetStackLimit(w->stack_top - w->stack_size);
  HandleScope handle_scope(isolate);
  Local<Context> context = inst->context.Get(isolate);
  Context::Scope context_scope(context);
  Local<Function> entry = f->entry.Get(isolate);
  f->entry.Reset();
  TryCatch try_catch(isolate);
  // The entry function catches everything the fiber throws; only termination
  // gets through, and it must reach whoever resumed us.
  v8::MaybeLocal<Value> ignored = entry->Call(context, context->Global(), 0, nullptr);
  (void)ignored;
  if (try_catch.HasTerminated()) {
    f->terminated = true;
    isolate->CancelTerminateExecution();
  } else if (try_catch.HasCaught() && f->report_uncaught) {
    // Reported here, where the error was thrown, so Node prints the source
    // line it came from, exactly as for an error at a script's top level.
    node::FatalException(isolate, try_catch);
  }
}

// A worker takes the isolate's lock once and keeps it for its whole life,
// handing it over with Unlocker at every switch: a fresh top-level Locker per
// fiber would make V8 set up and tear down its per-thread state each time,
// which costs more than the fiber's own run.
void* WorkerMain(void* arg) {
  Worker* w = static_cast<Worker*>(arg);
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* addr;
    size_t size;
    pthread_attr_getstack(&attr, &addr, &size);
    w->stack_top = reinterpret_cast<uintptr_t>(addr) + size;
    pthread_attr_destroy(&attr);
  }
  Instance* inst = w->inst;
  Isolate* isolate = inst->isolate;
  w->signal.Wait(inst->spins);
  if (!w->quit) {
    Locker locker(isolate);
    for (;;) {
      Fiber* f = w->fiber;
      RunOnWorker(w, f);
      // Finished. Hand control back to the last resumer, which now owns this
      // worker: it pools it (we wait here for the next fiber) or retires it.
      inst->finished = f;
      {
        // Re-taking the lock may create handles (V8 13 does), which need a scope.
        HandleScope handle_scope(isolate);
        Unlocker unlocker(isolate);
        SignalOf(inst, f->caller).Post();
        w->signal.Wait(inst->spins);
      }
      if (w->quit) break;
    }
  }
  // The lock is released. Drop V8's bookkeeping for this thread (the isolate
  // outlives it), then let the retiring context go on; touch nothing after.
  isolate->DiscardThreadSpecificMetadata();
  Signal* quitter = w->quitter;
  delete w;
  if (quitter != nullptr) quitter->Post();
  return nullptr;
}

Worker* AcquireWorker(Instance* inst, size_t stack_size, std::string* error) {
  for (size_t i = inst->pool.size(); i-- > 0;) {
    Worker* w = inst->pool[i];
    if (w->stack_size == stack_size) {
      inst->pool.erase(inst->pool.begin() + i);
      return w;
    }
  }
  Worker* w = new Worker();
  w->inst = inst;
  w->stack_size = stack_size;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, stack_size + kNativeHeadroom);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int rc = pthread_create(&w->thread, &attr, WorkerMain, w);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    delete w;
    *error = std::string("cannot start a thread for a fiber (") + strerror(rc) + ") with " +
             std::to_string(inst->threads_alive) +
             " fiber threads alive; every fiber is an OS thread, so the system's thread "
             "limits (ulimit -u, kernel.pid_max, kernel.threads-max, vm.max_map_count) "
             "cap how many fibers can be parked at once";
    return nullptr;
  }
  inst->threads_created++;
  inst->threads_alive++;
  return w;
}

// Ends a worker's thread. The worker holds the lock between fibers, so it
// must run once more to give it up; this waits until it has.
void RetireWorker(Instance* inst, Worker* w) {
  Signal& self = SignalOf(inst, inst->current);
  w->quit = true;
  w->quitter = &self;
  inst->threads_alive--;
  Unlocker unlocker(inst->isolate);
  w->signal.Post();
  self.Wait(inst->spins);
}

void ReleaseWorker(Instance* inst, Worker* w) {
  if (!inst->closing && inst->pool.size() < inst->pool_size) {
    inst->pool.push_back(w);
    return;
  }
  RetireWorker(inst, w);
}

void PinTo(Worker* w, int cpu, cpu_set_t* set) {
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
void HandOff(Instance* inst, Signal& target, Worker* target_worker, Signal& self) {
  bool cold = target.ParkedFor(Signal::NowMicros()) >= Signal::kQuickMicros;
  int spins = self.Quick() ? inst->spins : 0;
  if (inst->colocate && target_worker != nullptr) {
    int cpu = sched_getcpu();
    if (cold) {
      spins = 0;
      if (cpu >= 0 && target_worker->cpu != cpu) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        PinTo(target_worker, cpu, &set);
      }
    } else if (spins > 0 && target_worker->cpu == cpu) {
      // Spinning for a peer that needs our core would only delay it: move it
      // to another core (unpinning is not enough, the kernel keeps the pair).
      for (int other = 0; other < CPU_SETSIZE; other++) {
        if (other == cpu || !CPU_ISSET(other, &inst->all_cpus)) continue;
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(other, &set);
        PinTo(target_worker, other, &set);
        break;
      }
    }
  } else if (cold) {
    spins = 0;
  }
  target.Post();
  self.Wait(spins);
}

// Moves control from the running context to `f` and back. Returns once `f`
// suspends or finishes.
void SwitchInto(Instance* inst, Fiber* f) {
  Fiber* self = inst->current;
  f->caller = self;
  inst->current = f;
  {
    Unlocker unlocker(inst->isolate);
    HandOff(inst, f->worker->signal, f->worker, SignalOf(inst, self));
  }
#if V8_MAJOR_VERSION < 12
  // V8 11 (Node 20) records the stack the collector scans when a thread
  // enters the isolate, and the fiber we ran entered last: enter again so it
  // is this thread's stack (otherwise a GC here scans another thread's range
  // and crashes). The entry stack is LIFO, so ours is on top again.
  inst->isolate->Exit();
  inst->isolate->Enter();
#endif
  inst->current = self;
}

// Runs on the resumer once a fiber's entry returned: the fiber can be run
// again from the start (as in the old package) and its thread is reused.
void FinishOnResumer(Instance* inst, Fiber* f) {
  Worker* w = f->worker;
  f->worker = nullptr;
  f->terminate = false;
  w->fiber = nullptr;
  UnlinkLive(f);
  ReleaseWorker(inst, w);
  if (f->handle.IsEmpty()) delete f;
}

struct Reaped {
  bool any;         // a fiber's entry returned during the switch
  bool ours;        // ... and it was the fiber we switched into
  bool terminated;  // ... and its JavaScript had been terminated
};

// After a switch into `f`: control came back because a fiber suspended to us
// or finished (`f`, or one `f` handed control to). Reaps a finished one.
Reaped ReapFinished(Instance* inst, Fiber* f) {
  Fiber* done = inst->finished;
  inst->finished = nullptr;
  if (done == nullptr) return {false, false, false};
  // FinishOnResumer may free `done`: read what we need first.
  Reaped r{true, done == f, done->terminated};
  done->terminated = false;
  FinishOnResumer(inst, done);
  return r;
}

Instance* InstanceOf(const FunctionCallbackInfo<Value>& args) {
  return static_cast<Instance*>(args.Data().As<External>()->Value());
}

Fiber* Unwrap(Instance* inst, Local<Value> value) {
  if (!value->IsObject()) return nullptr;
  Local<Object> obj = value.As<Object>();
  if (obj->InternalFieldCount() != 1) return nullptr;
  return static_cast<Fiber*>(obj->GetAlignedPointerFromInternalField(0));
}

void ThrowTypeError(Isolate* isolate, const char* message) {
  isolate->ThrowException(
      v8::Exception::TypeError(String::NewFromUtf8(isolate, message).ToLocalChecked()));
}

void OnHandleCollected(const v8::WeakCallbackInfo<Fiber>& info) {
  Fiber* f = info.GetParameter();
  f->handle.Reset();
  // A started fiber's own stack keeps its handle alive, so only idle ones get here.
  if (f->worker == nullptr) delete f;
}

// create(stackSize, reportUncaught) -> handle
void Create(const FunctionCallbackInfo<Value>& args) {
  Instance* inst = InstanceOf(args);
  Isolate* isolate = args.GetIsolate();
  double requested = args[0]->IsNumber() ? args[0].As<Number>()->Value() : 0;
  size_t stack_size = requested >= kMinStackSize ? static_cast<size_t>(requested) : kMinStackSize;
  stack_size = (stack_size + 4095) & ~static_cast<size_t>(4095);
  Local<Object> obj = inst->handle_template.Get(isolate)
                          ->NewInstance(isolate->GetCurrentContext())
                          .ToLocalChecked();
  Fiber* f = new Fiber();
  f->inst = inst;
  f->stack_size = stack_size;
  f->report_uncaught = args[1]->IsTrue();
  obj->SetAlignedPointerInInternalField(0, f);
  f->handle.Reset(isolate, obj);
  f->handle.SetWeak(f, OnHandleCollected, v8::WeakCallbackType::kParameter);
  args.GetReturnValue().Set(obj);
}

// resume(handle, entry?) -> true when the fiber finished, false when it suspended
void Resume(const FunctionCallbackInfo<Value>& args) {
  Instance* inst = InstanceOf(args);
  Isolate* isolate = args.GetIsolate();
  Fiber* f = Unwrap(inst, args[0]);
  if (f == nullptr) return ThrowTypeError(isolate, "resume() expects a fiber handle");
  if (inst->closing) return ThrowTypeError(isolate, "the fiber core is shutting down");
  if (f->worker == nullptr) {
    if (!args[1]->IsFunction()) return ThrowTypeError(isolate, "a fiber's first resume needs its entry function");
    std::string error;
    Worker* w = AcquireWorker(inst, f->stack_size, &error);
    if (w == nullptr) {
      Local<Value> err = v8::Exception::Error(String::NewFromUtf8(isolate, error.c_str()).ToLocalChecked());
      err.As<Object>()
          ->Set(isolate->GetCurrentContext(), String::NewFromUtf8Literal(isolate, "code"),
                String::NewFromUtf8Literal(isolate, "ERR_FIBER_THREAD_LIMIT"))
          .Check();
      isolate->ThrowException(err);
      return;
    }
    f->entry.Reset(isolate, args[1].As<Function>());
    f->worker = w;
    w->fiber = f;
    LinkLive(f);
  }
  SwitchInto(inst, f);
  // Control comes back when a fiber suspends to us or finishes: `f`, or a
  // fiber `f` handed control to with suspend(next).
  Reaped r = ReapFinished(inst, f);
  if (r.terminated) {
    // The fiber's JavaScript was terminated (worker.terminate(), shutdown):
    // keep terminating the context that resumed it.
    isolate->TerminateExecution();
    return;
  }
  args.GetReturnValue().Set(r.ours);
}

// suspend(next?): hands control back to the last resumer, or to the parked
// fiber `next`, which then returns to that resumer in our place (a Hub
// running several ready fibers switches once per fiber instead of twice).
// Returns when resumed.
void Suspend(const FunctionCallbackInfo<Value>& args) {
  Instance* inst = InstanceOf(args);
  Isolate* isolate = args.GetIsolate();
  Fiber* self = inst->current;
  if (self == nullptr) return ThrowTypeError(isolate, "suspend() called outside a fiber");
  Fiber* next = nullptr;
  if (args.Length() > 0 && !args[0]->IsUndefined()) {
    next = Unwrap(inst, args[0]);
    if (next == nullptr || next == self || !next->parked) {
      return ThrowTypeError(isolate, "suspend(next) expects another parked fiber");
    }
  }
#if V8_MAJOR_VERSION >= 12
  // AsyncContextFrame (AsyncLocalStorage from Node 24) lives in one
  // isolate-wide slot; whoever resumes us installs its own, so keep ours.
  Global<Value> frame(isolate, isolate->GetContinuationPreservedEmbedderData());
#endif
  self->parked = true;
  isolate->Exit();
  {
    Unlocker unlocker(isolate);
    Fiber* caller = self->caller;
    if (next != nullptr) {
      next->caller = caller;
      inst->current = next;
      HandOff(inst, next->worker->signal, next->worker, self->worker->signal);
    } else {
      HandOff(inst, SignalOf(inst, caller), caller == nullptr ? nullptr : caller->worker, self->worker->signal);
    }
  }
  isolate->Enter();
  self->parked = false;
#if V8_MAJOR_VERSION >= 12
  isolate->SetContinuationPreservedEmbedderData(frame.Get(isolate));
#endif
  if (self->terminate) isolate->TerminateExecution();
}

// The cleanup hook runs when the environment goes away (a natural exit, or a
// worker_threads Worker ending). lib/fiber.ts has already unwound parked
// fibers from process 'exit' (their finally blocks ran); any still parked
// (one that blocked again while unwinding, or after process.exit()) has its
// JavaScript terminated here, which frees its thread.
void Teardown(void* arg) {
  Instance* inst = static_cast<Instance*>(arg);
  Isolate* isolate = inst->isolate;
  HandleScope handle_scope(isolate);
  inst->closing = true;
  while (inst->live != nullptr) {
    Fiber* f = inst->live;
    if (inst->current != nullptr) break;  // cannot happen: cleanup runs at the top level
    f->terminate = true;
    SwitchInto(inst, f);
    if (!ReapFinished(inst, f).ours) {
      // It suspended again instead of dying: leave it parked for good.
      UnlinkLive(f);
    }
  }
  if (isolate->IsExecutionTerminating()) isolate->CancelTerminateExecution();
  std::vector<Worker*> pool;
  pool.swap(inst->pool);
  for (Worker* w : pool) RetireWorker(inst, w);
  inst->context.Reset();
  inst->handle_template.Reset();
  // Fiber structs still referenced by JS handles are freed by their weak
  // callbacks or with the process; the instance must outlive them.
}

void GetStats(const FunctionCallbackInfo<Value>& args) {
  Instance* inst = InstanceOf(args);
  Isolate* isolate = args.GetIsolate();
  Local<Context> context = isolate->GetCurrentContext();
  Local<Object> out = Object::New(isolate);
  auto put = [&](const char* key, double value) {
    out->Set(context, String::NewFromUtf8(isolate, key).ToLocalChecked(), Number::New(isolate, value)).Check();
  };
  put("threadsCreated", static_cast<double>(inst->threads_created));
  put("threadsAlive", static_cast<double>(inst->threads_alive));
  put("pooled", static_cast<double>(inst->pool.size()));
  put("live", static_cast<double>(inst->fibers_live));
  put("poolSize", static_cast<double>(inst->pool_size));
  args.GetReturnValue().Set(out);
}

// setPoolSize(n): how many idle threads are kept for reuse.
void SetPoolSize(const FunctionCallbackInfo<Value>& args) {
  Instance* inst = InstanceOf(args);
  double n = args[0]->IsNumber() ? args[0].As<Number>()->Value() : -1;
  if (!(n >= 0)) return ThrowTypeError(args.GetIsolate(), "poolSize must be a non-negative number");
  inst->pool_size = static_cast<size_t>(n);
  while (inst->pool.size() > inst->pool_size) {
    Worker* w = inst->pool.back();
    inst->pool.pop_back();
    RetireWorker(inst, w);
  }
}

void InitFiber(Local<Object> exports, Local<Context> context) {
  Isolate* isolate = context->GetIsolate();
  Instance* inst = new Instance();
  inst->isolate = isolate;
  inst->context.Reset(isolate, context);
  Local<ObjectTemplate> tmpl = ObjectTemplate::New(isolate);
  tmpl->SetInternalFieldCount(1);
  inst->handle_template.Reset(isolate, tmpl);
  // A hand-off spins briefly before sleeping, which pays off only when the
  // peer thread can run on another core at the same time.
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) < 2) inst->spins = 0;
  inst->all_cpus = cpus;
  if (const char* spins = getenv("FIBERNET_SPIN")) inst->spins = atoi(spins);
  if (const char* colocate = getenv("FIBERNET_COLOCATE")) inst->colocate = colocate[0] != '0';
  Local<External> data = External::New(isolate, inst);
  SetMethod(isolate, context, exports, "create", Create, data);
  SetMethod(isolate, context, exports, "resume", Resume, data);
  SetMethod(isolate, context, exports, "suspend", Suspend, data);
  SetMethod(isolate, context, exports, "stats", GetStats, data);
  SetMethod(isolate, context, exports, "setPoolSize", SetPoolSize, data);
  node::AddEnvironmentCleanupHook(isolate, Teardown, inst);
}

}  // namespace fibernet

