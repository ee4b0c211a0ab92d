// The addon's entry point. It is context-aware: each isolate that loads it
// (the main thread, or a worker_threads Worker) gets its own fiber core.
#include "addon.h"

NODE_MODULE_INIT(/* exports, module, context */) {
  (void)module;
  fibernet::InitFiber(exports, context);
  fibernet::InitLoop(exports, context);
}
