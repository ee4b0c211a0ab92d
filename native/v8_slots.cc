// Finding and proving the two V8 thread_local slots the stacks backend swaps.
//
// V8 keeps its idea of "which thread is this" in a C++ thread_local ThreadId,
// and caches the OS thread's stack top behind v8::base::Stack::GetStackStart().
// Neither is reachable through the API, so their %fs-relative offsets are read
// out of the machine code of exported functions that load them, and then
// proved by behaviour: the slot must hold what V8's own getter returns, V8's
// lock must follow what is written there, and a fresh thread must see both
// slots empty and filled the way V8 fills them. Anything unexpected makes the
// proof fail with the name of the check, and fibernet uses the threads
// backend instead: a wrong guess here would corrupt memory, so there is none.
#if defined(__x86_64__) && defined(__linux__)

#include "v8_slots.h"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

namespace fibernet {

namespace {

V8Slots Fail(V8Slots s, const char* check, std::string why) {
  s.ok = false;
  s.check = check;
  s.why = std::move(why);
  return s;
}

// The size of the executable's static TLS block: V8 is linked into the node
// executable, so both slots lie inside it, just below the thread pointer.
int FindTlsBlock(struct dl_phdr_info* info, size_t, void* out) {
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_TLS) continue;
    size_t align = ph.p_align ? ph.p_align : 1;
    *static_cast<size_t*>(out) = (ph.p_memsz + align - 1) / align * align;
  }
  return 1;  // the first object is the executable
}

bool InSameObject(const void* a, const void* b) {
  Dl_info ia, ib;
  return dladdr(a, &ia) && dladdr(b, &ib) && ia.dli_fbase == ib.dli_fbase;
}

// `mov %fs:disp32, %eax` (64 8b 04 25 disp32).
bool DecodeIntTlsLoad(const uint8_t* code, long* disp) {
  if (!(code[0] == 0x64 && code[1] == 0x8b && code[2] == 0x04 && code[3] == 0x25)) return false;
  int32_t d;
  memcpy(&d, code + 4, 4);
  *disp = d;
  return true;
}

// The getter that allocates an id on first use: the load, then `test %eax,%eax`.
bool DecodeIdGetter(const uint8_t* code, long* disp) {
  return DecodeIntTlsLoad(code, disp) && code[8] == 0x85 && code[9] == 0xc0;
}

// `mov %fs:disp32, %rax` (64 48 8b 04 25 disp32), then `test %rax,%rax`.
bool DecodePointerTlsLoad(const uint8_t* code, long* disp) {
  if (!(code[0] == 0x64 && code[1] == 0x48 && code[2] == 0x8b && code[3] == 0x04 && code[4] == 0x25)) return false;
  if (!(code[9] == 0x48 && code[10] == 0x85 && code[11] == 0xc0)) return false;
  int32_t d;
  memcpy(&d, code + 5, 4);
  *disp = d;
  return true;
}

