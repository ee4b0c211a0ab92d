// The Fiber class: the old `fibers` package's API over fibernet's native core.
//
// Semantics follow the old package exactly (messages included, since code
// matches on them): Fiber(fn) with or without `new`; run(v) starts or resumes
// and returns what the fiber yields or returns; Fiber.yield(v) returns what the
// next run() passes in; throwInto(err); reset(); started; Fiber.current;
// Fiber.poolSize; Fiber.fibersCreated. A finished fiber may be run again from
// the start.
//
// What a switch carries lives here, in the fiber's state record: the native
// core only moves control. The state record never points back at the Fiber
// object, so a parked fiber whose Fiber object is dropped can be found by the
// FinalizationRegistry and unwound.
import { AsyncResource, executionAsyncId } from 'async_hooks';
import { binding, FiberHandle, type StackFrameInfo } from './binding';
import * as asyncStack from './async-stack';
import { FiberExit } from './errors';

interface FiberState {
  fn: (value?: unknown) => unknown;
  stackSize: number;
  handle: FiberHandle | null;
  /** The async resource every stretch of this fiber runs inside. */
  resource: AsyncResource;
  started: boolean;
  /** Parked in Fiber.yield(), waiting for run()/throwInto()/reset(). */
  yielding: boolean;
  /** The value crossing the current switch, in either direction. */
  value: unknown;
  isError: boolean;
  /** Set while reset() or the collector unwinds the fiber. */
  zombie: Error | null;
  /** Zombie errors thrown into it during the current unwinding. */
  zombieThrows: number;
  /** How many zombie errors the current unwinding throws before it gives up. */
  zombieLimit: number;
  /** Async-stack depth where the current stretch began. */
  asyncBase: number;
  /** Frames lifted off the async stack while parked. */
  lifted: asyncStack.AsyncFrame[] | null;
  /** Registered with `orphans` (only while parked: registrations are not free). */
  watched: boolean;
  /** An error escaping fn is an uncaught exception (the runner's main fiber). */
  reportUncaught: boolean;
  /** Resumed (directly or through a hand-over) by the isolate's own thread. */
  rootResumed: boolean;
  /**
   * What runs on this fiber, for dumpFibers() and the monitor (native/monitor.cc
   * reads it): the Greenlet, or for a plain Fiber that blocked on the Hub a
   * WeakRef to its Party (a strong one would keep a dropped parked fiber alive).
   */
  owner: unknown;
}

export interface FiberOptions {
  /** JavaScript stack budget of this fiber in bytes (default Fiber.stackSize). */
  stackSize?: number;
}

const kState = Symbol('fibernet.fiberState');

const DEFAULT_STACK_SIZE = 1024 * 1024;
const MIN_STACK_SIZE = 64 * 1024;
const MAX_STACK_SIZE = 1024 * 1024 * 1024;
let defaultStackSize = DEFAULT_STACK_SIZE;

/** The running fiber, and its state (kept apart so parked frames never hold the Fiber). */
let current: Fiber | undefined;
let currentState: FiberState | undefined;
/** The resource the isolate's thread entered to resume the first fiber of the current hand-over chain. */
let chainResource: AsyncResource | null = null;

/** What a parking fiber may hand control to instead of its resumer (see setHandOver). */
export interface HandOver {
  fiber: Fiber;
  value: unknown;
}
let handOver: (() => HandOver | null) | null = null;

/** @internal Whether `fiber` is parked in Fiber.yield(), so it can be handed control. */
export function isParked(fiber: Fiber): boolean {
  const s = stateOf(fiber);
  return s.started && s.yielding && s.handle !== null && fiber !== current;
}

/**
 * @internal Lets the Hub name, when a fiber it resumed parks, another parked
 * fiber (see isParked) to run next with `value`: control passes straight to it instead of
 * going back to the Hub and out again (one thread switch instead of two).
 */
export function setHandOver(next: (() => HandOver | null) | null): void {
  handOver = next;
}

