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
// Node exposes no public API to move stack frames, and the primitives its
// own AsyncResource uses live in the internal async_wrap binding, which
// process.binding() no longer reaches from Node 24. The inspector (a public
// module) can read the closure of async_hooks.executionAsyncId, whose module
// scope holds that binding; fibernet takes the binding from there once, at
// load, and checks its shape before relying on it. Without it lifting is
// skipped and a fiber that switches out inside an AsyncResource scope is
// refused (see fiber.ts).
import * as asyncHooks from 'async_hooks';
import { executionAsyncId, executionAsyncResource, triggerAsyncId } from 'async_hooks';

interface AsyncWrap {
  async_hook_fields: Uint32Array;
  async_id_fields?: Float64Array;
  execution_async_resources: object[];
  constants: { kStackLength: number; kExecutionAsyncId?: number; kTriggerAsyncId?: number };
  pushAsyncContext(asyncId: number, triggerAsyncId: number, resource?: object): void;
  popAsyncContext(asyncId: number): boolean;
}

export interface AsyncFrame {
  id: number;
  trigger: number;
  resource: object;
}

function isAsyncWrap(binding: unknown): binding is AsyncWrap {
  const b = binding as AsyncWrap | null;
  return (
    !!b &&
    b.async_hook_fields instanceof Uint32Array &&
    Array.isArray(b.execution_async_resources) &&
    typeof b.pushAsyncContext === 'function' &&
    typeof b.popAsyncContext === 'function' &&
    typeof b.constants?.kStackLength === 'number'
  );
}

function loadAsyncWrap(): AsyncWrap | null {
  let session: import('inspector').Session | undefined;
  const slot = `__fibernetAsyncWrap${process.pid}`;
  const global = globalThis as Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { Session } = require('inspector') as typeof import('inspector');
    const s = new Session();
    session = s;
    s.connect();
    // Session.post answers synchronously for the session's own thread.
    const post = <T>(method: string, params: object): T => {
      let out: T | undefined;
      let failure: Error | null = null;
      s.post(method, params, (err: Error | null, res?: object) => {
        failure = err;
        out = res as T;
      });
      if (failure) throw failure;
      if (out === undefined) throw new Error(`${method} did not answer synchronously`);
      return out;
    };
    type Remote = { name: string; value?: { objectId?: string } };
    type Props = { result: Remote[]; internalProperties?: Remote[] };
    global[slot] = asyncHooks.executionAsyncId;
    const fn = post<{ result: { objectId: string } }>('Runtime.evaluate', { expression: `globalThis.${slot}` });
    const props = post<Props>('Runtime.getProperties', { objectId: fn.result.objectId, ownProperties: false });
    const scopes = props.internalProperties?.find((p) => p.name === '[[Scopes]]')?.value?.objectId;
    if (!scopes) return null;
    for (const scope of post<Props>('Runtime.getProperties', { objectId: scopes, ownProperties: true }).result) {
      if (!scope.value?.objectId) continue;
      const vars = post<Props>('Runtime.getProperties', { objectId: scope.value.objectId, ownProperties: true });
      const found = vars.result.find((v) => v.name === 'async_wrap')?.value?.objectId;
      if (!found) continue;
      post('Runtime.callFunctionOn', {
        objectId: found,
        functionDeclaration: `function () { globalThis.${slot} = this; }`,
      });
      return isAsyncWrap(global[slot]) ? (global[slot] as AsyncWrap) : null;
    }
    return null;
  } catch {
    return null;
  } finally {
    delete global[slot];
    session?.disconnect();
  }
}

const asyncWrap = loadAsyncWrap();

/** Whether frames can be lifted on this Node. */
export const canLift = asyncWrap !== null;
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

function push(id: number, trigger: number, resource: object): void {
  // Node's own pushAsyncContext records the resource in this array and the
  // ids through the binding; do the same so executionAsyncResource() agrees.
  const offset = fields[kStackLength];
  asyncWrap!.pushAsyncContext(id, trigger);
  asyncWrap!.execution_async_resources[offset] = resource;
}

/** Puts lifted frames back, in the order they were pushed. */
export function restore(frames: AsyncFrame[]): void {
  for (const frame of frames) push(frame.id, frame.trigger, frame.resource);
}

// Replacing the top frame in place: the current ids live in async_id_fields
// and the resource in execution_async_resources; the ids saved below the top
// frame stay as they are. Node's own JavaScript pop and push touch exactly
// these; the native ones (used otherwise) cost a runtime call each.
const idFields = asyncWrap?.async_id_fields;
const kExecutionAsyncId = asyncWrap?.constants.kExecutionAsyncId;
const kTriggerAsyncId = asyncWrap?.constants.kTriggerAsyncId;
const inPlace =
  idFields instanceof Float64Array && typeof kExecutionAsyncId === 'number' && typeof kTriggerAsyncId === 'number';

/**
 * Replaces the top frame (the running fiber's own resource) with `resource`'s:
 * a fiber handing control straight to another fiber gives it its own async
 * context without going back to whoever pushed the first one.
 */
export function replaceTop(resource: { asyncId(): number; triggerAsyncId(): number }): void {
  const top = fields[kStackLength] - 1;
  if (inPlace && top >= 0) {
    idFields![kExecutionAsyncId!] = resource.asyncId();
    idFields![kTriggerAsyncId!] = resource.triggerAsyncId();
    asyncWrap!.execution_async_resources[top] = resource as object;
    return;
  }
  asyncWrap!.popAsyncContext(executionAsyncId());
  push(resource.asyncId(), resource.triggerAsyncId(), resource as object);
}
