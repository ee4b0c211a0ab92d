// monitor(): reports when the Hub does not get control back for
// maxBlockingTime ms: how long, and the stack of whatever hogs the thread
// (gevent's monitor thread and max_blocking_time). The watchdog is native
// (native/monitor.cc): it runs on a thread of its own and costs the
// JavaScript thread nothing until it finds a block.
import { binding, type NativeBlockingReport, type StackFrameInfo } from './binding';
import { formatFrames, INTERNAL_PREFIX, userFrames } from './frames';
import { getHub } from './hub';
import { Greenlet } from './greenlet';
import { invalidArgType, outOfRange } from './args';

/** What the monitor found: the Hub had not run for `blockedMs`, because `running` did not give control back. */
export interface BlockingReport {
  /** Milliseconds the Hub had not had control when the stack was taken (at least maxBlockingTime). */
  blockedMs: number;
  /** 'Greenlet#3(hog)', 'a Fiber' (a plain Fiber), or 'the main thread' (an event-loop callback, or a script's top level). */
  running: string;
  /** The greenlet that hogs the thread, when it is one. */
  greenlet: Greenlet<unknown> | undefined;
  /** Its JavaScript stack at that moment, innermost first, without fibernet's own frames. */
  stack: StackFrameInfo[];
  /** The report as stderr gets it. */
  toString(): string;
}

export interface MonitorOptions {
  /** Milliseconds the Hub may go without control before a report (default 100, at least 1). */
  maxBlockingTime?: number;
  /** Receives each report once the thread is free again, instead of stderr (which gets it at once). */
  onBlocked?: (report: BlockingReport) => void;
}

/** A running monitor. */
export interface Monitor {
  readonly maxBlockingTime: number;
  /** Whether it still watches (false after stop()). */
  readonly active: boolean;
  /** Ends the watchdog thread; the process can then exit as if it never ran. Idempotent. */
  stop(): void;
}

/** A second monitor() while one runs on this thread. */
export class MonitorRunningError extends Error {
  readonly code = 'ERR_FIBERNET_MONITOR_RUNNING';
  constructor(message: string) {
    super(message);
    this.name = 'MonitorRunningError';
  }
}

let running: Monitor | null = null;

/** Starts watching this thread's Hub (one monitor per thread). */
export function monitor(options?: MonitorOptions): Monitor {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw invalidArgType('options', 'of type object', options);
  }
  const ms = options?.maxBlockingTime ?? 100;
  if (typeof ms !== 'number') throw invalidArgType('options.maxBlockingTime', 'of type number (milliseconds)', ms);
  if (!(ms >= 1) || ms === Infinity) throw outOfRange('options.maxBlockingTime', 'a finite number >= 1 (milliseconds)', ms);
  const onBlocked = options?.onBlocked;
  if (onBlocked !== undefined && typeof onBlocked !== 'function') {
    throw invalidArgType('options.onBlocked', 'of type function', onBlocked);
  }
  if (running !== null && running.active) {
    throw new MonitorRunningError(
      `a monitor (maxBlockingTime ${running.maxBlockingTime} ms) already watches this thread: stop() it first` +
        (process.env.FIBERNET_MONITOR ? ' (FIBERNET_MONITOR started one)' : ''),
    );
  }
  const deliver =
    onBlocked === undefined
      ? undefined
      : (raw: NativeBlockingReport) => {
          const report = toReport(raw, ms);
          try {
            onBlocked(report);
          } catch (err) {
            getHub().handleError('monitor onBlocked', err);
          }
        };
  binding.monitorStart(ms, deliver, INTERNAL_PREFIX);
  let active = true;
  const handle: Monitor = {
    maxBlockingTime: ms,
    get active() {
      return active;
    },
    stop() {
      if (!active) return;
      active = false;
      running = null;
      binding.monitorStop();
    },
  };
  running = handle;
  return handle;
}

function toReport(raw: NativeBlockingReport, maxBlockingTime: number): BlockingReport {
  const greenlet = raw.owner instanceof Greenlet ? raw.owner : undefined;
  const stack = userFrames(raw.stack);
  const blockedMs = Math.round(raw.blockedMs);
  return {
    blockedMs,
    running: raw.running,
    greenlet,
    stack,
    toString() {
      const head = `fibernet monitor: the Hub has not run for ${blockedMs} ms (maxBlockingTime ${maxBlockingTime} ms): ${raw.running} is running`;
      return stack.length > 0 ? `${head}\n${formatFrames(stack)}\n` : `${head}\n`;
    },
  };
}

/** FIBERNET_MONITOR=<ms> starts a monitor that reports to stderr when fibernet loads. */
export function monitorFromEnv(): void {
  const value = process.env.FIBERNET_MONITOR;
  if (value === undefined || value === '') return;
  const ms = Number(value);
  if (!(ms >= 1) || ms === Infinity) {
    process.emitWarning(`FIBERNET_MONITOR must be a number of milliseconds >= 1, got '${value}': no monitor started`, {
      code: 'FIBERNET_MONITOR',
    });
    return;
  }
  if (running === null) monitor({ maxBlockingTime: ms });
}
