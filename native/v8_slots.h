// The two thread_local slots of V8 that the stacks backend repoints at the
// running fiber, found by decoding exported V8 functions and proved at load.
#pragma once

#include <v8.h>

#include <cstdint>
#include <string>

namespace fibernet {

struct V8Slots {
  bool ok = false;
  std::string check;   // the name of the check that failed, when !ok
  std::string why;     // what it found
  long thread_id_disp = 0;    // %fs offset of V8's per-OS-thread ThreadId
  long stack_start_disp = 0;  // %fs offset of v8::base::Stack::GetStackStart()'s cache
  int (*current_thread_id)() = nullptr;    // the getter Locker::IsLocked calls
  void* (*get_stack_start)() = nullptr;    // v8::base::Stack::GetStackStart
  bool (*is_locked)(v8::Isolate*) = nullptr;  // v8::Locker::IsLocked
};

// Where V8 records that a v8::Locker was ever used on `isolate` (a byte of the
// isolate), or null when it cannot be found and proved. While it is set, V8's
// CPU profiler drops every sample taken while the isolate's lock is held by a
// V8 thread other than the one that started profiling, which is every fiber:
// the stacks backend clears it between switches (see backend_stacks.cc).
// The byte is the one HandleScope::Initialize tests before it asks for the
// current thread id (its "locked by this thread?" check), and it must read 1
// here, since Node's main thread holds a Locker for its life.
uint8_t* FindLockerUsedFlag(v8::Isolate* isolate, const V8Slots& slots, std::string* why);

// Finds the slots and proves them on a fresh thread (once per process), then
// proves them on the calling thread, which must hold `isolate`'s Locker.
V8Slots ProveV8Slots(v8::Isolate* isolate);

// The slots' addresses on the calling thread.
inline int* ThreadIdSlot(const V8Slots& s) {
  uintptr_t tp;
  asm volatile("mov %%fs:0, %0" : "=r"(tp));
  return reinterpret_cast<int*>(tp + s.thread_id_disp);
}
inline void** StackStartSlot(const V8Slots& s) {
  uintptr_t tp;
  asm volatile("mov %%fs:0, %0" : "=r"(tp));
  return reinterpret_cast<void**>(tp + s.stack_start_disp);
}

}  // namespace fibernet
