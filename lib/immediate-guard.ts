// setImmediate callbacks that throw while the root runs loop turns.
//
// Node's immediate phase (CheckImmediate in its env.cc) asserts that its
// JavaScript half returned. It forgives a throw only when no callback scope
// is open below it, which holds in Node's own loop but not in the root's
// nested turns: the script's top level is one open scope. An immediate that
// throws there would abort the process after 'uncaughtException' ran. So,
// while the root is inside a loop turn, each immediate callback is called
// through loop.callReportingErrors: its error goes to Node's
// uncaught-exception handling, as in Node's own loop, and the phase goes on.
//
// The callback is kept behind an accessor on Immediate.prototype, so that
// immediates made before the root blocks are guarded too; outside the
// root's turns the getter hands back the callback itself.
import { loop } from './loop';

/** The class of setImmediate's handles (Node does not export it). */
export const Immediate = (() => {
  const handle = setImmediate(() => {});
  clearImmediate(handle);
  return handle.constructor as new () => unknown;
})();

const kCallback = Symbol('fibernet.onImmediate');
type Handle = { [kCallback]?: unknown };

let guarded: () => boolean = () => false;

/** From now on, immediate callbacks run while `active()` holds report their errors as uncaught exceptions. */
export function guardImmediates(active: () => boolean): void {
  guarded = active;
}

Object.defineProperty(Immediate.prototype, '_onImmediate', {
  configurable: true,
  enumerable: false,
  get(this: Handle): unknown {
    const cb = this[kCallback];
    if (typeof cb !== 'function' || !guarded()) return cb;
    return function (this: unknown, ...args: unknown[]): void {
      loop.callReportingErrors(() => (cb as (...a: unknown[]) => unknown).apply(this, args));
    };
  },
  set(this: Handle, cb: unknown): void {
    this[kCallback] = cb;
  },
});