export interface Fiber {
  /** Starts the fiber (passing `value` to its function) or resumes it (Fiber.yield returns `value`). */
  run(value?: unknown): unknown;
  /** Resumes a parked fiber by throwing `err` out of its Fiber.yield(). */
  throwInto(err?: unknown): unknown;
  /** Unwinds a parked fiber: its finally blocks run; returns what it returns. */
  reset(): unknown;
  /** True from the first run() until the fiber's function returns or throws. */
  readonly started: boolean;
}

export interface FiberConstructor {
  new (fn: (value?: any) => unknown, options?: FiberOptions): Fiber;
  (fn: (value?: any) => unknown, options?: FiberOptions): Fiber;
  readonly prototype: Fiber;
  /** Parks the running fiber; run() returns `value`; returns what the next run() passes. */
  yield(value?: unknown): any;
  /** The running fiber, or undefined outside any fiber. */
  readonly current: Fiber | undefined;
  /** Idle stacks (or threads, on the threads backend) kept for reuse by new fibers (default 120). */
  poolSize: number;
  /** Fiber stacks (or threads) created so far (a fiber reusing a pooled one does not count). */
  readonly fibersCreated: number;
  /** Default JavaScript stack budget of new fibers, in bytes (default 1 MiB). */
  stackSize: number;
}

function stateOf(fiber: unknown): FiberState {
  const s = fiber !== null && typeof fiber === 'object' ? (fiber as { [kState]?: FiberState })[kState] : undefined;
  if (s === undefined) throw new TypeError('Illegal invocation: not a Fiber');
  return s;
}

function checkStackSize(size: unknown): number {
  if (typeof size !== 'number' || !Number.isFinite(size)) {
    throw new TypeError(`stackSize must be a number of bytes, got ${typeof size}`);
  }
  if (size < MIN_STACK_SIZE) throw new RangeError(`stackSize must be at least ${MIN_STACK_SIZE} bytes, got ${size}`);
  if (size > MAX_STACK_SIZE) throw new RangeError(`stackSize must be at most ${MAX_STACK_SIZE} bytes (1 GiB), got ${size}`);
  return Math.floor(size);
}

/** A stand-in Fiber for a state whose Fiber object is gone (Fiber.current while it unwinds). */
function holderOf(s: FiberState): Fiber {
  const holder = Object.create(FiberImpl.prototype) as Fiber;
  Object.defineProperty(holder, kState, { value: s });
  return holder;
}

// Dropped parked fibers are unwound once the collector reports them, on the
// thread that owns the isolate, outside the collector.
const orphans = new FinalizationRegistry<FiberState>((s) => {
  if (!s.started || !s.yielding) return;
  const outcome = unwind(holderOf(s), s);
  if (outcome.isError) {
    // Nobody is left to receive this error: raise it the way an uncaught
    // exception is raised, so process handlers see it.
    process.nextTick(() => {
      throw outcome.value;
    });
  }
});

// At exit, parked fibers are unwound so their finally blocks run (a process
// that exits with process.exit() from a fiber unwinds all but the fibers on
// the running chain). Whatever escapes has nobody to go to and is printed.
process.on('exit', () => {
  // The native core lists the fibers started and not finished (parked, or up
  // the running chain).
  for (const s of binding.liveStates(fiberEntry) as FiberState[]) {
    if (!s.started || !s.yielding) continue;
    const outcome = unwind(holderOf(s), s, EXIT_ZOMBIE_THROWS);
    if (outcome.isError) {
      const err = outcome.value as { stack?: string } | undefined;
      process.stderr.write(`fibernet: a fiber unwound at exit threw: ${err?.stack ?? String(outcome.value)}\n`);
    }
  }
});

