// The blocking monitor: a watchdog thread that notices when the JavaScript
// thread has not given the Hub control back for maxBlockingTime, and then
// records the stack of whatever runs at that moment (gevent's monitor thread).
//
// The JavaScript thread makes progress visible without doing anything extra:
// every fiber switch bumps Instance::switches (the Hub resuming a greenlet, a
// greenlet parking), a prepare and a check handle count loop turns, and
// libuv's idle-time metric grows while the loop waits in poll. The watchdog
// samples the three; when none moved for maxBlockingTime it asks V8 for an
// interrupt, which runs on the JavaScript thread at its next safe point, in
// the stack of the code that hogs it. There the report is made: how long, the
// fiber that runs (its greenlet's name, read from the state lib/fiber.ts
// keeps), its frames. The interrupt first checks that nothing moved since it
// was asked for: a thread that was idle in poll, say, services it only in the
// callback that ends the wait, and that is no block. A report is written to
// stderr at once (the hog may never yield), or handed to JavaScript through a
// uv_async when an onBlocked callback wants it, which runs once the thread
// is free again.
#include "core.h"

#include <uv.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace fibernet {

namespace {

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
using v8::String;
using v8::Value;

constexpr int kReportFrames = 64;

struct Progress {
  uint64_t switches = 0;
  uint64_t turns = 0;
  uint64_t idle = 0;
  bool operator==(const Progress& o) const { return switches == o.switches && turns == o.turns && idle == o.idle; }
};

struct Report {
  double blocked_ms = 0;
  bool in_fiber = false;
  std::string running;           // "Greenlet#3(hog)", "a Fiber", "the main thread"
  Global<Value> owner;           // the greenlet, when one runs
  std::vector<FrameRecord> frames;
};

struct Monitor {
  Instance* inst = nullptr;
  uv_loop_t* loop = nullptr;
  uint64_t threshold_ns = 0;
  uint64_t period_ns = 0;
  bool deliver = false;          // to JavaScript (onBlocked) rather than stderr
  std::string internal_prefix;   // frames from files under it (fibernet's own) are left out of stderr reports
  Global<Function> deliver_fn;

  std::thread watchdog;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;

  std::atomic<uint64_t> turns{0};
  // What the watchdog saw when it asked for the interrupt, and since when.
  std::atomic<uint64_t> asked_switches{0}, asked_turns{0}, asked_idle{0};
  std::atomic<uint64_t> stuck_since_ns{0};
  std::atomic<bool> asked{false};
  // Its handles are closed while an interrupt it asked for is still queued in
  // V8: that interrupt frees it.
  bool closed = false;

  uv_prepare_t prepare;
  uv_check_t check;
  uv_async_t async;
  int open_handles = 0;

  std::mutex reports_mu;
  std::vector<Report*> reports;

