// The backend-neutral fiber core: what a fiber is, where it runs, and the
// interface both backends implement. native/fiber.cc holds the JavaScript
// bindings over it; native/backend_threads.cc and native/backend_stacks.cc
// are the two ways of giving a fiber a stack of its own.
#pragma once

#include "addon.h"

#include <uv.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fibernet {

struct Instance;
struct Fiber;

// Native frames that V8 itself runs below the JavaScript stack limit (runtime
// calls, the regexp engine, GC marking) need room; Node gives its workers the
// same margin.
constexpr size_t kNativeHeadroom = 192 * 1024;
constexpr size_t kMinStackSize = 64 * 1024;
constexpr size_t kMaxStackSize = size_t{1} << 30;  // lib/fiber.ts refuses more, with a RangeError
constexpr size_t kPageSize = 4096;

// Where fibers run: an OS thread of its own (threads backend) or an mmap'd
// stack on the isolate's thread (stacks backend). A runner runs one fiber at a
// time and is pooled between fibers; each one is a "thread" of the isolate to
// V8, with a V8 thread id that it keeps for life. The isolate's own thread is
// a runner too (Backend::Root), which never runs a fiber.
struct Runner {
  Instance* inst = nullptr;
  size_t stack_size = 0;  // the JavaScript budget; the native headroom lies below it
  uintptr_t stack_top = 0;
  Fiber* fiber = nullptr;  // the fiber it runs, while started
  bool quit = false;       // set by Retire: leave the run loop and give the lock up
};

struct Fiber {
  Instance* inst = nullptr;
  size_t stack_size = 0;
  Runner* runner = nullptr;      // set while started
  Fiber* caller = nullptr;       // the fiber that resumed us; null = the isolate's own thread
  v8::Global<v8::Object> handle;   // weak: frees this struct when JS drops it
  bool terminate = false;        // resumed only to be torn down at exit
  bool terminated = false;       // its JavaScript was terminated (worker.terminate, exit)
  bool report_uncaught = false;  // an error escaping the entry is an uncaught exception
  bool parked = false;           // waiting in suspend(), so it may be handed control
  Fiber* prev_live = nullptr;    // list of started fibers, for teardown
  Fiber* next_live = nullptr;
};

// One JavaScript frame, copied out of V8 (a parked fiber's stack is read on
// its own stack, then carried back to the fiber that asked).
struct FrameRecord {
  std::string function;
  std::string file;
  int line = 0;
  int column = 0;
};

// A failure to give a fiber somewhere to run: the message and Node-style code.
struct RunnerError {
  std::string message;
  const char* code = nullptr;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* Name() const = 0;
  // The isolate's own thread, as a runner.
  virtual Runner* Root() = 0;
  // A new runner for fibers with `stack_size` bytes of JavaScript stack, or
  // null with `error` filled in.
  virtual Runner* NewRunner(size_t stack_size, RunnerError* error) = 0;
  // Moves control from the running context `from` into `to`; returns once
  // something transfers back to `from`. The caller holds the isolate's lock
  // (as `from`) on entry and again on return.
  virtual void Transfer(Runner* from, Runner* to) = 0;
  // Called on a resumer once the fiber it resumed gave control back.
  virtual void AfterResume() {}
  // Ends an idle runner (no fiber on it), called from the running context.
  virtual void Retire(Runner* from, Runner* idle) = 0;
  // Whether V8's CPU profiler sees JavaScript that runs in fibers, and why (for stats()).
  virtual std::string ProfilerNote() const = 0;
  // Backend-specific counters for stats(): guarded stacks (0 for threads).
  virtual size_t Guarded() const { return 0; }
  // Called at teardown once every runner is retired.
  virtual void Close() {}
};

struct Instance {
  v8::Isolate* isolate = nullptr;
  v8::Global<v8::Context> context;
  v8::Global<v8::ObjectTemplate> handle_template;
  v8::Global<v8::Value> stashed_data;  // the embedder data held during a GC (fiber.cc)
  int stashed_depth = 0;
  Backend* backend = nullptr;
  std::string backend_reason;  // why this backend: forced, proved, or the failed check
  Fiber* current = nullptr;    // null while the isolate's own thread runs
  Fiber* finished = nullptr;   // the fiber whose entry returned, for its resumer to reap
  std::vector<Runner*> pool;
  size_t pool_size = 120;
  size_t runners_created = 0;
  size_t runners_alive = 0;
  size_t fibers_live = 0;
  Fiber* live = nullptr;
  bool closing = false;
  // Bumped at every switch; the blocking monitor's watchdog (monitor.cc)
  // reads it from its own thread to tell a busy loop from a stuck one.
  std::atomic<uint64_t> switches{0};
  // peek(): the parked fiber resumed only to record its stack, and what it recorded.
  Fiber* peek_target = nullptr;
  std::vector<FrameRecord> peek_frames;
  void* monitor = nullptr;  // the running blocking monitor (monitor.cc), if any

  Runner* RunnerOf(Fiber* f) { return f == nullptr ? backend->Root() : f->runner; }
};

// Runs fibers on `r` until it is retired: each fiber's entry is called, and
// when it returns control goes back to the fiber's last resumer. Called on the
// runner's own stack with the isolate locked (by the runner's own Locker).
void RunFibers(Runner* r);

// The JavaScript frames of the running stack, innermost first (at most `limit`).
std::vector<FrameRecord> CaptureFrames(v8::Isolate* isolate, int limit);
// The frames as JavaScript objects { functionName, file, line, column }.
v8::Local<v8::Array> FramesToJs(v8::Isolate* isolate, v8::Local<v8::Context> context,
                                const std::vector<FrameRecord>& frames);
// The state object lib/fiber.ts keeps for `f` (undefined once its handle is gone).
v8::Local<v8::Value> StateOf(v8::Isolate* isolate, Fiber* f);

// The Instance a binding was made for (its data is an External of it).
inline Instance* InstanceOf(const v8::FunctionCallbackInfo<v8::Value>& args) {
  return static_cast<Instance*>(args.Data().As<v8::External>()->Value());
}

// The blocking monitor's bindings (monitor.cc): monitorStart, monitorStop.
void InitMonitor(Instance* inst, v8::Local<v8::Object> exports, v8::Local<v8::Context> context);

// Pausing a listener's accepts (accept.cc): acceptControl, acceptPause, acceptDeliver;
// ForgetAcceptControls drops what was kept for a loop's listeners at teardown.
void InitAccept(Instance* inst, v8::Local<v8::Object> exports, v8::Local<v8::Context> context);
void ForgetAcceptControls(uv_loop_t* loop);

// pendingSocketError (sockopt.cc): the kernel's pending error of a socket.
void InitSockopt(Instance* inst, v8::Local<v8::Object> exports, v8::Local<v8::Context> context);

// The backends. Each returns null (with `why`) where it cannot work here.
Backend* NewThreadsBackend(Instance* inst);
Backend* NewStacksBackend(Instance* inst, std::string* why);

// The stacks backend must know the JavaScript stack budget of the isolate's
// own thread (V8 13 keeps it per isolate, so each switch back restores it).
void SetRootStackBudget(Backend* backend, size_t bytes);

}  // namespace fibernet