/** Where every fiber starts: the native core calls it on the fiber's own stack with its state. */
function fiberEntry(s: FiberState): void {
  s.asyncBase = asyncStack.depth();
  if (s.reportUncaught) {
    // No catch: an error escaping the script must reach Node untouched (a
    // rethrow would move the throw site Node prints).
    let returned = false;
    try {
      s.value = s.fn.call(globalThis, s.value);
      s.isError = false;
      returned = true;
    } finally {
      const unwoundAtExit = !returned && s.zombie !== null;
      finishState(s);
      if (unwoundAtExit) {
        // The runner's main fiber, parked while another fiber called
        // process.exit(), was unwound: the process is ending, nothing was
        // uncaught, and the 'exit' listeners after fibernet's must still run.
        // (An error its own finally blocks throw while unwinding ends here too.)
        s.value = undefined;
        s.isError = false;
        return;
      }
    }
    return;
  }
  let value: unknown;
  let isError = false;
  try {
    value = s.fn.call(globalThis, s.value);
  } catch (err) {
    value = err;
    isError = true;
  }
  s.value = value;
  s.isError = isError;
  finishState(s);
}

/** Bookkeeping when a fiber's function ended, whoever resumed it last. */
function finishState(s: FiberState): void {
  s.started = false;
  s.yielding = false;
  s.zombie = null;
  if (s.watched) {
    orphans.unregister(s);
    s.watched = false;
  }
  // Ending a hand-over chain: give the isolate's thread back the async
  // frame it entered.
  if (s.rootResumed && chainResource !== null && chainResource !== s.resource && asyncStack.canLift) {
    asyncStack.replaceTop(chainResource);
  }
}

/** Resumes the fiber whose handle is `this` (passed as runInAsyncScope's thisArg: no arguments to spread). */
function resumeNative(this: FiberHandle): void {
  binding.resume(this);
}

/** Moves control into `fiber` until it yields or finishes; returns its outcome. */
function switchInto(fiber: Fiber, s: FiberState): void {
  const prev = current;
  const prevState = currentState;
  const prevChain = chainResource;
  current = fiber;
  currentState = s;
  s.rootResumed = prev === undefined;
  if (s.rootResumed) chainResource = s.resource;
  try {
    s.resource.runInAsyncScope(resumeNative, s.handle!);
  } finally {
    current = prev;
    currentState = prevState;
    chainResource = prevChain;
  }
  if (s.started && !s.watched) {
    // Parked fibers are watched for their Fiber object being dropped
    // (finishState undoes it).
    orphans.register(fiber as object, s, s);
    s.watched = true;
  }
}

function takeResult(s: FiberState): unknown {
  const value = s.value;
  s.value = undefined;
  if (s.isError) {
    s.isError = false;
    throw value;
  }
  return value;
}

function start(fiber: Fiber, s: FiberState, value: unknown): void {
  if (s.handle === null) s.handle = binding.create(s.stackSize, s.reportUncaught, s, fiberEntry);
  s.started = true;
  s.value = value;
  s.isError = false;
  try {
    switchInto(fiber, s);
  } catch (err) {
    // The native core could not start it (thread limit): it never ran.
    if (s.started && !s.yielding) s.started = false;
    throw err;
  }
}

/**
 * Throws a zombie error into a parked fiber until it finishes; returns its
 * outcome. The zombie error is a FiberExit (message as in the old package),
 * so a greenlet unwound this way ends quietly, as a killed one does.
 */
function unwind(fiber: Fiber, s: FiberState, limit = Infinity): { value: unknown; isError: boolean } {
  const zombie = new FiberExit('This Fiber is a zombie');
  s.zombie = zombie;
  s.zombieThrows = 0;
  s.zombieLimit = limit;
  s.value = zombie;
  s.isError = true;
  switchInto(fiber, s);
  const outcome = { value: s.value, isError: s.isError };
  s.value = undefined;
  s.isError = false;
  s.zombie = null;
  if (s.started && s.yielding) {
    process.stderr.write(
      `fibernet: a fiber caught its unwinding FiberExit ${limit} times and parked again; it is left parked (its finally blocks may not have run)\n`,
    );
    return { value: undefined, isError: false };
  }
  if (outcome.isError && outcome.value === zombie) return { value: undefined, isError: false };
  return outcome;
}

/** How many times unwinding at exit throws into a fiber that keeps catching it and parking again. */
const EXIT_ZOMBIE_THROWS = 10_000;

