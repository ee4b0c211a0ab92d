// Future: the old `fibers/future` API over fibernet's Fiber.
//
// Legacy code leans on the quirks of the old implementation as much as on its
// documented API: error messages are matched, the `_` property of a wrapped
// call is read, wrapped objects keep their prototype chain, futures are
// subclassed the ES5 way (`Future.call(this)` + util.inherits). So Future is a
// plain constructor function, not a class, and each behaviour below follows
// fibers@5.0.3 unless a comment says otherwise.
import { Fiber } from './fiber';
import { getHub } from './hub';

/** Node-style callback handed to resolve(cb). */
export type FutureCallback<T> = (err: any, value?: T) => void;

/** Anything resolve(target, cb) and proxyErrors() may throw errors into. */
export interface Throwable {
  throw(err: unknown): void;
}

type Listener<T> = [FutureCallback<T> | Throwable, ((value: T) => void) | undefined];

export interface Future<T = any> {
  /** Returns the value, or throws the error (its stack linked to the caller's); throws if unresolved. */
  get(): T;
  /** Resolves with `value`; runs pending callbacks now. */
  return(value?: T): void;
  /** Resolves with `error` (must be truthy); runs pending callbacks now. */
  throw(error: unknown): void;
  /** Runs `cb(err, value)` once resolved (now, if it already is). */
  resolve(cb: FutureCallback<T>): this;
  /** Once resolved: `onValue(value)`, or `target.throw(err)` on error. */
  resolve(target: Throwable, onValue: (value: T) => void): this;
  /** Runs `cb(value)` once resolved with a value; errors are ignored. */
  resolveSuccess(cb: (value: T) => void): this;
  /** A node-style `(err, value)` callback that resolves this future. */
  resolver(): (err?: unknown, value?: T) => void;
  /** True once return() or throw() was called. */
  isResolved(): boolean;
  /** Forwards this future's outcome (value or error) to `target`. */
  proxy(target: Throwable & { return(value?: T): void }): void;
  /** Forwards only this future's error to `targets` (one or an array). */
  proxyErrors(targets: Throwable | Throwable[]): this;
  /** A Promise settled with this future's outcome. */
  promise(): Promise<T>;
  /** Raises this future's error, if it gets one, as an uncaught exception. */
  detach(): void;
  /** Parks the current fiber until resolved, then behaves like get(). */
  wait(): T;

  // State, public in the old package and read by legacy code; each is absent
  // until set, as it was there.
  resolved?: boolean;
  value?: T;
  error?: unknown;
  callbacks?: Listener<T>[];
  /** What the wrapped function returned, for futures made by Future.wrap(). */
  _?: unknown;
}

/** The future-returning methods Future.wrap(obj) adds: `<name><suffix>` (default `<name>Future`) per method. */
export type FutureMethods<O, S extends string = 'Future'> = {
  [K in keyof O as O[K] extends (...args: any[]) => any ? `${K & string}${S}` : never]: (...args: any[]) => Future<unknown>;
};

/** A function turned into a future-returning one by Future.wrap(fn). */
export type WrappedFunction = ((...args: any[]) => Future) & { [name: string]: any };

export interface FutureConstructor {
  new <T = any>(): Future<T>;
  readonly prototype: Future;
  /** Runs `fn` in a new fiber on the next tick; the future gets its outcome. */
  task<T>(fn: () => T): Future<T>;
  /** Runs each function in its own fiber; the future gets the array of results or an error. */
  task(...fns: Array<() => unknown>): Future<unknown[]>;
  /** Wraps a callback-last function so it returns a Future instead. */
  wrap(fn: (...args: any[]) => any, multi?: boolean, suffix?: string, stop?: boolean): WrappedFunction;
  /** Returns an object inheriting from `obj` with a future-returning `<name><suffix>` per method. */
  wrap<O extends object, S extends string = 'Future'>(obj: O, multi?: boolean, suffix?: S, stop?: boolean): O & FutureMethods<O, S>;
  wrap(value: unknown, multi?: boolean, suffix?: string, stop?: boolean): any;
  /** Parks the current fiber until every given future (or array of futures) is resolved. */
  wait(...futures: Array<Future | Future[]>): void;
  /** A Future resolved by `promise`. */
  fromPromise<T>(promise: PromiseLike<T>): Future<T>;
}

declare global {
  interface Function {
    /** Returns a function that runs this one in a new fiber and returns a Future of its outcome. */
    future(detach?: boolean): (...args: any[]) => Future;
  }
}

