// The stacks backend: every fiber runs on an mmap'd stack of its own, on the
// OS thread that owns the isolate, and a switch is a user-space stack switch.
//
// V8 still sees each fiber as a thread of the isolate: a fiber's stack takes a
// top-level Locker once (which gives it a V8 thread id for life), and every
// switch goes through Unlocker/Locker, so V8's ThreadManager archives and
// restores the per-thread state (handle scopes, the top of the JavaScript
// frames, the stack guard, debugger state) and the GC visits parked stacks
// through the archived states, exactly as for real threads. What a real
// thread would change by itself we change by hand, per switch:
//   - V8's thread_local ThreadId (so the Locker restores the right state),
//   - the thread_local cache behind base::Stack::GetStackStart() (the stack
//     the GC scans conservatively, and the central stack of V8 13),
//   - Isolate::Enter/Exit, which makes V8 re-read that stack start,
//   - on V8 13 the stack limit, which also sets the isolate-wide stack size.
// native/v8_slots.cc finds and proves the two slots; without a proof this
// backend is never used.
//
// Stacks and vm.max_map_count: a guard page costs a memory mapping of its own,
// and the default limit (65530) would end at ~32k guarded stacks. So stacks
// get a hardware guard page while the process has mappings to spare (half of
// what max_map_count leaves above 32k, FIBERNET_GUARDED_STACKS to change it);
// beyond that they are carved from large slabs (one mapping per 256 stacks, fewer for big ones)
// and each has a soft guard: its lowest page, never used, which must still
// read as zeros whenever the fiber switches out. JavaScript never gets near
// it (V8's stack limit sits kNativeHeadroom above), and native code that does
// is caught before any other fiber runs (the process aborts with a message)
// rather than corrupting a neighbour silently.
#if defined(__x86_64__) && defined(__linux__)

#include "core.h"
#include "stack_switch.h"
#include "v8_slots.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <atomic>
#include <map>
#include <new>

namespace fibernet {

namespace {

using v8::HandleScope;
using v8::Isolate;
using v8::Locker;
using v8::Unlocker;

// A slab holds up to 256 stacks, and at most about 256 MiB of address space
// (fewer, larger stacks per slab when fibers ask for big stacks).
constexpr size_t kMaxSlotsPerSlab = 256;
constexpr size_t kSlabBytes = 256u << 20;

struct Slab;

// Where a stack's memory came from: a mapping of its own (slab null, with a
// hardware guard page) or a slot of a slab.
struct Memory {
  char* base = nullptr;  // lowest address (the guard page)
  Slab* slab = nullptr;
};

// Its memory runs from memory.base (the guard page) up to stack_top, and
// V8's JavaScript limit on it is stack_top - stack_size (for the isolate's
// own thread, stack_size is the budget V8 gave that thread).
struct StackRunner : Runner {
  void* sp = nullptr;     // saved stack pointer while it does not run
  int v8_thread_id = 0;   // 0 until its Locker first runs
  Memory memory;          // unused for the isolate's own thread
  StackRunner* quit_to = nullptr;

  uintptr_t Limit() const { return stack_top - stack_size; }
  size_t Length() const { return stack_top - reinterpret_cast<uintptr_t>(memory.base); }
};

// A run of same-sized stack slots in one mapping, whose first page is a
// hardware guard (so the lowest slot cannot run into whatever lies below).
struct Slab {
  char* map = nullptr;
  size_t map_length = 0;
  size_t slot_length = 0;
  size_t used = 0;
  std::vector<char*> free_slots;
};

class StacksBackend : public Backend {
 public:
  StacksBackend(Instance* inst, const V8Slots& slots) {
    thread_id_slot_ = ThreadIdSlot(slots);
    stack_start_slot_ = StackStartSlot(slots);
    root_.inst = inst;
    root_.v8_thread_id = *thread_id_slot_;
    root_.stack_top = reinterpret_cast<uintptr_t>(slots.get_stack_start());
    // V8's default: --stack-size (984 KB) below the thread's stack; lib/
    // binding.ts tells us the real budget (--stack-size, a Worker's limits).
    root_.stack_size = 984 * 1024;
    std::string why;
    locker_flag_ = FindLockerUsedFlag(inst->isolate, slots, &why);
    profiler_note_ = locker_flag_ != nullptr ? "sampled: V8's Locker flag is cleared between switches"
                                             : "not sampled: " + why;
    guard_budget_ = DefaultGuardBudget();
    if (const char* n = getenv("FIBERNET_GUARDED_STACKS")) guard_budget_ = strtoul(n, nullptr, 10);
  }

