// fibernet's fiber core, the part both backends share: the JavaScript
// bindings (create, resume, suspend, stats), the pool of idle runners, the
// loop a runner runs fibers in, and teardown. Where a fiber's stack lives and
// how control moves between stacks is the backend's business (core.h).
//
// Control is strictly nested, as in the old `fibers` package: resume() runs a
// fiber until it suspends or finishes, and suspend() returns to whoever
// resumed it last. That keeps V8's per-isolate entry stack in LIFO order, so a
// fiber enters the isolate when a stretch starts and exits it before it hands
// control back: a parked fiber holds no entry, and the isolate can be disposed
// while fibers are parked. What a switch carries (values, errors, async
// context) lives in lib/fiber.ts.

#include "core.h"

#include <node_version.h>

#include <cmath>
#include <mutex>
#include <unordered_map>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace fibernet {

using v8::Context;
using v8::External;
using v8::Function;
using v8::FunctionCallbackInfo;
using v8::Global;
using v8::HandleScope;
using v8::Isolate;
using v8::Local;
using v8::Number;
using v8::Object;
using v8::ObjectTemplate;
using v8::String;
using v8::TryCatch;
using v8::Value;

namespace {

// A fiber's JavaScript handle: the Fiber struct, the state lib/fiber.ts keeps
// for it, the function it starts in (called with that state), and a brand
// that tells it from other objects with internal fields (Node's own have 2).
constexpr int kFiberField = 0;
constexpr int kStateField = 1;
constexpr int kEntryField = 2;
constexpr int kBrandField = 3;
constexpr int kHandleFields = 4;
alignas(8) const char kHandleBrand[8] = "fibernt";

// One fiber core per isolate, however many copies of fibernet (or contexts
// loading the addon) there are: two cores would each believe they know which
// stack runs, and switch V8 into the wrong one.
std::mutex instances_mutex;
std::unordered_map<Isolate*, Instance*> instances;


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

void RunFiber(Runner* r, Fiber* f) {
  Instance* inst = r->inst;
  Isolate* isolate = inst->isolate;
  Isolate::Scope isolate_scope(isolate);
  // V8 derives a new thread's limit from --stack-size measured from where the
  // thread first locks; a fiber's budget is what was asked for, measured from
  // the top (glibc may hand a thread a larger cached stack).
  isolate->SetStackLimit(r->stack_top - r->stack_size);
  HandleScope handle_scope(isolate);
  Local<Context> context = inst->context.Get(isolate);
  Context::Scope context_scope(context);
  // The entry is called with the fiber's state; the resumer keeps the handle
  // alive meanwhile.
  Local<Object> handle = f->handle.Get(isolate);
  Local<Function> entry = handle->GetInternalField(kEntryField).As<Value>().As<Function>();
  Local<Value> state = handle->GetInternalField(kStateField).As<Value>();
  TryCatch try_catch(isolate);
  // The entry function catches everything the fiber throws; only termination
  // gets through, and it must reach whoever resumed us.
  v8::MaybeLocal<Value> ignored = entry->Call(context, context->Global(), 1, &state);
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

Runner* AcquireRunner(Instance* inst, size_t stack_size, RunnerError* error) {
  for (size_t i = inst->pool.size(); i-- > 0;) {
    Runner* r = inst->pool[i];
    if (r->stack_size == stack_size) {
      inst->pool.erase(inst->pool.begin() + i);
      return r;
    }
  }
  Runner* r = inst->backend->NewRunner(stack_size, error);
  if (r != nullptr) {
    inst->runners_created++;
    inst->runners_alive++;
  }
  return r;
}

void RetireRunner(Instance* inst, Runner* r) {
  inst->runners_alive--;
  inst->backend->Retire(inst->RunnerOf(inst->current), r);
}

// Idle runners beyond the pool are given back (their stacks or threads), so
// memory returns after a burst of fibers ends.
void ReleaseRunner(Instance* inst, Runner* r) {
  if (!inst->closing && inst->pool.size() < inst->pool_size) {
    inst->pool.push_back(r);
    return;
  }
  RetireRunner(inst, r);
}

// Only the isolate's thread writes the counter (the watchdog reads it), so a
// plain increment through relaxed accesses will do: no locked instruction on
// the switch path.
inline void CountSwitch(Instance* inst) {
  inst->switches.store(inst->switches.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

// The most frames a peek or a monitor report records.
constexpr int kPeekFrames = 64;

// Moves control from the running context to `f` and back. Returns once `f`
// suspends or finishes.
void SwitchInto(Instance* inst, Fiber* f) {
  Fiber* self = inst->current;
  f->caller = self;
  inst->current = f;
  CountSwitch(inst);
  inst->backend->Transfer(inst->RunnerOf(self), f->runner);
  inst->backend->AfterResume();
  inst->current = self;
}

// Runs on the resumer once a fiber's entry returned: the fiber can be run
// again from the start (as in the old package) and its runner is reused.
void FinishOnResumer(Instance* inst, Fiber* f) {
  Runner* r = f->runner;
  f->runner = nullptr;
  f->terminate = false;
  r->fiber = nullptr;
  UnlinkLive(f);
  ReleaseRunner(inst, r);
  if (f->handle.IsEmpty()) delete f;
}

// What came back from a switch into `f`, when some fiber's entry returned.
struct Reaped {
  bool ours;        // the fiber that finished is `f`
  bool terminated;  // its JavaScript had been terminated
};

// After a switch into `f`: control came back because a fiber suspended to us
// or finished (`f`, or one `f` handed control to). Reaps a finished one.
Reaped ReapFinished(Instance* inst, Fiber* f) {
  Fiber* done = inst->finished;
  inst->finished = nullptr;
  if (done == nullptr) return {false, false};
  // FinishOnResumer may free `done`: read what we need first.
  Reaped r{done == f, done->terminated};
  done->terminated = false;
  FinishOnResumer(inst, done);
  return r;
}


Fiber* Unwrap(Local<Value> value) {
  if (!value->IsObject()) return nullptr;
  Local<Object> obj = value.As<Object>();
  if (obj->InternalFieldCount() != kHandleFields) return nullptr;
  if (obj->GetAlignedPointerFromInternalField(kBrandField) != kHandleBrand) return nullptr;
  return static_cast<Fiber*>(obj->GetAlignedPointerFromInternalField(kFiberField));
}

void ThrowTypeError(Isolate* isolate, const char* message) {
  isolate->ThrowException(v8::Exception::TypeError(String::NewFromUtf8(isolate, message).ToLocalChecked()));
}

Local<Value> ErrorWithCode(Isolate* isolate, const std::string& message, const char* code) {
  Local<Value> err = v8::Exception::Error(String::NewFromUtf8(isolate, message.c_str()).ToLocalChecked());
  err.As<Object>()
      ->Set(isolate->GetCurrentContext(), String::NewFromUtf8Literal(isolate, "code"),
            String::NewFromUtf8(isolate, code).ToLocalChecked())
      .Check();
  return err;
}

void OnHandleCollected(const v8::WeakCallbackInfo<Fiber>& info) {
  Fiber* f = info.GetParameter();
  f->handle.Reset();
  // A started fiber's own stack keeps its handle alive, so only idle ones get here.
  if (f->runner == nullptr) delete f;
}

// create(stackSize, reportUncaught, state, entry) -> handle
void Create(const FunctionCallbackInfo<Value>& args) {
  Instance* inst = InstanceOf(args);
  Isolate* isolate = args.GetIsolate();
  if (!args[3]->IsFunction()) return ThrowTypeError(isolate, "create() expects the fiber's entry function");
  double requested = args[0]->IsNumber() ? args[0].As<Number>()->Value() : 0;
  if (!(requested <= static_cast<double>(kMaxStackSize))) return ThrowTypeError(isolate, "stackSize is too large");
  size_t stack_size = requested >= kMinStackSize ? static_cast<size_t>(requested) : kMinStackSize;
  stack_size = (stack_size + kPageSize - 1) & ~(kPageSize - 1);
  Local<Object> obj =
      inst->handle_template.Get(isolate)->NewInstance(isolate->GetCurrentContext()).ToLocalChecked();
  Fiber* f = new Fiber();
  f->inst = inst;
  f->stack_size = stack_size;
  f->report_uncaught = args[1]->IsTrue();
  obj->SetAlignedPointerInInternalField(kFiberField, f);
  obj->SetInternalField(kStateField, args[2]);
  obj->SetInternalField(kEntryField, args[3]);
  obj->SetAlignedPointerInInternalField(kBrandField, const_cast<char*>(kHandleBrand));
  f->handle.Reset(isolate, obj);
  f->handle.SetWeak(f, OnHandleCollected, v8::WeakCallbackType::kParameter);
  args.GetReturnValue().Set(obj);
}

// resume(handle) -> true when the fiber finished, false when it suspended
void Resume(const FunctionCallbackInfo<Value>& args) {
  Instance* inst = InstanceOf(args);
  Isolate* isolate = args.GetIsolate();
  Fiber* f = Unwrap(args[0]);
  if (f == nullptr) return ThrowTypeError(isolate, "resume() expects a fiber handle");
  if (inst->closing) return ThrowTypeError(isolate, "the fiber core is shutting down");
  if (f->runner == nullptr) {
    RunnerError error;
    Runner* r = AcquireRunner(inst, f->stack_size, &error);
    if (r == nullptr) {
      isolate->ThrowException(ErrorWithCode(isolate, error.message, error.code));
      return;
    }
    f->runner = r;
    r->fiber = f;
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
    next = Unwrap(args[0]);
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
  Fiber* target = self->caller;
  if (next != nullptr) {
    next->caller = target;
    target = next;
    inst->current = next;
  }
  for (;;) {
    CountSwitch(inst);
    isolate->Exit();
    inst->backend->Transfer(self->runner, inst->RunnerOf(target));
    isolate->Enter();
    if (inst->peek_target != self) break;
    // Resumed by peek() only to record where we are parked: no JavaScript
    // runs here, and control goes straight back to the peeker.
    {
      HandleScope scope(isolate);
      inst->peek_frames = CaptureFrames(isolate, kPeekFrames);
    }
    inst->peek_target = nullptr;
    target = self->caller;
  }
  self->parked = false;
#if V8_MAJOR_VERSION >= 12
  isolate->SetContinuationPreservedEmbedderData(frame.Get(isolate));
#endif
  if (self->terminate) isolate->TerminateExecution();
}

#if V8_MAJOR_VERSION >= 12
// V8 12 and 13 visit the isolate-wide continuation-preserved embedder data
// (Node's AsyncContextFrame: AsyncLocalStorage from Node 24) once per V8
// thread, archived ones included, and the young-generation collector then
// copies the object it holds twice, corrupting the heap, as soon as any
// fiber (or pooled runner) is archived. So while V8 threads of ours exist,
// each collection runs with the slot empty and the value held by a Global,
// visited once like any other root.
void StashEmbedderData(Isolate* isolate, v8::GCType, v8::GCCallbackFlags, void* data) {
  Instance* inst = static_cast<Instance*>(data);
  if (inst->runners_alive == 0 || inst->stashed_depth++ > 0) return;
  HandleScope handle_scope(isolate);
  inst->stashed_data.Reset(isolate, isolate->GetContinuationPreservedEmbedderData());
  isolate->SetContinuationPreservedEmbedderData(v8::Undefined(isolate));
}

void RestoreEmbedderData(Isolate* isolate, v8::GCType, v8::GCCallbackFlags, void* data) {
  Instance* inst = static_cast<Instance*>(data);
  if (inst->stashed_depth == 0 || --inst->stashed_depth > 0) return;
  HandleScope handle_scope(isolate);
  isolate->SetContinuationPreservedEmbedderData(inst->stashed_data.Get(isolate));
  inst->stashed_data.Reset();
}
#endif

// The cleanup hook runs when the environment goes away (a natural exit, or a
// worker_threads Worker ending). lib/fiber.ts has already unwound parked
// fibers from process 'exit' (their finally blocks ran); any still parked
// (one that blocked again while unwinding, or after process.exit()) has its
// JavaScript terminated here, which frees its runner.
void Teardown(void* arg) {
  Instance* inst = static_cast<Instance*>(arg);
  Isolate* isolate = inst->isolate;
  {
    // A new environment on a reused isolate gets a core of its own.
    std::lock_guard<std::mutex> lock(instances_mutex);
    instances.erase(isolate);
  }
  HandleScope handle_scope(isolate);
  ForgetAcceptControls(node::GetCurrentEventLoop(isolate));
  inst->closing = true;
  while (inst->live != nullptr && inst->current == nullptr) {  // cleanup runs at the top level
    Fiber* f = inst->live;
    f->terminate = true;
    SwitchInto(inst, f);
    if (!ReapFinished(inst, f).ours) {
      // It suspended again instead of dying: leave it parked for good.
      UnlinkLive(f);
    }
  }
  if (isolate->IsExecutionTerminating()) isolate->CancelTerminateExecution();
  std::vector<Runner*> pool;
  pool.swap(inst->pool);
  for (Runner* r : pool) RetireRunner(inst, r);
  inst->backend->Close();
  inst->context.Reset();
  inst->handle_template.Reset();
#if V8_MAJOR_VERSION >= 12
  isolate->RemoveGCPrologueCallback(StashEmbedderData, inst);
  isolate->RemoveGCEpilogueCallback(RestoreEmbedderData, inst);
#endif
  // Fiber structs still referenced by JS handles are freed by their weak
  // callbacks or with the process; the instance must outlive them.
}

void GetStats(const FunctionCallbackInfo<Value>& args) {
  Instance* inst = InstanceOf(args);
  Isolate* isolate = args.GetIsolate();
  Local<Context> context = isolate->GetCurrentContext();
  Local<Object> out = Object::New(isolate);
  auto put = [&](const char* key, Local<Value> value) {
    out->Set(context, String::NewFromUtf8(isolate, key).ToLocalChecked(), value).Check();
  };
  auto num = [&](const char* key, size_t value) { put(key, Number::New(isolate, static_cast<double>(value))); };
  auto str = [&](const char* key, const std::string& value) {
    put(key, String::NewFromUtf8(isolate, value.c_str()).ToLocalChecked());
  };
  str("backend", inst->backend->Name());
  str("backendReason", inst->backend_reason);
  str("cpuProfiler", inst->backend->ProfilerNote());
  num("created", inst->runners_created);
  num("alive", inst->runners_alive);
  num("pooled", inst->pool.size());
  num("live", inst->fibers_live);
  num("poolSize", inst->pool_size);
  num("guarded", inst->backend->Guarded());
  args.GetReturnValue().Set(out);
}

// setPoolSize(n): how many idle runners are kept for reuse.
void SetPoolSize(const FunctionCallbackInfo<Value>& args) {
  Instance* inst = InstanceOf(args);
  double n = args[0]->IsNumber() ? args[0].As<Number>()->Value() : -1;
  if (!(n >= 0)) return ThrowTypeError(args.GetIsolate(), "poolSize must be a non-negative number");
  inst->pool_size = static_cast<size_t>(n);
  while (inst->pool.size() > inst->pool_size) {
    Runner* r = inst->pool.back();
    inst->pool.pop_back();
    RetireRunner(inst, r);
  }
}

// liveStates(entry) -> the states of the fibers started with `entry` and not
// finished (for unwinding them at exit), most recently started first. (Two
// copies of fibernet in one isolate share the core; each unwinds its own.)
void LiveStates(const FunctionCallbackInfo<Value>& args) {
  Instance* inst = InstanceOf(args);
  Isolate* isolate = args.GetIsolate();
  Local<Context> context = isolate->GetCurrentContext();
  Local<v8::Array> out = v8::Array::New(isolate);
  uint32_t i = 0;
  for (Fiber* f = inst->live; f != nullptr; f = f->next_live) {
    if (f->handle.IsEmpty()) continue;
    Local<Object> handle = f->handle.Get(isolate);
    if (!handle->GetInternalField(kEntryField).As<Value>()->StrictEquals(args[0])) continue;
    out->Set(context, i++, handle->GetInternalField(kStateField).As<Value>()).Check();
  }
  args.GetReturnValue().Set(out);
}

// peek(handle) -> the stack of a parked fiber as [{ functionName, file, line,
// column }], innermost first, or undefined when it is not parked (not
// started, running, or up the running chain). The fiber is resumed into
// suspend() only, which records its frames and switches straight back: the
// cost of a stack lies here, never on an ordinary switch.
void Peek(const FunctionCallbackInfo<Value>& args) {
  Instance* inst = InstanceOf(args);
  Isolate* isolate = args.GetIsolate();
  Fiber* f = Unwrap(args[0]);
  if (f == nullptr) return ThrowTypeError(isolate, "peek() expects a fiber handle");
  if (!f->parked || f->runner == nullptr || f == inst->current || inst->closing) return;
  Fiber* caller = f->caller;
  inst->peek_target = f;
  SwitchInto(inst, f);
  f->caller = caller;
  std::vector<FrameRecord> frames;
  frames.swap(inst->peek_frames);
  args.GetReturnValue().Set(FramesToJs(isolate, isolate->GetCurrentContext(), frames));
}

// captureStack() -> the running stack, in peek()'s form.
void CaptureStack(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  args.GetReturnValue().Set(FramesToJs(isolate, isolate->GetCurrentContext(), CaptureFrames(isolate, kPeekFrames)));
}

// setRootStackBudget(bytes): the JavaScript stack budget of the isolate's own
// thread (--stack-size, or a Worker's resource limits).
void SetRootStackBudgetBinding(const FunctionCallbackInfo<Value>& args) {
  Instance* inst = InstanceOf(args);
  double n = args[0]->IsNumber() ? args[0].As<Number>()->Value() : 0;
  if (!(n >= kMinStackSize)) return ThrowTypeError(args.GetIsolate(), "setRootStackBudget expects a number of bytes");
  SetRootStackBudget(inst->backend, static_cast<size_t>(n));
}

// Test hook (FIBERNET_TEST_HOOKS=1): native code that runs `beyond` bytes
// past the bottom of the running fiber's stack (negative: stops short of it),
// as runaway native recursion would, then returns. It shows that an overflow is never silent: a guard
// page stops it at once, a soft guard when the fiber next switches out.
__attribute__((noinline)) void DigStack(uintptr_t until, volatile char* above) {
  volatile char frame[256];
  frame[0] = 1;
  frame[255] = above != nullptr ? above[0] : 1;
  if (reinterpret_cast<uintptr_t>(&frame[0]) > until) DigStack(until, frame);
  frame[1] = frame[0];  // keeps the recursive call from being a tail call
}

void OverflowNativeStack(const FunctionCallbackInfo<Value>& args) {
  Instance* inst = InstanceOf(args);
  Isolate* isolate = args.GetIsolate();
  if (inst->current == nullptr) return ThrowTypeError(isolate, "overflowNativeStack() called outside a fiber");
  double beyond = args[0]->IsNumber() ? args[0].As<Number>()->Value() : 0;
  Runner* r = inst->current->runner;
  if (!(std::abs(beyond) < static_cast<double>(kNativeHeadroom))) {
    return ThrowTypeError(isolate, "overflowNativeStack expects a number of bytes within the native headroom");
  }
  intptr_t bottom = static_cast<intptr_t>(r->stack_top - r->stack_size - kNativeHeadroom);
  DigStack(static_cast<uintptr_t>(bottom - static_cast<intptr_t>(beyond)), nullptr);
}

// FIBERNET_BACKEND=stacks|threads forces a backend; otherwise the stacks
// backend is used wherever its proof holds. Returns null with a load error
// (message and code) when the environment asks for what cannot be had.
Backend* ChooseBackend(Instance* inst, std::string* error, const char** code) {
  const char* forced = getenv("FIBERNET_BACKEND");
  if (forced != nullptr && forced[0] == '\0') forced = nullptr;
  if (forced != nullptr && strcmp(forced, "threads") == 0) {
    inst->backend_reason = "FIBERNET_BACKEND=threads";
    return NewThreadsBackend(inst);
  }
  if (forced != nullptr && strcmp(forced, "stacks") != 0) {
    *code = "ERR_FIBERNET_BACKEND";
    *error = std::string("FIBERNET_BACKEND must be 'stacks' or 'threads', got '") + forced + "'";
    return nullptr;
  }
  std::string why;
  Backend* stacks = NewStacksBackend(inst, &why);
  if (stacks != nullptr) {
    inst->backend_reason = forced != nullptr ? "FIBERNET_BACKEND=stacks; V8's thread slots proved at load"
                                             : "V8's thread slots proved at load";
    return stacks;
  }
  if (forced != nullptr) {
    *code = "ERR_FIBERNET_STACKS_UNPROVEN";
    *error = std::string("FIBERNET_BACKEND=stacks, but the stack backend cannot be proved on this Node (") +
             NODE_VERSION + std::string(", V8 ") + v8::V8::GetVersion() + "): " + why;
    return nullptr;
  }
  inst->backend_reason = "the stack backend is not proved on this Node: " + why;
  return NewThreadsBackend(inst);
}

}  // namespace

std::vector<FrameRecord> CaptureFrames(Isolate* isolate, int limit) {
  std::vector<FrameRecord> out;
  Local<v8::StackTrace> trace = v8::StackTrace::CurrentStackTrace(isolate, limit, v8::StackTrace::kDetailed);
  int n = trace->GetFrameCount();
  out.reserve(n);
  for (int i = 0; i < n; i++) {
    Local<v8::StackFrame> frame = trace->GetFrame(isolate, i);
    FrameRecord rec;
    if (Local<String> fn = frame->GetFunctionName(); !fn.IsEmpty()) rec.function = *String::Utf8Value(isolate, fn);
    if (Local<String> file = frame->GetScriptNameOrSourceURL(); !file.IsEmpty()) {
      rec.file = *String::Utf8Value(isolate, file);
    }
    rec.line = frame->GetLineNumber();
    rec.column = frame->GetColumn();
    out.push_back(std::move(rec));
  }
  return out;
}

Local<v8::Array> FramesToJs(Isolate* isolate, Local<Context> context, const std::vector<FrameRecord>& frames) {
  Local<v8::Array> out = v8::Array::New(isolate, static_cast<int>(frames.size()));
  for (size_t i = 0; i < frames.size(); i++) {
    const FrameRecord& rec = frames[i];
    Local<Object> o = Object::New(isolate);
    auto put = [&](const char* key, Local<Value> value) {
      o->Set(context, String::NewFromUtf8(isolate, key).ToLocalChecked(), value).Check();
    };
    put("functionName", String::NewFromUtf8(isolate, rec.function.c_str()).ToLocalChecked());
    put("file", String::NewFromUtf8(isolate, rec.file.c_str()).ToLocalChecked());
    put("line", v8::Integer::New(isolate, rec.line));
    put("column", v8::Integer::New(isolate, rec.column));
    out->Set(context, static_cast<uint32_t>(i), o).Check();
  }
  return out;
}

Local<Value> StateOf(Isolate* isolate, Fiber* f) {
  if (f == nullptr || f->handle.IsEmpty()) return v8::Undefined(isolate);
  return f->handle.Get(isolate)->GetInternalField(kStateField).As<Value>();
}

void RunFibers(Runner* r) {
  Instance* inst = r->inst;
  for (;;) {
    Fiber* f = r->fiber;
    RunFiber(r, f);
    // Finished. Hand control back to the last resumer, which now owns this
    // runner: it pools it (we wait here for the next fiber) or retires it.
    inst->finished = f;
    inst->backend->Transfer(r, inst->RunnerOf(f->caller));
    if (r->quit) return;
  }
}

void SetMethods(Instance* inst, Local<Object> exports, Local<Context> context) {
  Isolate* isolate = context->GetIsolate();
  Local<External> data = External::New(isolate, inst);
  SetMethod(isolate, context, exports, "create", Create, data);
  SetMethod(isolate, context, exports, "resume", Resume, data);
  SetMethod(isolate, context, exports, "suspend", Suspend, data);
  SetMethod(isolate, context, exports, "stats", GetStats, data);
  SetMethod(isolate, context, exports, "setPoolSize", SetPoolSize, data);
  SetMethod(isolate, context, exports, "setRootStackBudget", SetRootStackBudgetBinding, data);
  SetMethod(isolate, context, exports, "liveStates", LiveStates, data);
  SetMethod(isolate, context, exports, "peek", Peek, data);
  SetMethod(isolate, context, exports, "captureStack", CaptureStack, data);
  InitMonitor(inst, exports, context);
  InitAccept(inst, exports, context);
  InitSockopt(inst, exports, context);
  if (const char* hooks = getenv("FIBERNET_TEST_HOOKS"); hooks != nullptr && strcmp(hooks, "1") == 0) {
    SetMethod(isolate, context, exports, "overflowNativeStack", OverflowNativeStack, data);
  }
}

void InitFiber(Local<Object> exports, Local<Context> context) {
  Isolate* isolate = context->GetIsolate();
  {
    std::lock_guard<std::mutex> lock(instances_mutex);
    auto found = instances.find(isolate);
    if (found != instances.end()) {
      SetMethods(found->second, exports, context);
      return;
    }
  }
  Instance* inst = new Instance();
  inst->isolate = isolate;
  std::string error;
  const char* code = nullptr;
  inst->backend = ChooseBackend(inst, &error, &code);
  if (inst->backend == nullptr) {
    // lib/binding.ts throws it, so `require('fibernet')` fails with a typed error.
    exports->Set(context, String::NewFromUtf8Literal(isolate, "loadError"), ErrorWithCode(isolate, error, code))
        .Check();
    delete inst;
    return;
  }
  inst->context.Reset(isolate, context);
  Local<ObjectTemplate> tmpl = ObjectTemplate::New(isolate);
  tmpl->SetInternalFieldCount(kHandleFields);
  inst->handle_template.Reset(isolate, tmpl);
  SetMethods(inst, exports, context);
  {
    std::lock_guard<std::mutex> lock(instances_mutex);
    instances[isolate] = inst;
  }
  node::AddEnvironmentCleanupHook(isolate, Teardown, inst);
#if V8_MAJOR_VERSION >= 12
  isolate->AddGCPrologueCallback(StashEmbedderData, inst);
  isolate->AddGCEpilogueCallback(RestoreEmbedderData, inst);
#endif
}

}  // namespace fibernet
