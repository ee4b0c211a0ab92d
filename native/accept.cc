// Pausing a listener's accepts, so connections wait in the kernel's backlog;
// and taking a burst off the kernel's queue faster than Node would.
//
// Node's listening handles accept every connection the kernel has, at once,
// and Node offers no way to stop that short of closing the listener. libuv
// itself has one: when its connection callback returns without calling
// uv_accept(), it keeps that one descriptor and stops watching the listening
// socket until uv_accept() is called. So a paused listener gets its
// connection callback swapped for ours, which returns early while paused;
// resuming hands the kept descriptor to Node's own callback (which accepts
// it and starts the watcher again). While paused, at most one more
// connection leaves the kernel's queue. The handle is found by its
// descriptor among the loop's handles (uv_walk), so nothing depends on
// Node's object layout.
//
// The same callback also takes more than one connection per readiness: the
// libuv in Node 20-24 accepts one connection per loop iteration, and a
// fibernet server's iteration includes the Hub's turn (the handlers it
// starts), so a burst would fill the listen backlog faster than one
// connection per turn drains it. The callback accepts connections in a row
// (as gevent's StreamServer does, max_accept), handing each to Node's
// callback the way libuv does (accepted_fd), and stops at the first EAGAIN
// or error (libuv's own accept then meets that error and handles it: EMFILE,
// ECONNABORTED), once the listener is paused or closing, or at the budget.
//
// While a fiber waits in accept(), or for a StreamServer without a spawn
// limit (JavaScript says so: acceptGreedy), the listener is greedy: each
// readiness first takes everything the kernel holds into a queue of
// descriptors here, at a system call each, and only then hands them to
// Node's callback, which costs tens of microseconds each (a socket object,
// its streams): the handing-over is budgeted per call and goes on from an
// immediate (acceptDeliver) in the next iterations. So the kernel's backlog
// empties at every poll however long the Hub's turns and Node's socket
// set-up take, and a burst that comes faster than the server makes sockets
// waits here, in order, instead of overflowing the listen backlog (the
// kernel drops the handshakes of an overflow: those clients retry after a
// second). A listener nobody waits on is never greedy, so ACCEPT_AHEAD still
// bounds what a server that stopped calling accept() takes from then on;
// what it took while someone waited stays here until accept() wants it (or
// the server closes: then it is closed). Several processes sharing one
// listening socket (cluster's SCHED_NONE) lose their balance while one of
// them is greedy: it takes what the kernel holds.
//
// A token names one control by a number of its own, never reused, so a
// stale token (its listener closed, the handle's memory reused) names nothing.
#include <uv.h>

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <memory>
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
  double id = 0;  // the token JavaScript holds
  uv_loop_t* loop = nullptr;
  uv_connection_cb node_cb = nullptr;  // the callback Node's uv_listen() installed
  bool paused = false;
  bool greedy = false;
  // Descriptors taken off the kernel's queue while greedy, not yet handed to
  // Node's callback, oldest first.
  std::deque<int> taken;
};

// Keyed by the listening handle. Only the loop's own thread runs JavaScript
// that touches a listener (fibers on the threads backend run while it waits),
// but the map is shared by every worker's loop.
std::mutex controls_mutex;
std::unordered_map<uv_stream_t*, std::unique_ptr<Control>> controls;
double last_id = 0;

// Node's callback is given at most this many connections in a row: enough to
// empty a listen backlog of the usual sizes at once, while a readiness cannot
// run without end as clients keep connecting.
constexpr int kAcceptsPerReadiness = 1000;
// A greedy listener hands its taken connections over for at most this long
// per call (a few hundred of them: each costs tens of microseconds), so the
// loop soon polls again and takes what the kernel got meanwhile; at 10 ms a
// burst of 5,000 is served as fast as with 2 or 5 (bench/burst.ts).
constexpr uint64_t kHandOverNs = 10 * 1000 * 1000;
// A greedy listener holds at most this many descriptors, and at most half the
// process's descriptor limit, so the rest of the process can still open files
// and sockets (and libuv's EMFILE handling, which drops connections, is not
// reached because of us): the rest stay in the kernel's queue.
constexpr size_t kMaxTaken = 65536;

size_t TakeLimit() {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return kMaxTaken;
  return std::min(kMaxTaken, static_cast<size_t>(rl.rlim_cur / 2));
}

Control* Find(uv_stream_t* server) {
  auto it = controls.find(server);
  return it == controls.end() ? nullptr : it->second.get();
}

// The listener a token names, or null once it is gone.
uv_stream_t* StreamOf(const FunctionCallbackInfo<Value>& args) {
  if (!args[0]->IsNumber()) return nullptr;
  double id = args[0].As<v8::Number>()->Value();
  for (auto& entry : controls) {
    if (entry.second->id == id) return entry.first;
  }
  return nullptr;
}