  Progress Now() const {
    Progress p;
    p.switches = inst->switches.load(std::memory_order_relaxed);
    p.turns = turns.load(std::memory_order_relaxed);
    p.idle = uv_metrics_idle_time(loop);
    return p;
  }
};

Monitor* ActiveOf(Instance* inst) { return static_cast<Monitor*>(inst->monitor); }

uint64_t NowNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

void OnTurn(Monitor* m) { m->turns.fetch_add(1, std::memory_order_relaxed); }
void OnPrepare(uv_prepare_t* h) { OnTurn(static_cast<Monitor*>(h->data)); }
void OnCheck(uv_check_t* h) { OnTurn(static_cast<Monitor*>(h->data)); }

// A data property of `obj` without running any JavaScript (getters included).
Local<Value> DataProperty(Isolate* isolate, Local<Context> context, Local<Value> obj, const char* key) {
  if (!obj->IsObject() || obj->IsProxy()) return v8::Undefined(isolate);
  Local<String> name = String::NewFromUtf8(isolate, key).ToLocalChecked();
  Local<Value> desc;
  if (!obj.As<Object>()->GetOwnPropertyDescriptor(context, name).ToLocal(&desc) || !desc->IsObject()) {
    return v8::Undefined(isolate);
  }
  Local<Value> value;
  if (!desc.As<Object>()->Get(context, String::NewFromUtf8Literal(isolate, "value")).ToLocal(&value)) {
    return v8::Undefined(isolate);
  }
  return value;
}

// Greenlet#<id>(<name>), as Greenlet#toString() spells it.
std::string NameOf(Isolate* isolate, Local<Context> context, Local<Value> owner) {
  Local<Value> id = DataProperty(isolate, context, owner, "id");
  Local<Value> name = DataProperty(isolate, context, owner, "_name");
  if (!id->IsNumber()) return "a Fiber";
  std::string out = "Greenlet#" + std::to_string(static_cast<long long>(id.As<Number>()->Value()));
  if (name->IsString()) out += "(" + std::string(*String::Utf8Value(isolate, name)) + ")";
  return out;
}

void WriteAll(const std::string& text) {
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = write(2, p, left);
    if (n <= 0) return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

void PrintReport(const Monitor* m, const Report& r) {
  char head[256];
  snprintf(head, sizeof head, "fibernet monitor: the Hub has not run for %.0f ms (maxBlockingTime %.0f ms): %s is running\n",
           r.blocked_ms, m->threshold_ns / 1e6, r.running.c_str());
  std::string text = head;
  for (const FrameRecord& f : r.frames) {
    if (!m->internal_prefix.empty() && f.file.compare(0, m->internal_prefix.size(), m->internal_prefix) == 0) continue;
    text += "    at " + (f.function.empty() ? std::string("<anonymous>") : f.function) + " (" + f.file + ":" +
            std::to_string(f.line) + ":" + std::to_string(f.column) + ")\n";
  }
  WriteAll(text);
}

void OnInterrupt(Isolate* isolate, void* data) {
  Monitor* m = static_cast<Monitor*>(data);
  bool was_asked = m->asked.exchange(false);
  if (m->closed) {
    delete m;
    return;
  }
  if (ActiveOf(m->inst) != m || !was_asked) return;
  Progress now = m->Now();
  Progress then;
  then.switches = m->asked_switches.load();
  then.turns = m->asked_turns.load();
  then.idle = m->asked_idle.load();
  if (!(now == then)) return;  // it moved meanwhile: not blocked (any more)
  HandleScope scope(isolate);
  Local<Context> context = m->inst->context.Get(isolate);
  Report* r = new Report();
  r->blocked_ms = (NowNs() - m->stuck_since_ns.load()) / 1e6;
  r->frames = CaptureFrames(isolate, kReportFrames);
  Fiber* f = m->inst->current;
  r->in_fiber = f != nullptr;
  if (f == nullptr) {
    r->running = "the main thread";
  } else {
    Local<Value> owner = DataProperty(isolate, context, StateOf(isolate, f), "owner");
    r->running = NameOf(isolate, context, owner);
    if (owner->IsObject()) r->owner.Reset(isolate, owner);
  }
  if (!m->deliver) {
    PrintReport(m, *r);
    delete r;
    return;
  }
  {
    std::lock_guard<std::mutex> lock(m->reports_mu);
    m->reports.push_back(r);
  }
  uv_async_send(&m->async);
}

// On the loop, once the thread is free: each report to lib/monitor.ts.
void OnAsync(uv_async_t* h) {
  Monitor* m = static_cast<Monitor*>(h->data);
  std::vector<Report*> reports;
  {
    std::lock_guard<std::mutex> lock(m->reports_mu);
    reports.swap(m->reports);
  }
  Isolate* isolate = m->inst->isolate;
  HandleScope scope(isolate);
  Local<Context> context = m->inst->context.Get(isolate);
  Context::Scope context_scope(context);
  for (Report* r : reports) {
    if (ActiveOf(m->inst) == m && !m->deliver_fn.IsEmpty()) {
      Local<Object> o = Object::New(isolate);
      auto put = [&](const char* key, Local<Value> value) {
        o->Set(context, String::NewFromUtf8(isolate, key).ToLocalChecked(), value).Check();
      };
      put("blockedMs", Number::New(isolate, r->blocked_ms));
      put("running", String::NewFromUtf8(isolate, r->running.c_str()).ToLocalChecked());
      put("inFiber", v8::Boolean::New(isolate, r->in_fiber));
      put("owner", r->owner.IsEmpty() ? v8::Undefined(isolate).As<Value>() : r->owner.Get(isolate));
      put("stack", FramesToJs(isolate, context, r->frames));
      Local<Value> arg = o;
      // lib/monitor.ts catches what onBlocked throws; MakeCallback runs the
      // nextTick queue after it, as for any callback from the loop.
      node::MakeCallback(isolate, context->Global(), m->deliver_fn.Get(isolate), 1, &arg, {0, 0});
    }
    delete r;
  }
}

void Watch(Monitor* m) {
  Progress last = m->Now();
  uint64_t last_change = NowNs();
  m->stuck_since_ns.store(last_change);
  bool reported = false;
  std::unique_lock<std::mutex> lock(m->mu);
  while (!m->stopping) {
    m->cv.wait_for(lock, std::chrono::nanoseconds(m->period_ns));
    if (m->stopping) break;
    Progress now = m->Now();
    uint64_t t = NowNs();
    if (!(now == last)) {
      last = now;
      last_change = t;
      reported = false;
      continue;
    }
    if (reported || t - last_change < m->threshold_ns) continue;
    // Stuck since last_change: once per episode, ask the thread where it is.
    reported = true;
    m->stuck_since_ns.store(last_change);
    m->asked_switches.store(now.switches);
    m->asked_turns.store(now.turns);
    m->asked_idle.store(now.idle);
    m->asked.store(true);
    m->inst->isolate->RequestInterrupt(OnInterrupt, m);
  }
}

void OnHandleClosed(uv_handle_t* h) {
  Monitor* m = static_cast<Monitor*>(h->data);
  if (--m->open_handles > 0) return;
  for (Report* r : m->reports) delete r;
  m->reports.clear();
  if (m->asked.load()) m->closed = true;
  else delete m;
}

void Stop(Monitor* m) {
  if (ActiveOf(m->inst) != m) return;
  m->inst->monitor = nullptr;
  {
    std::lock_guard<std::mutex> lock(m->mu);
    m->stopping = true;
  }
  m->cv.notify_all();
  m->watchdog.join();
  m->deliver_fn.Reset();
  // An interrupt already asked for finds another monitor (or none) and does nothing;
  // the struct lives until the handles are closed, after any such interrupt.
  uv_prepare_stop(&m->prepare);
  uv_check_stop(&m->check);
  uv_close(reinterpret_cast<uv_handle_t*>(&m->prepare), OnHandleClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&m->check), OnHandleClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&m->async), OnHandleClosed);
}