const FiberImpl = function Fiber(this: Fiber | undefined, fn: unknown, options?: FiberOptions): Fiber {
  const argc = arguments.length;
  if (argc !== 1 && !(argc === 2 && options !== null && typeof options === 'object')) {
    throw new TypeError('Fiber expects 1 argument');
  }
  if (typeof fn !== 'function') throw new TypeError('Fiber expects a function');
  if (!new.target) {
    const Ctor = FiberImpl as unknown as FiberConstructor;
    return argc === 1 ? new Ctor(fn as () => unknown) : new Ctor(fn as () => unknown, options);
  }
  const stackSize = options?.stackSize === undefined ? defaultStackSize : checkStackSize(options.stackSize);
  const state: FiberState = {
    fn: fn as (value?: unknown) => unknown,
    stackSize,
    handle: null,
    // Created here, so the fiber starts with the async context of its creator.
    resource: new AsyncResource('FIBER'),
    started: false,
    yielding: false,
    value: undefined,
    isError: false,
    zombie: null,
    zombieThrows: 0,
    zombieLimit: Infinity,
    asyncBase: 0,
    lifted: null,
    watched: false,
    reportUncaught: false,
    rootResumed: false,
    owner: undefined,
  };
  // A plain symbol-keyed field: defineProperty here costs more than the rest of a fiber's creation.
  (this as unknown as { [kState]: FiberState })[kState] = state;
  return this as Fiber;
} as unknown as FiberConstructor;

Object.defineProperties(FiberImpl.prototype, {
  run: {
    writable: true,
    configurable: true,
    value: function run(this: Fiber, value?: unknown): unknown {
      const s = stateOf(this);
      if (s.started && !s.yielding) throw new Error('This Fiber is already running');
      if (arguments.length > 1) throw new TypeError('run() excepts 1 or no arguments');
      if (!s.started) {
        start(this, s, value);
      } else {
        s.value = value;
        s.isError = false;
        switchInto(this, s);
      }
      return takeResult(s);
    },
  },
  throwInto: {
    writable: true,
    configurable: true,
    value: function throwInto(this: Fiber, err?: unknown): unknown {
      const s = stateOf(this);
      if (!s.yielding) throw new Error('This Fiber is not yielding');
      if (arguments.length > 1) throw new TypeError('throwInto() expects 1 or no arguments');
      s.value = err;
      s.isError = true;
      switchInto(this, s);
      return takeResult(s);
    },
  },
  reset: {
    writable: true,
    configurable: true,
    value: function reset(this: Fiber): unknown {
      const s = stateOf(this);
      if (!s.started) return undefined;
      if (!s.yielding) throw new Error('This Fiber is not yielding');
      if (arguments.length) throw new TypeError('reset() expects no arguments');
      const outcome = unwind(this, s);
      if (outcome.isError) throw outcome.value;
      return outcome.value;
    },
  },
  started: {
    configurable: true,
    get(this: Fiber): boolean | undefined {
      const s = this !== null && typeof this === 'object' ? (this as { [kState]?: FiberState })[kState] : undefined;
      return s === undefined ? undefined : s.started;
    },
  },
});

/**
 * Sets up the hand-over from the parking fiber `s` to the next fiber the Hub
 * names, if any; returns that fiber's handle (the Fiber itself must not stay
 * in the parked frame), or undefined to go back to the resumer.
 */
function prepareHandOver(s: FiberState): FiberHandle | undefined {
  const next = handOver !== null && asyncStack.canLift ? handOver() : null;
  if (next !== null) {
    const ns = stateOf(next.fiber);
    ns.value = next.value;
    ns.isError = false;
    ns.rootResumed = true;
    asyncStack.replaceTop(ns.resource);
    current = next.fiber;
    currentState = ns;
    return ns.handle!;
  }
  if (chainResource !== null && chainResource !== s.resource && asyncStack.canLift) {
    asyncStack.replaceTop(chainResource);
  }
  return undefined;
}