int ListenerFd(uv_stream_t* server) {
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(server), &fd) != 0) return -1;
  return fd;
}

int AcceptOne(int listener) {
#if defined(__linux__)
  return accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
#else
  (void)listener;
  return -1;  // one per readiness, as libuv does
#endif
}

// Closes the connections a control took and never handed over, once its
// listener is gone (the kernel resets those left in a closed listener's
// queue). Called with controls_mutex held.
void Release(Control* c) {
  for (int fd : c->taken) close(fd);
  c->taken.clear();
}

// Releases and forgets every control `gone(control, listener)` names (their
// listeners are closed; the handles' memory may be reused). Called with
// controls_mutex held.
template <typename Gone>
void ForgetIf(Gone gone) {
  for (auto it = controls.begin(); it != controls.end();) {
    bool forget = gone(*it->second, it->first);
    if (forget) Release(it->second.get());
    it = forget ? controls.erase(it) : std::next(it);
  }
}

// Hands connections to Node's callback the way libuv does (accepted_fd),
// oldest first: those taken before, for at most kHandOverNs (at least one),
// then more from the kernel's queue one at a time, kAcceptsPerReadiness in
// all. Stops once the listener is paused or closing, or the kernel has none
// (libuv's own accept then meets any error and handles it: EMFILE,
// ECONNABORTED). JavaScript goes on with what is left (acceptTaken,
// acceptDeliver). A descriptor Node's callback did not accept (it could not
// make the handle: its environment is stopping) is closed.
void HandOver(uv_stream_t* server, uint64_t began) {
  for (int handed = 0; handed < kAcceptsPerReadiness; handed++) {
    uv_connection_cb node_cb;
    {
      std::lock_guard<std::mutex> lock(controls_mutex);
      Control* c = Find(server);
      if (c == nullptr) return;
      if (uv_is_closing(reinterpret_cast<uv_handle_t*>(server))) {
        Release(c);
        return;
      }
      if (c->paused) return;
      if (!c->taken.empty()) {
        if (handed > 0 && uv_hrtime() - began >= kHandOverNs) return;
        server->accepted_fd = c->taken.front();
        c->taken.pop_front();
      }
      node_cb = c->node_cb;
    }
    if (server->accepted_fd == -1) {
      int fd = AcceptOne(ListenerFd(server));
      if (fd < 0) return;
      server->accepted_fd = fd;
    }
    node_cb(server, 0);
    if (server->accepted_fd != -1) {
      close(server->accepted_fd);
      server->accepted_fd = -1;
    }
  }
}

// Moves the connection libuv's own accept took into the queue.
void Enqueue(uv_stream_t* server, Control* c) {
  if (server->accepted_fd == -1) return;
  c->taken.push_back(server->accepted_fd);
  server->accepted_fd = -1;
}

// Takes everything the kernel holds for a greedy listener (up to `room`
// descriptors), without the lock: other loops' listeners go on meanwhile.
std::vector<int> TakeAll(uv_stream_t* server, size_t room) {
  std::vector<int> fds;
  int listener = ListenerFd(server);
  if (listener < 0) return fds;
  while (fds.size() < room) {
    int fd = AcceptOne(listener);
    if (fd < 0) break;
    fds.push_back(fd);
  }
  return fds;
}

// TakeAll, then the taken join the queue (the lock is not held on entry).
void TakeAllInto(uv_stream_t* server) {
  size_t room;
  {
    std::lock_guard<std::mutex> lock(controls_mutex);
    Control* c = Find(server);
    if (c == nullptr) return;
    size_t limit = TakeLimit();
    room = c->taken.size() < limit ? limit - c->taken.size() : 0;
  }
  std::vector<int> fds = TakeAll(server, room);
  std::lock_guard<std::mutex> lock(controls_mutex);
  Control* c = Find(server);
  if (c == nullptr) {
    for (int fd : fds) close(fd);
    return;
  }
  c->taken.insert(c->taken.end(), fds.begin(), fds.end());
}