/** A call that runs in its own fiber on the next tick, unless a waiter runs it first. */
interface FiberFuture<T = any> extends Future<T> {
  fn: (...args: any[]) => T;
  context: unknown;
  args: ArrayLike<unknown>;
  started: boolean;
}

const RESOLVED_TWICE = 'Future resolved more than once';

function rethrowLater(err: unknown): void {
  // A listener's failure must not stop the other listeners or leak into
  // whoever resolved the future, so it surfaces as an uncaught exception.
  process.nextTick(() => {
    throw err;
  });
}

function notFuture(arg: unknown): Error {
  let text: string;
  try {
    // `+` (not String()) so valueOf-first conversion matches the old message.
    text = (arg as string) + '';
  } catch {
    text = Object.prototype.toString.call(arg);
  }
  return new Error(text + ' is not a future');
}

/**
 * Makes `error.stack` read as: its first line, the frames of whoever is
 * getting the value, a `- - - - -` separator, then the frames where the error
 * was made. The original stack stays readable as `error.futureStack`.
 * The old package only did this when V8 exposed `stack` as an accessor, which
 * stopped being true long before Node 14; here a plain string stack is linked
 * as well, so waiting code shows up in traces again.
 */
function linkStacks(error: unknown, getter: Function): void {
  if ((typeof error !== 'object' || error === null) && typeof error !== 'function') return;
  const err = error as object;
  let original = Object.getOwnPropertyDescriptor(err, 'futureStack');
  if (original === undefined) {
    original = Object.getOwnPropertyDescriptor(err, 'stack');
    if (original === undefined || !Object.isExtensible(err)) return;
    Object.defineProperty(err, 'futureStack', original);
  }
  const current = Object.getOwnPropertyDescriptor(err, 'stack');
  if (current !== undefined && !current.configurable) return;
  const source = original;
  const read = (): unknown => (source.get !== undefined ? source.get.call(err) : source.value);
  if (source.get === undefined && typeof source.value !== 'string') return;

  const local: { stack?: string } = {};
  Error.captureStackTrace(local, getter);
  Object.defineProperty(err, 'stack', {
    get(): string | undefined {
      const stack = read();
      if (!stack) return local.stack;
      const lines = String(stack).split('\n');
      return [lines[0]]
        .concat((local.stack ?? '').split('\n').slice(1))
        .concat('    - - - - -')
        .concat(lines.slice(1))
        .join('\n');
    },
    set(stack: unknown): void {
      Object.defineProperty(err, 'stack', { value: stack, configurable: true, enumerable: false, writable: true });
    },
    configurable: true,
    enumerable: false,
  });
}

function settle<T>(future: Future<T>, isError: boolean, outcome: unknown): void {
  const listeners = future.callbacks;
  if (listeners === undefined) return;
  delete future.callbacks;
  for (const [first, onValue] of listeners) {
    try {
      if (onValue !== undefined) {
        if (isError) (first as Throwable).throw(outcome);
        else onValue(outcome as T);
      } else if (isError) {
        (first as FutureCallback<T>)(outcome);
      } else {
        (first as FutureCallback<T>)(undefined, outcome as T);
      }
    } catch (err) {
      rethrowLater(err);
    }
  }
}

const FutureImpl = function Future(this: Future) {
  // Nothing to set up: state appears on first use, as in the old package, so
  // ES5 subclasses may call Future.call(this) or skip it.
} as unknown as FutureConstructor;

