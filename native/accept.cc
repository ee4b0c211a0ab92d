// Pausing a listener's accepts, so connections wait in the kernel's backlog.
//
// Node's listening handles accept every connection the kernel has, at once,
// and Node offers no way to stop that short of closing the listener. libuv
// itself has one: when its connection callback returns without calling
// uv_accept(), it keeps that one descriptor and stops watching the listening
// socket until uv_accept() is called. So a paused listener gets its
// connection callback swapped for ours, which returns early while paused;
// resuming hands the kept descriptor to Node's own callback (which accepts
// it and starts the watcher again). At most one connection is taken off the
// kernel's queue while paused. The handle is found by its descriptor among
// the loop's handles (uv_walk), so nothing depends on Node's object layout.
//
// The same callback also takes more than one connection per readiness: the
// libuv in Node 20-24 accepts one connection per loop iteration, and a
// fibernet server's iteration includes the Hub's turn (the handlers it
// starts), so a burst would fill the listen backlog faster than one
// connection per turn drains it. Like gevent's StreamServer (max_accept,
// 100) but with a larger bound, since a fibernet turn can last a whole switch
// interval, the callback accepts up to kAcceptsPerReadiness connections in a row,
// handing each to Node's callback the way libuv does (accepted_fd), and stops
// at the first EAGAIN or error (libuv's own accept then meets that error and
// handles it: EMFILE, ECONNABORTED) or once the listener is paused or closing.
#include <uv.h>

#include <sys/socket.h>

#include <algorithm>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "addon.h"
#include "core.h"

