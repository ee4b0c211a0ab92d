// pendingSocketError(fd): the error the kernel holds for a socket (SO_ERROR,
// which reading clears), or 0. libuv ends a read with EOF when the peer's
// reset arrives together with the last bytes (it sees the hang-up and does
// not read again), where a plain read() would fail with ECONNRESET; recv()
// asks the kernel once at EOF, so a reset peer reads as gevent's does.
#include <sys/socket.h>

#include "addon.h"
#include "core.h"

namespace fibernet {

namespace {

using v8::FunctionCallbackInfo;
using v8::Int32;
using v8::Value;

void PendingSocketError(const FunctionCallbackInfo<Value>& args) {
  int err = 0;
  if (args[0]->IsInt32()) {
    socklen_t len = sizeof(err);
    if (getsockopt(args[0].As<Int32>()->Value(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = 0;
  }
  args.GetReturnValue().Set(err);
}

}  // namespace

void InitSockopt(Instance* inst, v8::Local<v8::Object> exports, v8::Local<v8::Context> context) {
  v8::Isolate* isolate = context->GetIsolate();
  SetMethod(isolate, context, exports, "pendingSocketError", PendingSocketError, v8::External::New(isolate, inst));
}

}  // namespace fibernet
