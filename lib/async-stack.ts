// Node keeps one async-context stack per environment (async ids, trigger ids
// and execution resources). A fiber that switches out in the middle of an
// AsyncResource scope (for example `resource.runInAsyncScope(() =>
// Fiber.yield())`) leaves its frames on top of the stack, where the context it
// switched to would pop them and Node would abort with "async hook stack has
// become corrupted". So at a switch the frames a fiber pushed beyond where its
// stretch began are lifted off and kept with the fiber, then put back when it
// resumes. Balanced stretches, the common case, only pay for one read of the
// stack depth.
//
// Node exposes no public API to move stack frames, so this uses the same
// async_wrap primitives Node's own AsyncResource uses. Without them (a future
// Node that drops process.binding('async_wrap')) lifting is skipped.
import { executionAsyncId, executionAsyncResource, triggerAsyncId } from 'async_hooks';

interface AsyncWrap {
  async_hook_fields: Uint32Array;
  async_id_fields: Float64Array;
  async_ids_stack: Float64Array;
  execution_async_resources: object[];
  constants: { kStackLength: number; kExecutionAsyncId: number; kTriggerAsyncId: number };
  pushAsyncContext(asyncId: number, triggerAsyncId: number, resource?: object): void;
  popAsyncContext(asyncId: number): boolean;
}

export interface AsyncFrame {
  id: number;
  trigger: number;
  resource: object;
}

function loadAsyncWrap(): AsyncWrap | null {
  // process.binding is deprecated for general use (DEP0111) and warns on first
  // access; fibernet needs exactly the primitives above, checks their shape
  // before relying on them, and keeps the warning out of the user's stderr.
  const proc = process as unknown as { binding(name: string): unknown; noDeprecation?: boolean };
  const quiet = proc.noDeprecation;
  proc.noDeprecation = true;
  try {
    const binding = proc.binding('async_wrap') as AsyncWrap;
    if (
      binding &&
      binding.async_hook_fields instanceof Uint32Array &&
      Array.isArray(binding.execution_async_resources) &&
      typeof binding.pushAsyncContext === 'function' &&
      typeof binding.popAsyncContext === 'function' &&
      typeof binding.constants?.kStackLength === 'number'
    ) {
      return binding;
    }
  } catch {
    // fall through: lifting unavailable
  } finally {
    proc.noDeprecation = quiet;
  }
  return null;
}

const asyncWrap = loadAsyncWrap();
const fields = asyncWrap ? asyncWrap.async_hook_fields : new Uint32Array(1);
const kStackLength = asyncWrap ? asyncWrap.constants.kStackLength : 0;

/** Current depth of the async-context stack (0 when lifting is unavailable). */
export function depth(): number {
  return fields[kStackLength];
}

/** Lifts the frames above `base` off the stack, bottom first. */
export function lift(base: number): AsyncFrame[] | null {
  if (!asyncWrap || fields[kStackLength] <= base) return null;
  const frames: AsyncFrame[] = [];
  while (fields[kStackLength] > base) {
    const id = executionAsyncId();
    frames.push({ id, trigger: triggerAsyncId(), resource: executionAsyncResource() });
    asyncWrap.popAsyncContext(id);
  }
  return frames.reverse();
}

/** Puts lifted frames back, in the order they were pushed. */
export function restore(frames: AsyncFrame[]): void {
  const aw = asyncWrap!;
  for (const frame of frames) {
    // Node's own pushAsyncContext records the resource in this array and the
    // ids through the binding; do the same so executionAsyncResource() agrees.
    const offset = fields[kStackLength];
    aw.pushAsyncContext(frame.id, frame.trigger);
    aw.execution_async_resources[offset] = frame.resource;
  }
}
