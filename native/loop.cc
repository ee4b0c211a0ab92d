// Nested event-loop turns for the Hub's root.
//
// A script that blocks at its top level (before Node has started its event
// loop) makes the main thread act as gevent's main greenlet: the Hub runs loop
// turns itself until the root's Waiter is switched. Node exposes the loop
// (node::GetCurrentEventLoop); these functions run one turn of it, tell
// whether anything is left alive, stop a turn early, and drain the platform's
// pending tasks the way Node's own SpinEventLoop does before deciding that the
// loop is empty. The top-level script runs inside Node's outermost callback
// scope, so callbacks in nested turns do not drain process.nextTick and
// microtasks as they would in Node's own loop. The Hub drains them after
// every turn, and a turn given a drain function also calls it from the turn's
// prepare and check phases: what an I/O callback queued (an 'error' emitted on
// the next tick, say) then runs before the close phase, in Node's order (a
// socket's 'error' before its 'close').
#include "addon.h"

#include <uv.h>

namespace fibernet {

namespace {

using v8::Boolean;
using v8::Context;
using v8::Function;
using v8::FunctionCallbackInfo;
using v8::HandleScope;
using v8::Isolate;
using v8::Local;
using v8::TryCatch;
using v8::Undefined;
using v8::Value;

// runLoopOnce(nowait): one uv_run turn (UV_RUN_NOWAIT when nowait is true,
// otherwise UV_RUN_ONCE, which may block in poll). Returns whether the loop
// still has active handles or requests.
// The drain function of the turn in progress (valid while RunLoopOnce runs).
struct TurnDrain {
  Isolate* isolate = nullptr;
  Local<Function> fn;
  bool active = false;
};
TurnDrain turn_drain;
uv_prepare_t drain_prepare;
uv_check_t drain_check;
bool drain_handles_ready = false;

// Errors thrown by callbacks of a nested turn (and by the ticks drained in
// it) reach no JavaScript handler: the root's frames lie below the loop, and
// Node's own handling of an uncaught exception expects the loop at the
// bottom of the stack. A verbose TryCatch hands each one to Node's message
// listener, which treats it as Node's loop would: 'uncaughtException'
// listeners get it and the turn goes on, or with none Node prints it and
// exits with code 1.
bool CallReportingErrors(Isolate* isolate, Local<Function> fn) {
  TryCatch uncaught(isolate);
  uncaught.SetVerbose(true);
  Local<Context> context = isolate->GetCurrentContext();
  bool ok = !fn->Call(context, Undefined(isolate), 0, nullptr).IsEmpty();
  if (uncaught.HasTerminated()) uv_stop(node::GetCurrentEventLoop(isolate));  // process.exit() in a listener
  return ok;
}

void RunDrain() {
  TurnDrain& d = turn_drain;
  if (!d.active) return;
  HandleScope scope(d.isolate);
  CallReportingErrors(d.isolate, d.fn);
}

void OnDrainPrepare(uv_prepare_t*) { RunDrain(); }
void OnDrainCheck(uv_check_t*) { RunDrain(); }

// runLoopOnce(nowait, drain?): one uv_run turn (UV_RUN_NOWAIT when nowait is
// true, otherwise UV_RUN_ONCE, which may block in poll), calling drain() in
// its prepare and check phases. Returns whether the loop still has active
// handles or requests. Errors of the turn's callbacks are Node's uncaught
// exceptions (see CallReportingErrors).
void RunLoopOnce(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  uv_loop_t* loop = node::GetCurrentEventLoop(isolate);
  bool nowait = args.Length() > 0 && args[0]->BooleanValue(isolate);
  bool drain = args.Length() > 1 && args[1]->IsFunction() && !turn_drain.active;
  if (drain) {
    if (!drain_handles_ready) {
      // Unreferenced: they never keep the loop alive on their own.
      uv_prepare_init(loop, &drain_prepare);
      uv_check_init(loop, &drain_check);
      uv_unref(reinterpret_cast<uv_handle_t*>(&drain_prepare));
      uv_unref(reinterpret_cast<uv_handle_t*>(&drain_check));
      drain_handles_ready = true;
    }
    turn_drain.isolate = isolate;
    turn_drain.fn = args[1].As<Function>();
    turn_drain.active = true;
    uv_prepare_start(&drain_prepare, OnDrainPrepare);
    uv_check_start(&drain_check, OnDrainCheck);
  }
  {
    TryCatch uncaught(isolate);
    uncaught.SetVerbose(true);
    uv_run(loop, nowait ? UV_RUN_NOWAIT : UV_RUN_ONCE);
  }
  if (drain) {
    uv_prepare_stop(&drain_prepare);
    uv_check_stop(&drain_check);
    turn_drain.active = false;
    turn_drain.fn.Clear();
  }
  args.GetReturnValue().Set(Boolean::New(isolate, uv_loop_alive(loop) != 0));
}

// callReportingErrors(fn) -> whether fn returned (an error it threw went to
// Node's uncaught-exception handling instead).
void CallReportingErrorsBinding(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  if (!args[0]->IsFunction()) return;
  args.GetReturnValue().Set(Boolean::New(isolate, CallReportingErrors(isolate, args[0].As<Function>())));
}

// loopAlive(): whether the loop has active, referenced handles or requests.
void LoopAlive(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  uv_loop_t* loop = node::GetCurrentEventLoop(isolate);
  args.GetReturnValue().Set(Boolean::New(isolate, uv_loop_alive(loop) != 0));
}

// stopLoop(): makes the running turn return without blocking in poll.
void StopLoop(const FunctionCallbackInfo<Value>& args) {
  uv_stop(node::GetCurrentEventLoop(args.GetIsolate()));
}

// drainPlatformTasks(): runs the platform's queued tasks for this isolate
// (what Node does before it decides the loop is empty). Returns whether the
// loop is alive afterwards.
void DrainPlatformTasks(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  node::Environment* env = node::GetCurrentEnvironment(isolate->GetCurrentContext());
  if (env != nullptr) {
    node::MultiIsolatePlatform* platform = node::GetMultiIsolatePlatform(env);
    if (platform != nullptr) platform->DrainTasks(isolate);
  }
  uv_loop_t* loop = node::GetCurrentEventLoop(isolate);
  args.GetReturnValue().Set(Boolean::New(isolate, uv_loop_alive(loop) != 0));
}

}  // namespace

void InitLoop(v8::Local<v8::Object> exports, v8::Local<v8::Context> context) {
  Isolate* isolate = context->GetIsolate();
  Local<Value> none;
  SetMethod(isolate, context, exports, "runLoopOnce", RunLoopOnce, none);
  SetMethod(isolate, context, exports, "loopAlive", LoopAlive, none);
  SetMethod(isolate, context, exports, "callReportingErrors", CallReportingErrorsBinding, none);
  SetMethod(isolate, context, exports, "stopLoop", StopLoop, none);
  SetMethod(isolate, context, exports, "drainPlatformTasks", DrainPlatformTasks, none);
}

}  // namespace fibernet