// The offsets, from the code alone.
V8Slots Discover() {
  V8Slots s;
  size_t tls_block = 0;
  dl_iterate_phdr(FindTlsBlock, &tls_block);
  if (tls_block == 0) return Fail(s, "executable TLS", "the node executable has no PT_TLS segment");

  s.is_locked = reinterpret_cast<bool (*)(v8::Isolate*)>(dlsym(RTLD_DEFAULT, "_ZN2v86Locker8IsLockedEPNS_7IsolateE"));
  s.get_stack_start = reinterpret_cast<void* (*)()>(dlsym(RTLD_DEFAULT, "_ZN2v84base5Stack13GetStackStartEv"));
  if (s.is_locked == nullptr) return Fail(s, "exports", "v8::Locker::IsLocked is not exported");
  if (s.get_stack_start == nullptr) return Fail(s, "exports", "v8::base::Stack::GetStackStart is not exported");

  // Locker::IsLocked compares the lock's owner with the current ThreadId; the
  // first direct call in it that lands on a %fs load is the id's getter.
  // (Node 24 exports no ThreadId symbol, so this is the way in everywhere.)
  const uint8_t* code = reinterpret_cast<const uint8_t*>(s.is_locked);
  for (int i = 0; i < 64 && s.current_thread_id == nullptr; i++) {
    if (code[i] != 0xe8) continue;  // call rel32
    int32_t rel;
    memcpy(&rel, code + i + 1, 4);
    const uint8_t* target = code + i + 5 + rel;
    long disp;
    if (InSameObject(target, code) && DecodeIdGetter(target, &disp)) {
      s.current_thread_id = reinterpret_cast<int (*)()>(const_cast<uint8_t*>(target));
      s.thread_id_disp = disp;
    }
  }
  if (s.current_thread_id == nullptr) {
    return Fail(s, "thread-id getter", "Locker::IsLocked calls no function that loads a %fs-relative int");
  }
  // Where V8 exports its own getter (Node 20 and 22), it must agree.
  if (void* exported = dlsym(RTLD_DEFAULT, "_ZN2v88internal8ThreadId13TryGetCurrentEv")) {
    long disp;
    if (!DecodeIntTlsLoad(static_cast<const uint8_t*>(exported), &disp) || disp != s.thread_id_disp) {
      return Fail(s, "thread-id getter", "ThreadId::TryGetCurrent disagrees with Locker::IsLocked's callee");
    }
  }
  if (!DecodePointerTlsLoad(reinterpret_cast<const uint8_t*>(s.get_stack_start), &s.stack_start_disp)) {
    return Fail(s, "stack-start getter", "GetStackStart does not begin with a %fs-relative cache load");
  }

  // Test hook: prove a deliberately wrong slot, so the fallback is exercised.
  if (const char* sabotage = getenv("FIBERNET_STACKS_SABOTAGE")) {
    if (strcmp(sabotage, "thread-id") == 0) s.thread_id_disp += 8;
    if (strcmp(sabotage, "stack-start") == 0) s.stack_start_disp += 8;
  }

  long block = static_cast<long>(tls_block);
  if (!(s.thread_id_disp >= -block && s.thread_id_disp + 4 <= 0)) {
    return Fail(s, "slots in TLS", "the thread-id slot lies outside the executable's TLS block");
  }
  if (!(s.stack_start_disp >= -block && s.stack_start_disp + 8 <= 0)) {
    return Fail(s, "slots in TLS", "the stack-start slot lies outside the executable's TLS block");
  }
  s.ok = true;
  return s;
}

struct FreshThreadProbe {
  const V8Slots* slots;
  v8::Isolate* isolate;
  int owner_id;  // the V8 thread id of the thread that holds the isolate's lock
  const char* check = nullptr;
  std::string why;
};

// On a thread V8 has never seen, both slots must be empty; asking V8 whether
// it holds the lock must allocate a fresh id into our slot; writing the
// owner's id there must make V8 believe it holds the lock; and the stack-start
// cache must become this thread's stack top.
void* ProbeFreshThread(void* arg) {
  FreshThreadProbe* p = static_cast<FreshThreadProbe*>(arg);
  int* id_slot = ThreadIdSlot(*p->slots);
  void** start_slot = StackStartSlot(*p->slots);
  if (*id_slot != 0 || *start_slot != nullptr) {
    p->check = "fresh thread";
    p->why = "a new thread's slots are not empty";
    return nullptr;
  }
  if (p->slots->is_locked(p->isolate)) {
    p->check = "fresh thread";
    p->why = "Locker::IsLocked is true on a thread that holds no lock";
    return nullptr;
  }
  int fresh = *id_slot;
  if (fresh <= 0 || fresh == p->owner_id) {
    p->check = "fresh thread";
    p->why = "V8 did not allocate a new thread id into the slot";
    return nullptr;
  }
  *id_slot = p->owner_id;
  bool locked_as_owner = p->slots->is_locked(p->isolate);
  *id_slot = fresh;
  if (!locked_as_owner) {
    p->check = "fresh thread";
    p->why = "writing the lock owner's id into the slot did not make Locker::IsLocked true";
    return nullptr;
  }
  void* start = p->slots->get_stack_start();
  pthread_attr_t attr;
  uintptr_t top = 0;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* addr;
    size_t size;
    pthread_attr_getstack(&attr, &addr, &size);
    top = reinterpret_cast<uintptr_t>(addr) + size;
    pthread_attr_destroy(&attr);
  }
  if (*start_slot != start || reinterpret_cast<uintptr_t>(start) != top) {
    p->check = "fresh thread";
    p->why = "GetStackStart() on a new thread is not its cached slot and its pthread stack top";
  }
  return nullptr;
}

