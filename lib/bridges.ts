// Bridges between blocking fibers and Node's promise and callback APIs.
import { invalidArgType } from './args';
import { checkTimeout, getHub } from './hub';

export interface WaitForOptions {
  /** Milliseconds to wait before throwing TimeoutError; null/undefined waits forever. */
  timeout?: number | null;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * Parks the calling fiber (or the root at top level) until `promise` settles;
 * returns its value or throws its reason. A value that is not a thenable is
 * returned as is. TimeoutError if `timeout` passes first.
 */
export function waitFor<T>(promise: PromiseLike<T> | T, options?: WaitForOptions): T {
  if (options !== undefined && (options === null || typeof options !== 'object')) throw invalidArgType('options', 'of type object', options);
  const timeout = checkTimeout(options?.timeout, 'options.timeout');
  let active = true;
  return getHub().wait<T>(
    {
      start(w) {
        if (!isThenable(promise)) {
          w.switch(promise as T);
          return;
        }
        Promise.resolve(promise).then(
          (v) => {
            if (active) w.switch(v);
          },
          (e) => {
            if (active) w.throw(e);
          },
        );
      },
      stop() {
        active = false;
      },
      describeWait: () => ({ kind: 'promise', detail: 'waitFor(): a promise to settle' }),
    },
    { timeout },
  );
}

type Callback<R> = (err: unknown, result?: R, ...rest: unknown[]) => void;

/**
 * Turns a callback-last function (`fn(...args, (err, result) => ...)`) into a
 * blocking one that returns `result` or throws `err` (like Future.wrap).
 * `this` is passed through, so methods work: `sock.recvAll = blocking(fn)`.
 */
export function blocking<A extends unknown[], R>(fn: (...args: [...A, Callback<R>]) => unknown): (...args: A) => R {
  if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn);
  const wrapped = function (this: unknown, ...args: A): R {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    let active = true;
    return getHub().wait<R>({
      start(w) {
        fn.call(self, ...args, (err: unknown, result?: R) => {
          if (!active) return;
          if (err !== null && err !== undefined) w.throw(err);
          else w.switch(result as R);
        });
      },
      stop() {
        active = false;
      },
      describeWait: () => ({ kind: 'callback', detail: `blocking(${fn.name || 'anonymous'}): its callback` }),
    });
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true });
  return wrapped;
}
