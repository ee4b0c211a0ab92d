// Nested event-loop turns for the Hub's root.
//
// A script that blocks at its top level (before Node has started its event
// loop) makes the main thread act as gevent's main greenlet: the Hub runs loop
// turns itself until the root's Waiter is switched. Node exposes the loop
// (node::GetCurrentEventLoop); these functions run one turn of it, tell
// whether anything is left alive, stop a turn early, and drain the platform's
// pending tasks the way Node's own SpinEventLoop does before deciding that the
// loop is empty. Draining process.nextTick and microtasks after a turn is done
// in JavaScript (lib/hub.ts): the top-level script runs inside Node's outermost
// callback scope, so nested callbacks do not drain them.
#include "addon.h"

#include <uv.h>

namespace fibernet {

namespace {

using v8::Boolean;
using v8::FunctionCallbackInfo;
using v8::Isolate;
using v8::Local;
using v8::Value;

// runLoopOnce(nowait): one uv_run turn (UV_RUN_NOWAIT when nowait is true,
// otherwise UV_RUN_ONCE, which may block in poll). Returns whether the loop
// still has active handles or requests.
void RunLoopOnce(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  uv_loop_t* loop = node::GetCurrentEventLoop(isolate);
  bool nowait = args.Length() > 0 && args[0]->BooleanValue(isolate);
  uv_run(loop, nowait ? UV_RUN_NOWAIT : UV_RUN_ONCE);
  args.GetReturnValue().Set(Boolean::New(isolate, uv_loop_alive(loop) != 0));
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
  SetMethod(isolate, context, exports, "stopLoop", StopLoop, none);
  SetMethod(isolate, context, exports, "drainPlatformTasks", DrainPlatformTasks, none);
}

}  // namespace fibernet