// Behaviour on the thread that loads the addon (which holds the lock).
V8Slots ProveOnThisThread(V8Slots s, v8::Isolate* isolate) {
  int id = *ThreadIdSlot(s);
  if (id <= 0 || s.current_thread_id() != id) {
    return Fail(s, "thread-id slot", "the slot does not hold V8's thread id on this thread");
  }
  if (!s.is_locked(isolate)) return Fail(s, "thread-id slot", "this thread does not hold the isolate's Locker");
  void* start = s.get_stack_start();
  uintptr_t sp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  if (*StackStartSlot(s) != start) {
    return Fail(s, "stack-start slot", "the slot does not hold GetStackStart() on this thread");
  }
  if (!(reinterpret_cast<uintptr_t>(start) > sp && reinterpret_cast<uintptr_t>(start) - sp < (256u << 20))) {
    return Fail(s, "stack-start slot", "GetStackStart() is not just above this thread's stack pointer");
  }
  return s;
}

}  // namespace

uint8_t* FindLockerUsedFlag(v8::Isolate* isolate, const V8Slots& slots, std::string* why) {
  const uint8_t* code =
      static_cast<const uint8_t*>(dlsym(RTLD_DEFAULT, "_ZN2v811HandleScope10InitializeEPNS_7IsolateE"));
  if (code == nullptr) {
    *why = "v8::HandleScope::Initialize is not exported";
    return nullptr;
  }
  for (int i = 0; i < 48; i++) {
    // movzbl disp32(%rsi),%eax ; test %al,%al ; jne rel8  (the isolate is the second argument)
    const uint8_t* at = code + i;
    if (!(at[0] == 0x0f && at[1] == 0xb6 && at[2] == 0x86 && at[7] == 0x84 && at[8] == 0xc0 && at[9] == 0x75)) continue;
    int32_t disp;
    memcpy(&disp, at + 3, 4);
    const uint8_t* taken = at + 11 + static_cast<int8_t>(at[10]);
    // The taken branch asks for the current thread id within a few instructions.
    bool asks_thread_id = false;
    for (int j = 0; j < 16 && !asks_thread_id; j++) {
      if (taken[j] != 0xe8) continue;
      int32_t rel;
      memcpy(&rel, taken + j + 1, 4);
      asks_thread_id = taken + j + 5 + rel == reinterpret_cast<const uint8_t*>(slots.current_thread_id);
    }
    if (!asks_thread_id) {
      *why = "the byte HandleScope::Initialize tests does not guard a thread-id check";
      return nullptr;
    }
    if (disp <= 0 || disp > (1 << 20)) {
      *why = "the flag's offset in the isolate is implausible";
      return nullptr;
    }
    uint8_t* flag = reinterpret_cast<uint8_t*>(isolate) + disp;
    if (*flag != 1) {
      *why = "the flag does not read 1 although a Locker holds the isolate";
      return nullptr;
    }
    return flag;
  }
  *why = "HandleScope::Initialize does not begin by testing a byte of the isolate";
  return nullptr;
}

V8Slots ProveV8Slots(v8::Isolate* isolate) {
  // Decoding and the fresh-thread probe once per process; every isolate's
  // thread (main, each Worker) proves the slots on itself.
  static std::once_flag once;
  static V8Slots process_wide;
  std::call_once(once, [isolate] {
    V8Slots s = Discover();
    if (s.ok) s = ProveOnThisThread(s, isolate);
    if (s.ok) {
      FreshThreadProbe probe{&s, isolate, *ThreadIdSlot(s), nullptr, std::string()};
      pthread_t thread;
      if (pthread_create(&thread, nullptr, ProbeFreshThread, &probe) != 0) {
        s = Fail(s, "fresh thread", "could not start a thread to probe");
      } else {
        pthread_join(thread, nullptr);
        if (probe.check != nullptr) s = Fail(s, probe.check, probe.why);
      }
    }
    process_wide = s;
  });
  if (!process_wide.ok) return process_wide;
  return ProveOnThisThread(process_wide, isolate);
}

}  // namespace fibernet

#endif  // x86-64 Linux