  const char* Name() const override { return "stacks"; }
  std::string ProfilerNote() const override { return profiler_note_; }
  Runner* Root() override { return &root_; }
  size_t Guarded() const override { return guarded_; }

  // The mappings max_map_count limits are the process's, shared by every
  // isolate (the main thread and each Worker): so is the guard budget.
  static std::atomic<size_t> process_guarded;

  void SetRootBudget(size_t bytes) { root_.stack_size = bytes; }

  Runner* NewRunner(size_t stack_size, RunnerError* error) override {
    size_t length = RoundUp(stack_size + kNativeHeadroom) + kPageSize;  // + the guard page
    Memory memory;
    const char* failed;
    if (process_guarded.fetch_add(1) < guard_budget_) {
      failed = MapGuarded(length, &memory);
      if (failed != nullptr) process_guarded.fetch_sub(1);
    } else {
      process_guarded.fetch_sub(1);
      failed = TakeSlot(length, &memory);
    }
    if (failed != nullptr) {
      int err = errno;
      error->code = "ERR_FIBER_STACK_LIMIT";
      error->message = std::string("cannot map a stack for a fiber (") + failed + ": " + strerror(err) + ") with " +
                       std::to_string(root_.inst->runners_alive) +
                       " fiber stacks alive; memory, the address space (ulimit -v) or vm.max_map_count is exhausted";
      return nullptr;
    }
    // The runner's record lives at the top of its own stack, in the page
    // every fiber touches anyway: one allocation less per fiber.
    uintptr_t top = reinterpret_cast<uintptr_t>(memory.base) + length;
    uintptr_t record = (top - sizeof(StackRunner)) & ~static_cast<uintptr_t>(15);
    StackRunner* r = new (reinterpret_cast<void*>(record)) StackRunner();
    r->inst = root_.inst;
    r->memory = memory;
    r->stack_size = stack_size;
    r->stack_top = top;
    r->sp = PrepareStack(record, &StacksBackend::Entry, r);
    return r;
  }

  void Transfer(Runner* from, Runner* to) override {
    StackRunner* self = static_cast<StackRunner*>(from);
    StackRunner* target = static_cast<StackRunner*>(to);
    if (self->memory.slab != nullptr) CheckSoftGuard(self);
    {
      Isolate* isolate = root_.inst->isolate;
      HandleScope handle_scope(isolate);
      MarkLockerUsed();
      Unlocker unlocker(isolate);
      Aim(target);
      fibernet_stack_switch(&self->sp, target->sp);
    }
    AfterLock(self);
    ClearLockerUsed();
  }

  void Retire(Runner* from, Runner* idle) override {
    StackRunner* r = static_cast<StackRunner*>(idle);
    if (r->v8_thread_id != 0) {
      // Let it leave its loop and drop its Locker; it switches back to us.
      r->quit = true;
      r->quit_to = static_cast<StackRunner*>(from);
      Transfer(from, r);
      // V8 keeps a record per thread id that ever entered: drop this one's.
      int own = *thread_id_slot_;
      *thread_id_slot_ = r->v8_thread_id;
      root_.inst->isolate->DiscardThreadSpecificMetadata();
      *thread_id_slot_ = own;
    }
    Memory memory = r->memory;
    size_t length = r->Length();
    r->~StackRunner();  // it lives on the memory given back next
    Unmap(memory, length);
  }

  void Close() override {
    // Slabs with a stack still in use (a fiber left parked for good) stay.
    for (auto& entry : slabs_) {
      for (Slab* slab : entry.second) {
        if (slab->used == 0) munmap(slab->map, slab->map_length);
      }
    }
    slabs_.clear();
  }

 private:
  static size_t RoundUp(size_t n) { return (n + kPageSize - 1) & ~(kPageSize - 1); }