const proto: Future & ThisType<Future> = {
  get(this: Future): unknown {
    if (!this.resolved) throw new Error('Future must resolve before value is ready');
    if (this.error) {
      linkStacks(this.error, proto.get);
      throw this.error;
    }
    return this.value;
  },

  return(this: Future, value?: unknown): void {
    if (this.resolved) throw new Error(RESOLVED_TWICE);
    this.value = value;
    this.resolved = true;
    settle(this, false, value);
  },

  throw(this: Future, error: unknown): void {
    if (this.resolved) throw new Error(RESOLVED_TWICE);
    // A falsy error could not be told apart from success by (err, value) callbacks.
    if (!error) throw new Error('Must throw non-empty error');
    this.error = error;
    this.resolved = true;
    settle(this, true, error);
  },

  detach(this: Future): void {
    this.resolve((err: unknown) => {
      if (err) throw err;
    });
  },

  isResolved(this: Future): boolean {
    return this.resolved === true;
  },

  resolver(this: Future): (err?: unknown, value?: unknown) => void {
    return (err?: unknown, value?: unknown): void => {
      if (err) this.throw(err);
      else this.return(value);
    };
  },

  resolve: function resolve(this: Future, first: FutureCallback<unknown> | Throwable, onValue?: (value: unknown) => void): Future {
    if (!this.resolved) {
      (this.callbacks ??= []).push([first, onValue]);
    } else if (onValue) {
      if (this.error) (first as Throwable).throw(this.error);
      else onValue(this.value);
    } else {
      (first as FutureCallback<unknown>)(this.error, this.value);
    }
    return this;
  } as Future['resolve'],

  resolveSuccess(this: Future, cb: (value: unknown) => void): Future {
    this.resolve((err: unknown, value?: unknown) => {
      if (!err) cb(value);
    });
    return this;
  },

  proxy(this: Future, target: Throwable & { return(value?: unknown): void }): void {
    this.resolve((err: unknown, value?: unknown) => {
      if (err) target.throw(err);
      else target.return(value);
    });
  },

  proxyErrors(this: Future, targets: Throwable | Throwable[]): Future {
    this.resolve((err: unknown) => {
      if (!err) return;
      if (targets instanceof Array) {
        for (const target of targets) target.throw(err);
      } else {
        targets.throw(err);
      }
    });
    return this;
  },

  promise(this: Future): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.resolve((err: unknown, value?: unknown) => {
        if (err) reject(err);
        else resolve(value);
      });
    });
  },

  wait(this: Future): unknown {
    if (this.isResolved()) return this.get();
    FutureImpl.wait(this);
    return this.get();
  },
};

// Methods stay enumerable, as they were on the old object-literal prototype;
// `constructor` is restored (the old one lost it) but kept out of for-in.
(FutureImpl as { prototype: Future }).prototype = proto;
Object.defineProperty(proto, 'constructor', { value: FutureImpl, writable: true, configurable: true, enumerable: false });

const FiberFutureImpl = function FiberFuture(
  this: FiberFuture,
  fn: (...args: any[]) => unknown,
  context: unknown,
  args: ArrayLike<unknown>,
) {
  this.fn = fn;
  this.context = context;
  this.args = args;
  this.started = false;
  // Deferred so a caller that waits right away can run it in its own fiber
  // instead (see Future.wait), saving a fiber.
  process.nextTick(() => {
    if (this.started) return;
    this.started = true;
    Fiber(() => {
      try {
        this.return(fn.apply(context, args as unknown[]));
      } catch (err) {
        this.throw(err);
      }
    }).run();
  });
} as unknown as new (fn: (...args: any[]) => unknown, context: unknown, args: ArrayLike<unknown>) => FiberFuture;

FiberFutureImpl.prototype = Object.create(proto, {
  constructor: { value: FiberFutureImpl, writable: true, configurable: true, enumerable: false },
});

function isFiberFuture(value: unknown): value is FiberFuture {
  return value instanceof FiberFutureImpl;
}

function futureFunction(fn: (...args: any[]) => unknown, detach: boolean | undefined): (...args: any[]) => Future {
  const ret = function (this: unknown): Future {
    const future = new FiberFutureImpl(fn, this, arguments);
    if (detach) future.detach();
    return future;
  };
  ret.toString = (): string => '<<Future ' + String(fn) + '.future()>>';
  return ret;
}

// Installed on load, as `require('fibers/future')` did. Unlike the old plain
// assignment it is not enumerable, so for-in over functions (Future.wrap's
// own loop included) does not pick it up.
Object.defineProperty(Function.prototype, 'future', {
  value: function future(this: (...args: any[]) => unknown, detach?: boolean) {
    return futureFunction(this, detach);
  },
  writable: true,
  configurable: true,
  enumerable: false,
});

function task(...fns: Array<() => unknown>): Future {
  // The old code called fn.future() up front, so a non-function failed here, not later.
  for (const fn of fns) {
    if (typeof fn !== 'function') throw new TypeError(`Future.task expects functions, got ${typeof fn}`);
  }
  if (fns.length === 1) return new FiberFutureImpl(fns[0], undefined, []);
  // With no functions nothing ever settles it; the old package behaved the same.
  const all = new FutureImpl<unknown[]>();
  const values = new Array<unknown>(fns.length);
  let pending = fns.length;
  let error: unknown;
  fns.forEach((fn, index) => {
    new FiberFutureImpl(fn, undefined, []).resolve((err: unknown, value?: unknown) => {
      if (err) error = err;
      values[index] = value;
      if (--pending === 0) {
        if (error) all.throw(error);
        else all.return(values);
      }
    });
  });
  return all;
}