void OnConnection(uv_stream_t* server, int status) {
  uint64_t began = uv_hrtime();
  uv_connection_cb node_cb;
  bool greedy;
  {
    std::lock_guard<std::mutex> lock(controls_mutex);
    Control* c = Find(server);
    if (c == nullptr) return;  // released: the listener is closed
    node_cb = c->node_cb;
    // Returning without uv_accept() leaves the connection with libuv, which
    // stops watching the listener until it is accepted.
    if (status == 0 && c->paused) return;
    // Libuv's own accept took one; any taken before come first.
    if (status == 0) Enqueue(server, c);
    greedy = c->greedy;
  }
  if (status != 0) return node_cb(server, status);
  if (greedy) TakeAllInto(server);
  HandOver(server, began);
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
  ForgetIf([&](const Control& c, uv_stream_t* listener) {
    return c.loop == loop && std::find(search.live.begin(), search.live.end(), listener) == search.live.end();
  });
  uv_stream_t* stream = search.found;
  if (stream->connection_cb != OnConnection) {
    std::unique_ptr<Control>& c = controls[stream];
    // A closed listener whose handle's memory this one reuses.
    if (c != nullptr) Release(c.get());
    c.reset(new Control());
    c->id = ++last_id;
    c->loop = loop;
    c->node_cb = stream->connection_cb;
    stream->connection_cb = OnConnection;
  }
  args.GetReturnValue().Set(controls[stream]->id);
}

// acceptPause(token, paused) -> whether connections (one libuv kept while
// paused, or taken ones) now wait for acceptDeliver(). The caller vouches that
// the listener is open.
void AcceptPause(const FunctionCallbackInfo<Value>& args) {
  bool held = false;
  {
    std::lock_guard<std::mutex> lock(controls_mutex);
    uv_stream_t* stream = StreamOf(args);
    Control* c = Find(stream);
    if (c == nullptr) return;
    c->paused = args[1]->IsTrue();
    held = !c->paused && (stream->accepted_fd != -1 || !c->taken.empty());
  }
  args.GetReturnValue().Set(Boolean::New(args.GetIsolate(), held));
}

// acceptGreedy(token, greedy): whether a fiber waits in accept() on it.
void AcceptGreedy(const FunctionCallbackInfo<Value>& args) {
  std::lock_guard<std::mutex> lock(controls_mutex);
  Control* c = Find(StreamOf(args));
  if (c != nullptr) c->greedy = args[1]->IsTrue();
}

// acceptTaken(token) -> how many connections it took off the kernel's queue
// and has not handed to Node yet.
void AcceptTaken(const FunctionCallbackInfo<Value>& args) {
  size_t n = 0;
  {
    std::lock_guard<std::mutex> lock(controls_mutex);
    Control* c = Find(StreamOf(args));
    if (c != nullptr) n = c->taken.size();
  }
  args.GetReturnValue().Set(static_cast<double>(n));
}

// acceptRelease(token): the listener was closed: closes the connections it
// took and never handed over (once: the token names nothing afterwards).
void AcceptRelease(const FunctionCallbackInfo<Value>& args) {
  std::lock_guard<std::mutex> lock(controls_mutex);
  uv_stream_t* stream = StreamOf(args);
  Control* c = Find(stream);
  if (c == nullptr) return;
  Release(c);
  // Nothing is called on a closed listener again; a new one at the same
  // address gets an entry (and id) of its own.
  controls.erase(stream);
}

// acceptDeliver(token): hands the connections waiting here to Node's
// callback (which emits 'connection' and starts accepting again): the taken
// ones, oldest first, within the budget, then the one libuv kept while
// paused, which came after them. Called from an event-loop callback on the
// loop's thread, as libuv would call it.
void AcceptDeliver(const FunctionCallbackInfo<Value>& args) {
  uint64_t began = uv_hrtime();
  uv_stream_t* stream;
  {
    std::lock_guard<std::mutex> lock(controls_mutex);
    stream = StreamOf(args);
    Control* c = Find(stream);
    if (c == nullptr || c->paused) return;
    // The kept one came after those taken: it joins the queue's end. The
    // first handed over goes through the slot libuv reads, and its
    // uv_accept() watches the listener again.
    Enqueue(stream, c);
  }
  HandOver(stream, began);
}

}  // namespace

void ForgetAcceptControls(uv_loop_t* loop) {
  std::lock_guard<std::mutex> lock(controls_mutex);
  ForgetIf([loop](const Control& c, uv_stream_t*) { return c.loop == loop; });
}

void InitAccept(Instance* inst, Local<v8::Object> exports, Local<v8::Context> context) {
  Isolate* isolate = context->GetIsolate();
  Local<External> data = External::New(isolate, inst);
  SetMethod(isolate, context, exports, "acceptControl", AcceptControl, data);
  SetMethod(isolate, context, exports, "acceptPause", AcceptPause, data);
  SetMethod(isolate, context, exports, "acceptGreedy", AcceptGreedy, data);
  SetMethod(isolate, context, exports, "acceptTaken", AcceptTaken, data);
  SetMethod(isolate, context, exports, "acceptRelease", AcceptRelease, data);
  SetMethod(isolate, context, exports, "acceptDeliver", AcceptDeliver, data);
}

}  // namespace fibernet