void StopAtTeardown(void* arg) { Stop(static_cast<Monitor*>(arg)); }


// monitorStart(maxBlockingMs, deliver?, internalPrefix) -> true; deliver(report)
// receives reports when given, otherwise they go to stderr.
void MonitorStart(const FunctionCallbackInfo<Value>& args) {
  Instance* inst = InstanceOf(args);
  Isolate* isolate = args.GetIsolate();
  if (inst->monitor != nullptr) {
    isolate->ThrowException(v8::Exception::Error(String::NewFromUtf8Literal(isolate, "a monitor is already running")));
    return;
  }
  double ms = args[0]->IsNumber() ? args[0].As<Number>()->Value() : 0;
  if (!(ms >= 1)) {
    isolate->ThrowException(v8::Exception::RangeError(String::NewFromUtf8Literal(isolate, "maxBlockingTime must be >= 1 ms")));
    return;
  }
  Monitor* m = new Monitor();
  m->inst = inst;
  m->loop = node::GetCurrentEventLoop(isolate);
  m->threshold_ns = static_cast<uint64_t>(ms * 1e6);
  // Checked four times per threshold, so a block is seen within 1.25x of it.
  m->period_ns = m->threshold_ns / 4;
  if (args[1]->IsFunction()) {
    m->deliver = true;
    m->deliver_fn.Reset(isolate, args[1].As<Function>());
  }
  if (args[2]->IsString()) m->internal_prefix = *String::Utf8Value(isolate, args[2]);
  uv_prepare_init(m->loop, &m->prepare);
  uv_check_init(m->loop, &m->check);
  uv_async_init(m->loop, &m->async, OnAsync);
  m->prepare.data = m->check.data = m->async.data = m;
  m->open_handles = 3;
  // None of them keeps the process alive.
  uv_unref(reinterpret_cast<uv_handle_t*>(&m->prepare));
  uv_unref(reinterpret_cast<uv_handle_t*>(&m->check));
  uv_unref(reinterpret_cast<uv_handle_t*>(&m->async));
  uv_prepare_start(&m->prepare, OnPrepare);
  uv_check_start(&m->check, OnCheck);
  inst->monitor = m;
  m->watchdog = std::thread(Watch, m);
  node::AddEnvironmentCleanupHook(isolate, StopAtTeardown, m);
}

// monitorStop(): ends the watchdog (joined before this returns).
void MonitorStop(const FunctionCallbackInfo<Value>& args) {
  Monitor* m = ActiveOf(InstanceOf(args));
  if (m == nullptr) return;
  node::RemoveEnvironmentCleanupHook(args.GetIsolate(), StopAtTeardown, m);
  Stop(m);
}

}  // namespace

void InitMonitor(Instance* inst, Local<Object> exports, Local<Context> context) {
  Isolate* isolate = context->GetIsolate();
  Local<External> data = External::New(isolate, inst);
  SetMethod(isolate, context, exports, "monitorStart", MonitorStart, data);
  SetMethod(isolate, context, exports, "monitorStop", MonitorStop, data);
}

}  // namespace fibernet
