// Shared declarations of fibernet's native addon: each source file exports
// one Init function that adds its methods to the binding object.
#pragma once

#include <node.h>
#include <v8.h>

namespace fibernet {

inline void SetMethod(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> target,
                      const char* name, v8::FunctionCallback fn, v8::Local<v8::Value> data) {
  v8::Local<v8::Function> f = v8::FunctionTemplate::New(isolate, fn, data)->GetFunction(context).ToLocalChecked();
  v8::Local<v8::String> key = v8::String::NewFromUtf8(isolate, name).ToLocalChecked();
  f->SetName(key);
  target->Set(context, key, f).Check();
}

// native/fiber.cc: create, resume, suspend, stats, setPoolSize, setRootStackBudget (over the
// backend chosen at load: native/backend_stacks.cc or native/backend_threads.cc)
void InitFiber(v8::Local<v8::Object> exports, v8::Local<v8::Context> context);

// native/loop.cc: runLoopOnce, loopAlive, stopLoop, drainPlatformTasks (the Hub's nested loop turns)
void InitLoop(v8::Local<v8::Object> exports, v8::Local<v8::Context> context);

}  // namespace fibernet