function wrapFunction(fn: (...args: any[]) => unknown, multi: unknown, suffix: string | undefined, stop: unknown): WrappedFunction {
  const wrapped = function (this: unknown, ...args: unknown[]): Future {
    const future = new FutureImpl();
    if (multi) {
      const resolve = future.resolver();
      args.push((err: unknown, ...values: unknown[]) => resolve(err, values));
    } else {
      args.push(future.resolver());
    }
    future._ = fn.apply(this, args);
    return future;
  };
  if (!stop) {
    // Function-valued modules (e.g. `request`) carry methods as properties:
    // the wrapper inherits them and gets `<name><suffix>` versions too.
    const base = Object.create(fn) as Record<string, unknown>;
    for (const key in fn) {
      if (Object.prototype.hasOwnProperty.call(fn, key) && (fn as unknown as Record<string, unknown>)[key] instanceof Function) {
        base[key] = base[key];
      }
    }
    Object.setPrototypeOf(wrapped, wrap(base, multi, suffix, true));
  }
  return wrapped as unknown as WrappedFunction;
}

function wrap(value: unknown, multi?: unknown, suffix?: string, stop?: unknown): any {
  if (typeof value === 'object') {
    const source = value as Record<string, unknown> | null;
    const wrapped = Object.create(source) as Record<string, unknown>;
    for (const key in source) {
      const member = wrapped[key];
      if (member instanceof Function) {
        wrapped[suffix === undefined ? key + 'Future' : key + suffix] = wrap(member, multi, suffix, stop);
      }
    }
    return wrapped;
  }
  if (typeof value === 'function') return wrapFunction(value as (...args: any[]) => unknown, multi, suffix, stop);
  return undefined;
}

function waitAll(...args: Array<unknown>): void {
  // Everything is checked before anything is touched, so a bad argument or a
  // missing fiber leaves the futures as they were.
  const futures: Future[] = [];
  let inline: FiberFuture | undefined;
  const take = (candidate: Future): void => {
    if (candidate.isResolved()) return;
    // One not-yet-started task can run right here in the waiting fiber.
    if (inline === undefined && isFiberFuture(candidate) && !candidate.started) {
      inline = candidate;
      return;
    }
    futures.push(candidate);
  };
  for (const arg of args) {
    if (arg instanceof FutureImpl) {
      take(arg);
    } else if (arg instanceof Array) {
      for (const item of arg) {
        if (!(item instanceof FutureImpl)) throw notFuture(item);
        take(item);
      }
    } else {
      throw notFuture(arg);
    }
  }

  const fiber = Fiber.current;
  if (!fiber) throw new Error("Can't wait without a fiber");

  let pending = futures.length + (inline ? 1 : 0);
  // Set while parked: a park a Timeout or kill() ended is not resumed again.
  let parked = false;
  const onResolved = (): void => {
    if (!--pending && parked) fiber.run();
  };
  for (const future of futures) future.resolve(onResolved);

  if (inline) {
    const own = inline;
    own.started = true;
    try {
      own.return(own.fn.apply(own.context, own.args as unknown[]));
    } catch (err) {
      own.throw(err);
    }
    --pending;
  }

  // Parks once: whoever resumes the fiber early gets a not-yet-resolved
  // future from get(), exactly as before; a kill() or Timeout ends the park
  // with its error.
  if (pending) {
    parked = true;
    try {
      getHub().parkYield();
    } finally {
      parked = false;
    }
  }
}

function fromPromise<T>(promise: PromiseLike<T>): Future<T> {
  const future = new FutureImpl<T>();
  promise.then(
    (value) => future.return(value),
    (err) => future.throw(err),
  );
  return future;
}

Object.defineProperties(FutureImpl, {
  task: { value: task, writable: true, configurable: true, enumerable: true },
  wrap: { value: wrap, writable: true, configurable: true, enumerable: true },
  wait: { value: waitAll, writable: true, configurable: true, enumerable: true },
  fromPromise: { value: fromPromise, writable: true, configurable: true, enumerable: true },
});

export const Future = FutureImpl;
