// Loads the native fiber core (native/) for this Node ABI.
import * as path from 'path';
import * as v8 from 'v8';
import { isMainThread, resourceLimits } from 'worker_threads';

// V8's wasm code GC walks every V8 thread's stack and aborts the process when
// some are archived ("archived threads in combination with wasm not
// supported"); parked fibers are archived threads on both backends. It must
// be off before the first wasm module (undici's HTTP parser, behind fetch)
// is compiled. Wasm code is then freed only with its module.
v8.setFlagsFromString('--no-wasm-code-gc');

/** An opaque handle on one native fiber. */
export type FiberHandle = object & { readonly __fiberHandle: unique symbol };

/** An opaque handle on one listener whose accepts native/accept.cc controls. */
export type AcceptToken = number & { readonly __acceptToken: unique symbol };

/** Which native backend runs fibers (see docs/api.md, "Fiber backends"). */
export type FiberBackend = 'stacks' | 'threads';

export interface NativeStats {
  /** 'stacks': stacks switched on the isolate's own thread; 'threads': one OS thread per fiber. */
  backend: FiberBackend;
  /** Why this backend: forced by FIBERNET_BACKEND, proved at load, or the check that failed. */
  backendReason: string;
  /**
   * Whether V8's CPU profiler (--cpu-prof, the inspector's Profiler) records JavaScript that runs
   * in fibers: 'sampled: ...', or 'not sampled: <why>' (always so on the threads backend).
   */
  cpuProfiler: string;
  /** Stacks (or threads) created so far; a fiber reusing a pooled one does not count. */
  created: number;
  /** Stacks (or threads) alive: running a fiber, parked with one, or pooled. */
  alive: number;
  /** Idle stacks (or threads) kept for reuse. */
  pooled: number;
  /** Fibers started and not finished. */
  live: number;
  /** The most idle stacks (or threads) kept for reuse. */
  poolSize: number;
  /** Stacks alive with a hardware guard page (always 0 on the threads backend). */
  guarded: number;
}

/** One JavaScript frame of a stack, as dumpFibers() and the monitor report it. */
export interface StackFrameInfo {
  /** The function's name ('' for an anonymous function or top-level code). */
  functionName: string;
  /** The script's file name or URL. */
  file: string;
  /** 1-based line and column. */
  line: number;
  column: number;
}

/** What native/monitor.cc hands lib/monitor.ts when it found the Hub blocked. */
export interface NativeBlockingReport {
  blockedMs: number;
  running: string;
  inFiber: boolean;
  owner: unknown;
  stack: StackFrameInfo[];
}

export interface FiberBinding {
  /**
   * A fiber that will start in `entry(state)`; reportUncaught: an error escaping the entry goes
   * to Node's uncaught-exception handling.
   */
  create(stackSize: number, reportUncaught: boolean, state: object, entry: (state: never) => void): FiberHandle;
  /** Runs the fiber until control comes back: true when the fiber's entry returned. */
  resume(handle: FiberHandle): boolean;
  /** The states of the fibers started with `entry` and not finished. */
  liveStates(entry: (state: never) => void): unknown[];
  /** Parks the running fiber; hands control to its resumer, or to the parked fiber `next` in its place. */
  suspend(next?: FiberHandle): void;
  stats(): NativeStats;
  /** The stack of a parked fiber (undefined when it is not parked), read without running its JavaScript. */
  peek(handle: FiberHandle): StackFrameInfo[] | undefined;
  /** The running stack. */
  captureStack(): StackFrameInfo[];
  /**
   * Starts the blocking monitor's watchdog: reports go to `deliver` once the thread is free, or
   * (without it) to stderr at once, leaving out frames from files under `internalPrefix`.
   */
  monitorStart(maxBlockingMs: number, deliver: ((report: NativeBlockingReport) => void) | undefined, internalPrefix: string): void;
  monitorStop(): void;
  /**
   * Takes over the connection callback of this loop's listener with descriptor `fd`, so that
   * acceptPause() can stop its accepts: a token for it, or undefined when there is no such listener.
   */
  acceptControl(fd: number): AcceptToken | undefined;
  /** Pauses or resumes accepts; true when connections (kept while paused, or taken) wait for acceptDeliver(). */
  acceptPause(token: AcceptToken, paused: boolean): boolean;
  /** Whether a fiber waits in accept(): the listener then takes all the kernel holds at each readiness. */
  acceptGreedy(token: AcceptToken, greedy: boolean): void;
  /** How many connections the listener took off the kernel's queue and has not handed to Node yet. */
  acceptTaken(token: AcceptToken): number;
  /** Closes the connections a closed listener took and never handed over. */
  acceptRelease(token: AcceptToken): void;
  /**
   * Hands waiting connections to Node (it emits 'connection' for each): the taken ones, oldest
   * first, for up to 10 ms, then the one kept while paused; call from a loop callback.
   */
  acceptDeliver(token: AcceptToken): void;
  /** The kernel's pending error of socket `fd` (SO_ERROR, cleared by reading it): an errno, or 0. */
  pendingSocketError(fd: number): number;
  setPoolSize(n: number): void;
  /** The JavaScript stack budget of the isolate's own thread, in bytes. */
  setRootStackBudget(bytes: number): void;
  /** Set instead of the methods when FIBERNET_BACKEND asks for what cannot be had. */
  loadError?: Error & { code: string };
}

// node-gyp-build finds build/Release (or a prebuild) from the package root.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const load = require('node-gyp-build') as (dir: string) => FiberBinding;

/**
 * One fiber core per thread: two cores in one isolate would each believe they
 * know which stack runs and switch V8 into the wrong one. A second copy of
 * fibernet (npm duplication, a test runner's module registry) uses the core
 * the first one loaded, when their native interfaces match, and refuses to
 * load otherwise. `process` is per thread (a Worker has its own).
 */
const CORE_VERSION = 3;
const coreKey = Symbol.for('fibernet.core');
interface SharedCore {
  version: number;
  binding: FiberBinding;
  where: string;
}

function loadCore(): FiberBinding {
  const holder = process as unknown as { [coreKey]?: SharedCore };
  const where = path.join(__dirname, '..', '..');
  const existing = holder[coreKey];
  if (existing !== undefined) {
    if (existing.version === CORE_VERSION) return existing.binding;
    const err = new Error(
      `another copy of fibernet (${existing.where}) already runs fibers on this thread, with a different native ` +
        `interface than this one (${where}); two fiber cores cannot share a thread: keep one copy (npm dedupe)`,
    ) as Error & { code: string };
    err.code = 'ERR_FIBERNET_DUPLICATE';
    throw err;
  }
  const loaded = load(where);
  if (loaded.loadError !== undefined) throw loaded.loadError;
  loaded.setRootStackBudget(rootStackBudget());
  Object.defineProperty(holder, coreKey, { value: { version: CORE_VERSION, binding: loaded, where } });
  return loaded;
}

export const binding: FiberBinding = loadCore();

/**
 * The JavaScript stack budget V8 gave this thread: --stack-size KB below the
 * main thread's stack top, or a Worker's stack less the 192 KB Node keeps
 * for native code.
 */
function rootStackBudget(): number {
  if (!isMainThread && resourceLimits.stackSizeMb !== undefined) {
    return Math.max(64 * 1024, resourceLimits.stackSizeMb * 1024 * 1024 - 192 * 1024);
  }
  let kb = 984;
  const options = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  for (const option of options) {
    const m = /^--stack[-_]size=(\d+)$/.exec(option);
    if (m) kb = Number(m[1]);
  }
  return kb * 1024;
}