  // Guarded stacks may use half of the mappings max_map_count leaves above
  // 32k, which keeps plenty for V8's heap, malloc and everything else.
  static size_t DefaultGuardBudget() {
    size_t max_maps = 65530;
    if (FILE* f = fopen("/proc/sys/vm/max_map_count", "r")) {
      unsigned long n;
      if (fscanf(f, "%lu", &n) == 1) max_maps = n;
      fclose(f);
    }
    return max_maps > 32768 ? (max_maps - 32768) / 2 : 0;
  }

  const char* MapGuarded(size_t length, Memory* out) {
    void* m = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return "mmap";
    if (mprotect(m, kPageSize, PROT_NONE) != 0) {
      int err = errno;
      munmap(m, length);
      errno = err;
      return "mprotect of the guard page";
    }
    out->base = static_cast<char*>(m);
    out->slab = nullptr;
    guarded_++;
    return nullptr;
  }

  const char* TakeSlot(size_t length, Memory* out) {
    std::vector<Slab*>& slabs = slabs_[length];
    Slab* slab = nullptr;
    // Newest first: during a burst only the last slab has room, so this stays
    // O(1) instead of walking thousands of full slabs.
    for (size_t i = slabs.size(); i-- > 0;) {
      if (!slabs[i]->free_slots.empty()) {
        slab = slabs[i];
        break;
      }
    }
    if (slab == nullptr) {
      size_t slots = kSlabBytes / length;
      if (slots < 1) slots = 1;
      if (slots > kMaxSlotsPerSlab) slots = kMaxSlotsPerSlab;
      // Under an address-space limit (ulimit -v) a smaller slab may still fit.
      size_t map_length;
      void* m;
      for (;;) {
        map_length = kPageSize + slots * length;
        m = mmap(nullptr, map_length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m != MAP_FAILED) break;
        if (slots == 1) return "mmap";
        slots /= 2;
      }
      if (mprotect(m, kPageSize, PROT_NONE) != 0) {
        int err = errno;
        munmap(m, map_length);
        errno = err;
        return "mprotect of the guard page";
      }
      slab = new Slab();
      slab->map = static_cast<char*>(m);
      slab->map_length = map_length;
      slab->slot_length = length;
      for (size_t i = slots; i-- > 0;) slab->free_slots.push_back(slab->map + kPageSize + i * length);
      slabs.push_back(slab);
    }
    out->base = slab->free_slots.back();
    out->slab = slab;
    slab->free_slots.pop_back();
    slab->used++;
    return nullptr;
  }

  void Unmap(Memory memory, size_t length) {
    if (memory.slab == nullptr) {
      munmap(memory.base, length);
      guarded_--;
      process_guarded.fetch_sub(1);
      return;
    }
    // The slot's pages go back to the system; the mapping stays, so freeing
    // stacks never splits it into more mappings.
    madvise(memory.base, length, MADV_DONTNEED);
    Slab* slab = memory.slab;
    slab->free_slots.push_back(memory.base);
    if (--slab->used == 0) {
      std::vector<Slab*>& slabs = slabs_[slab->slot_length];
      for (size_t i = 0; i < slabs.size(); i++) {
        if (slabs[i] == slab) {
          slabs.erase(slabs.begin() + i);
          break;
        }
      }
      munmap(slab->map, slab->map_length);
      delete slab;
    }
  }

  // The soft guard page must read as zeros: native code that ran past the
  // headroom has written into it, and maybe further.
  static void CheckSoftGuard(StackRunner* r) {
    const uint64_t* page = reinterpret_cast<const uint64_t*>(r->memory.base);
    uint64_t bits = 0;
    for (size_t i = 0; i < kPageSize / sizeof(uint64_t); i++) bits |= page[i];
    if (bits != 0) {
      fprintf(stderr,
              "fibernet: FATAL: a fiber's native code overflowed its stack (%zu KB of JavaScript stack plus "
              "%zu KB of native headroom) into its guard zone; memory next to it may be corrupted, so the "
              "process stops here\n",
              r->stack_size / 1024, kNativeHeadroom / 1024);
      abort();
    }
  }

