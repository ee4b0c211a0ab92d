// Switching C stacks in user space (x86-64 System V): no system call, so a
// switch costs a few nanoseconds plus whatever V8 does around it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fibernet {

// Saves the callee-saved registers and the floating-point control state on
// the current stack, stores the stack pointer in *save, and continues on the
// stack whose pointer is `resume` (saved by an earlier switch, or prepared by
// PrepareStack). Returns when something switches back to *save.
extern "C" void fibernet_stack_switch(void** save, void* resume);

// Lays out a fresh stack whose top is `top` so that the first switch to the
// returned pointer calls start(arg) on it. start must never return.
void* PrepareStack(uintptr_t top, void (*start)(void*), void* arg);

}  // namespace fibernet