namespace fibernet {

namespace {

using v8::Boolean;
using v8::External;
using v8::FunctionCallbackInfo;
using v8::Isolate;
using v8::Local;
using v8::Value;

struct Control {
  uv_loop_t* loop = nullptr;
  uv_connection_cb node_cb = nullptr;  // the callback Node's uv_listen() installed
  bool paused = false;
};

// Keyed by the listening handle. Only the loop's own thread runs JavaScript
// that touches a listener (fibers on the threads backend run while it waits),
// but the map is shared by every worker's loop.
std::mutex controls_mutex;
std::unordered_map<uv_stream_t*, Control> controls;

// Enough to empty a listen backlog of the usual sizes at once; it only keeps
// one readiness from running without end while clients keep connecting.
constexpr int kAcceptsPerReadiness = 1000;

// Node's callback for `server`, or null while it is paused (status 0) or no
// longer controlled.
uv_connection_cb NodeCallback(uv_stream_t* server, int status) {
  std::lock_guard<std::mutex> lock(controls_mutex);
  auto it = controls.find(server);
  if (it == controls.end()) return nullptr;  // cannot happen: the entry outlives the handle
  // Returning without uv_accept() leaves the connection with libuv, which
  // stops watching the listener until it is accepted.
  if (status == 0 && it->second.paused) return nullptr;
  return it->second.node_cb;
}

void OnConnection(uv_stream_t* server, int status) {
  uv_connection_cb node_cb = NodeCallback(server, status);
  for (int taken = 1; node_cb != nullptr; taken++) {
    node_cb(server, status);
    if (status != 0 || taken == kAcceptsPerReadiness) return;
    // Node's callback accepts what it is given; if it did not, or closed
    // the listener, libuv takes it from here.
    if (server->accepted_fd != -1 || uv_is_closing(reinterpret_cast<uv_handle_t*>(server))) return;
    node_cb = NodeCallback(server, 0);  // null once the callback paused the listener
    if (node_cb == nullptr) return;
    uv_os_fd_t fd;
    if (uv_fileno(reinterpret_cast<uv_handle_t*>(server), &fd) != 0) return;
#if defined(__linux__)
    int accepted = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
#else
    int accepted = -1;  // one per readiness, as libuv does
#endif
    if (accepted < 0) return;
    server->accepted_fd = accepted;
  }
}

struct Search {
  uv_os_fd_t fd;
  uv_stream_t* found = nullptr;
  std::vector<uv_stream_t*> live;  // the loop's listeners that are not closing
};

void Visit(uv_handle_t* h, void* arg) {
  Search* s = static_cast<Search*>(arg);
  if (h->type != UV_TCP && h->type != UV_NAMED_PIPE) return;
  if (uv_is_closing(h)) return;
  uv_stream_t* stream = reinterpret_cast<uv_stream_t*>(h);
  if (stream->connection_cb == nullptr) return;  // not listening
  s->live.push_back(stream);
  uv_os_fd_t fd;
  if (uv_fileno(h, &fd) == 0 && fd == s->fd) s->found = stream;
}

uv_stream_t* StreamOf(const FunctionCallbackInfo<Value>& args) {
  return static_cast<uv_stream_t*>(args[0].As<External>()->Value());
}

// acceptControl(fd) -> token, or undefined when no listener of this loop has
// that descriptor (a cluster worker's round-robin handle has none).
void AcceptControl(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  if (!args[0]->IsInt32()) return;
  uv_loop_t* loop = node::GetCurrentEventLoop(isolate);
  Search search;
  search.fd = args[0].As<v8::Int32>()->Value();
  uv_walk(loop, Visit, &search);
  if (search.found == nullptr) return;
  std::lock_guard<std::mutex> lock(controls_mutex);
  // Forget the listeners of this loop that are gone: their memory may be reused.
  for (auto it = controls.begin(); it != controls.end();) {
    bool gone = it->second.loop == loop &&
                std::find(search.live.begin(), search.live.end(), it->first) == search.live.end();
    it = gone ? controls.erase(it) : std::next(it);
  }
  uv_stream_t* stream = search.found;
  if (stream->connection_cb != OnConnection) {
    Control& c = controls[stream];
    c.loop = loop;
    c.node_cb = stream->connection_cb;
    c.paused = false;
    stream->connection_cb = OnConnection;
  }
  args.GetReturnValue().Set(External::New(isolate, stream));
}

// acceptPause(token, paused) -> whether a connection libuv kept while paused
// now waits for acceptDeliver(). The caller vouches that the listener is open.
void AcceptPause(const FunctionCallbackInfo<Value>& args) {
  uv_stream_t* stream = StreamOf(args);
  bool held = false;
  {
    std::lock_guard<std::mutex> lock(controls_mutex);
    auto it = controls.find(stream);
    if (it == controls.end()) return;
    it->second.paused = args[1]->IsTrue();
    held = !it->second.paused && stream->accepted_fd != -1;
  }
  args.GetReturnValue().Set(Boolean::New(args.GetIsolate(), held));
}

// acceptDeliver(token): hands the kept connection to Node's callback (which
// emits 'connection' and starts accepting again). Called from an event-loop
// callback on the loop's thread, as libuv would call it.
void AcceptDeliver(const FunctionCallbackInfo<Value>& args) {
  uv_stream_t* stream = StreamOf(args);
  uv_connection_cb node_cb = nullptr;
  {
    std::lock_guard<std::mutex> lock(controls_mutex);
    auto it = controls.find(stream);
    if (it == controls.end() || it->second.paused) return;
    if (stream->accepted_fd == -1 || uv_is_closing(reinterpret_cast<uv_handle_t*>(stream))) return;
    node_cb = it->second.node_cb;
  }
  node_cb(stream, 0);
}

}  // namespace

void ForgetAcceptControls(uv_loop_t* loop) {
  std::lock_guard<std::mutex> lock(controls_mutex);
  for (auto it = controls.begin(); it != controls.end();) it = it->second.loop == loop ? controls.erase(it) : std::next(it);
}

void InitAccept(Instance* inst, Local<v8::Object> exports, Local<v8::Context> context) {
  Isolate* isolate = context->GetIsolate();
  Local<External> data = External::New(isolate, inst);
  SetMethod(isolate, context, exports, "acceptControl", AcceptControl, data);
  SetMethod(isolate, context, exports, "acceptPause", AcceptPause, data);
  SetMethod(isolate, context, exports, "acceptDeliver", AcceptDeliver, data);
}

}  // namespace fibernet
