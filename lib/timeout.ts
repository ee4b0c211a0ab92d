// Timeout: an error raised in the fiber that started it once a time has
// passed, at its blocking point (gevent.Timeout in Node's idiom).
import { invalidArgType } from './args';
import { TimeoutError } from './errors';
import { checkTimeout, getHub, type Party } from './hub';
import { startTimer, stopTimer, type Timer } from './timer';

export interface WithTimeoutOptions<F> {
  /** Returned instead of throwing when the time runs out. */
  fallback?: F;
}

export class Timeout {
  /** Milliseconds, or null for a Timeout that never fires. */
  readonly ms: number | null;
  private readonly _error: unknown;
  private _timer: Timer | null = null;
  private _party: Party | null = null;

  /**
   * A timeout of `ms` milliseconds (null: never) that, once started, raises
   * `error` (default: a new TimeoutError, message 'timed out') in the fiber
   * (or root) that started it. It fires only at a blocking point: if that
   * fiber is parked when the time passes it is woken with the error;
   * otherwise the error is raised at its next blocking call.
   */
  constructor(ms?: number | null, error?: unknown) {
    this.ms = checkTimeout(ms, 'ms');
    this._error = error === undefined ? new TimeoutError() : error;
  }

  /** Creates and starts a Timeout. */
  static start(ms?: number | null, error?: unknown): Timeout {
    return new Timeout(ms, error).start();
  }

  /** What this Timeout raises; compare with `===` to tell it from other errors. */
  get error(): unknown {
    return this._error;
  }

  /** True from start() until it fires or is cancelled. */
  get pending(): boolean {
    return this._timer !== null;
  }

  /** Arms the timer for the calling fiber (or the root). Throws if already pending. */
  start(): this {
    if (this._timer !== null) throw new Error(`${this} is already started; cancel() it before starting it again`);
    const hub = getHub();
    this.cancel();
    if (this.ms === null) return this;
    const party = hub.currentParty();
    this._party = party;
    this._timer = startTimer(() => {
      this._timer = null;
      hub.throwInto(party, this._error, this);
    }, this.ms);
    return this;
  }

  /** Disarms it; an error it raised but the fiber has not received yet is withdrawn. */
  cancel(): void {
    if (this._timer !== null) {
      stopTimer(this._timer);
      this._timer = null;
    }
    if (this._party !== null) {
      getHub().cancelPending(this._party, this);
      this._party = null;
    }
  }

  toString(): string {
    return `<Timeout ${this.ms === null ? 'never' : `${this.ms}ms`}${this.pending ? ' pending' : ''}>`;
  }
}

/**
 * Runs `fn()` under a Timeout of `ms`: returns its result, or throws the
 * Timeout's TimeoutError when the time runs out first, or returns
 * `options.fallback` if one was given. Errors from other Timeouts pass through.
 */
export function withTimeout<T, F = T>(ms: number | null, fn: () => T, options?: WithTimeoutOptions<F>): T | F {
  if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn);
  const t = new Timeout(ms);
  t.start();
  try {
    return fn();
  } catch (err) {
    if (err === t.error && options !== undefined && Object.prototype.hasOwnProperty.call(options, 'fallback')) {
      return options.fallback as F;
    }
    throw err;
  } finally {
    t.cancel();
  }
}