  // V8's CPU profiler samples this OS thread from a signal handler. With the
  // Locker flag set it drops any sample taken while the lock is not held by
  // the thread that started profiling, which is right while a switch is under
  // way (the registers are on one stack, V8's record of the JavaScript frames
  // may describe another) and wrong in between, when the running fiber's
  // stack and V8's record agree exactly as on any thread. So the flag is set
  // for the switch and cleared once the fiber switched to holds the lock with
  // its state restored: the profiler then sees fibers' frames. (The flag is
  // otherwise only read by HandleScope's check that the lock is held, which
  // holds here.) Signal fences: the handler runs on this thread.
  void MarkLockerUsed() {
    if (locker_flag_ == nullptr) return;
    *locker_flag_ = 1;
    std::atomic_signal_fence(std::memory_order_seq_cst);
  }
  void ClearLockerUsed() {
    if (locker_flag_ == nullptr) return;
    std::atomic_signal_fence(std::memory_order_seq_cst);
    *locker_flag_ = 0;
  }

  void Aim(StackRunner* to) {
    *thread_id_slot_ = to->v8_thread_id;
    *stack_start_slot_ = reinterpret_cast<void*>(to->stack_top);
  }

  // Runs on `self` once it holds the lock again.
  void AfterLock(StackRunner* self) {
    Isolate* isolate = root_.inst->isolate;
    // Isolate::Enter re-records the stack the collector scans from
    // GetStackStart(); re-entering the entered isolate only bumps a count.
    isolate->Enter();
    isolate->Exit();
#if V8_MAJOR_VERSION >= 13
    // V8 13 keeps one stack size per isolate (for IsOnCentralStack), set
    // with the limit: make it describe the stack we are on.
    isolate->SetStackLimit(self->Limit());
#endif
  }

  // The first code on a fresh stack.
  static void Entry(void* arg) {
    StackRunner* r = static_cast<StackRunner*>(arg);
    StacksBackend* self = static_cast<StacksBackend*>(r->inst->backend);
    Isolate* isolate = r->inst->isolate;
    {
      // The slot is 0, so the Locker allocates this stack its V8 thread id.
      Locker locker(isolate);
      r->v8_thread_id = *self->thread_id_slot_;
      isolate->SetStackLimit(r->Limit());
      self->AfterLock(r);
      self->ClearLockerUsed();
      RunFibers(r);
      self->MarkLockerUsed();
    }
    // The top-level Locker is gone: V8 freed this "thread"'s state and the
    // lock is free. Continue the context that retired us; never resumed.
    StackRunner* to = r->quit_to;
    if (r->memory.slab != nullptr) CheckSoftGuard(r);
    self->Aim(to);
    void* unused;
    fibernet_stack_switch(&unused, to->sp);
    abort();
  }

  int* thread_id_slot_ = nullptr;
  void** stack_start_slot_ = nullptr;
  volatile uint8_t* locker_flag_ = nullptr;
  std::string profiler_note_;
  StackRunner root_;
  size_t guard_budget_ = 0;
  size_t guarded_ = 0;  // this isolate's
  std::map<size_t, std::vector<Slab*>> slabs_;  // by slot length
};

std::atomic<size_t> StacksBackend::process_guarded{0};

}  // namespace

Backend* NewStacksBackend(Instance* inst, std::string* why) {
  V8Slots slots = ProveV8Slots(inst->isolate);
  if (!slots.ok) {
    *why = "check '" + slots.check + "' failed: " + slots.why;
    return nullptr;
  }
  return new StacksBackend(inst, slots);
}

void SetRootStackBudget(Backend* backend, size_t bytes) {
  if (strcmp(backend->Name(), "stacks") == 0) static_cast<StacksBackend*>(backend)->SetRootBudget(bytes);
}

}  // namespace fibernet

#else  // not x86-64 Linux

#include "core.h"

namespace fibernet {

Backend* NewStacksBackend(Instance*, std::string* why) {
  *why = "check 'architecture' failed: the stack switch exists for x86-64 Linux only";
  return nullptr;
}

void SetRootStackBudget(Backend*, size_t) {}

}  // namespace fibernet

#endif