function fiberYield(value?: unknown): unknown {
  // Only the state record may live in this frame while parked: holding the
  // Fiber object here would keep a dropped fiber reachable forever.
  const s = currentState;
  if (s === undefined) throw new Error('yield() called with no fiber running');
  if (s.zombie !== null) {
    // Being unwound: every park throws the zombie error (reset() does so
    // until the fiber ends, as the old package did); at exit a fiber that
    // catches it and parks again each time would spin for ever, so past
    // s.zombieLimit it is left parked (unwind() says so).
    if (s.zombieThrows++ < s.zombieLimit) throw s.zombie;
  }
  if (arguments.length > 1) throw new TypeError('yield() expects 1 or no arguments');
  s.value = value;
  s.isError = false;
  s.yielding = true;
  if (asyncStack.canLift) {
    s.lifted = asyncStack.lift(s.asyncBase);
  } else if (executionAsyncId() !== s.resource.asyncId()) {
    s.yielding = false;
    throw new Error(
      'Fiber.yield() inside an AsyncResource scope (runInAsyncScope or a bound function) cannot switch ' +
        'on this Node: its async-context stack cannot be saved; leave the scope before blocking',
    );
  }
  binding.suspend(s.rootResumed ? prepareHandOver(s) : undefined);
  // Resumed inside this fiber's resource again; the stretch begins here.
  s.asyncBase = asyncStack.depth();
  if (s.lifted !== null) {
    asyncStack.restore(s.lifted);
    s.lifted = null;
  }
  s.yielding = false;
  return takeResult(s);
}

Object.defineProperties(FiberImpl, {
  yield: { writable: true, configurable: true, value: fiberYield },
  current: {
    configurable: true,
    get: () => current,
  },
  poolSize: {
    configurable: true,
    get: () => binding.stats().poolSize,
    set: (n: unknown) => {
      if (typeof n !== 'number' || !(n >= 0)) throw new TypeError(`poolSize must be a non-negative number, got ${String(n)}`);
      binding.setPoolSize(Math.floor(n));
    },
  },
  fibersCreated: {
    configurable: true,
    get: () => binding.stats().created,
  },
  stackSize: {
    configurable: true,
    get: () => defaultStackSize,
    set: (n: unknown) => {
      defaultStackSize = checkStackSize(n);
    },
  },
});

export const Fiber = FiberImpl;

/** @internal Records what runs on `fiber` (see FiberState.owner). */
export function setFiberOwner(fiber: Fiber, owner: unknown): void {
  stateOf(fiber).owner = owner;
}

/** @internal One fiber as dumpFibers() sees it. */
export interface FiberSnapshot {
  owner: unknown;
  /** The name of the function it runs. */
  fnName: string;
  /** The runner's main fiber (the script's top level under `fibernet`). */
  main: boolean;
  /** started and not finished */
  started: boolean;
  /** parked in Fiber.yield() */
  parked: boolean;
  /** it is the fiber that asked */
  current: boolean;
  /** where it is parked, innermost first (undefined: not parked, so not readable) */
  stack: StackFrameInfo[] | undefined;
}

/**
 * @internal Every fiber started and not finished, most recently started
 * first, with the stacks of the parked ones (each resumed into the native
 * core only, which reads its frames and switches back: see native peek()).
 */
export function snapshotFibers(): FiberSnapshot[] {
  const out: FiberSnapshot[] = [];
  for (const s of binding.liveStates(fiberEntry) as FiberState[]) {
    const isCurrent = s === currentState;
    const stack = isCurrent ? binding.captureStack() : s.yielding && s.handle !== null ? binding.peek(s.handle) : undefined;
    out.push({ owner: s.owner, fnName: s.fn.name, main: s.reportUncaught, started: s.started, parked: s.yielding, current: isCurrent, stack });
  }
  return out;
}

/**
 * @internal Starts `fn` in a fiber whose escaping errors are uncaught
 * exceptions, reported by Node from where they were thrown (the runner's
 * main fiber). Returns once the fiber first parks or finishes.
 */
export function runMainFiber(fn: () => void): Fiber {
  const fiber = new FiberImpl(fn);
  (fiber as unknown as { [kState]: FiberState })[kState].reportUncaught = true;
  fiber.run();
  return fiber;
}

/** Thread and pool counters of the native core, for tests and diagnostics. */
export function fiberStats() {
  return binding.stats();
}
