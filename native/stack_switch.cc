// The user-space stack switch of the stacks backend (x86-64 System V).
#if defined(__x86_64__) && defined(__linux__)

#include "stack_switch.h"

extern "C" void fibernet_stack_entry();

// The saved frame, from the stack pointer up: mxcsr (4 bytes) and the x87
// control word (2 bytes, padded to 8), then r15, r14, r13, r12, rbx, rbp, and
// the return address. A fresh stack returns into fibernet_stack_entry with
// the start function in r12 and its argument in r13.
asm(R"(
  .text
  .p2align 4
  .globl fibernet_stack_switch
  .hidden fibernet_stack_switch
  .type fibernet_stack_switch,@function
fibernet_stack_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  leaq -8(%rsp), %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  fldcw 4(%rsp)
  ldmxcsr (%rsp)
  leaq 8(%rsp), %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size fibernet_stack_switch, .-fibernet_stack_switch

  .p2align 4
  .globl fibernet_stack_entry
  .hidden fibernet_stack_entry
  .type fibernet_stack_entry,@function
fibernet_stack_entry:
  .cfi_startproc
  .cfi_undefined rip
  movq %r13, %rdi
  callq *%r12
  ud2
  .cfi_endproc
  .size fibernet_stack_entry, .-fibernet_stack_entry
)");

namespace fibernet {

void* PrepareStack(uintptr_t top, void (*start)(void*), void* arg) {
  // After the switch pops 8 + 6*8 bytes and returns, the entry's call must
  // happen with a 16-byte aligned stack pointer: so the frame starts aligned.
  uintptr_t sp = (top - 128) & ~static_cast<uintptr_t>(15);
  uint64_t* frame = reinterpret_cast<uint64_t*>(sp);
  frame[0] = 0x1F80ull | (0x037Full << 32);  // default mxcsr; default x87 control word
  frame[1] = 0;                                // r15
  frame[2] = 0;                                // r14
  frame[3] = reinterpret_cast<uint64_t>(arg);  // r13
  frame[4] = reinterpret_cast<uint64_t>(start);  // r12
  frame[5] = 0;                                // rbx
  frame[6] = 0;                                // rbp: ends frame-pointer walks
  frame[7] = reinterpret_cast<uint64_t>(&fibernet_stack_entry);
  return reinterpret_cast<void*>(sp);
}

}  // namespace fibernet

#endif  // x86-64 Linux
