// Event and AsyncResult: one fiber wakes others (gevent.event in Node's idiom).
//
// Both wake their waiters the gevent way (lib/linkable.ts): by a notification
// the Hub runs after set(), in the order they started waiting, every waiter
// registered when it runs (even if the Event was cleared meanwhile).
import { TimeoutError } from './errors';
import { assertCanBlock, checkTimeout } from './hub';
import { AbstractLinkable } from './linkable';

/**
 * A flag fibers can wait for: set() wakes every fiber blocked in wait(),
 * clear() resets it (gevent.event.Event). Linkable: wait([event]) and
 * iwait() work with it.
 */
export class Event extends AbstractLinkable {
  private _flag = false;

  /** A new Event, not set. */
  constructor() {
    super('all');
  }

  /** Whether the flag is set. */
  isSet(): boolean {
    return this._flag;
  }

  /** Same as isSet() (the name wait()/iwait() use). */
  ready(): boolean {
    return this._flag;
  }

  /**
   * Sets the flag. Every fiber blocked in wait() is woken, on the Hub's next
   * run, in the order they started waiting; wait() returns at once until
   * clear() is called.
   */
  set(): void {
    this._flag = true;
    this._checkAndNotify();
  }

  /** Resets the flag: wait() blocks again. Fibers that set() already woke still wake (and return true). */
  clear(): void {
    this._flag = false;
  }

  /**
   * Blocks until the flag is set or `ms` milliseconds pass (null/absent:
   * forever; 0: never blocks). Returns true if the flag was set at some point
   * while waiting (even if cleared since), false on timeout: a timeout never
   * throws. Throws BlockingSwitchOutError when it would block in an
   * event-loop callback, ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE for a bad `ms`,
   * and whatever kill() or a Timeout raise while it waits.
   */
  wait(ms?: number | null): boolean {
    return this._waitReady(ms, 'Event.wait()');
  }

  /** `<Event set|clear links=N>` */
  override toString(): string {
    return `<Event ${this._flag ? 'set' : 'clear'} links=${this.linkCount}>`;
  }
}

const UNSET = 0;
const VALUE = 1;
const ERROR = 2;

/**
 * A one-time result (a value or an error) that fibers can wait for
 * (gevent.event.AsyncResult). set()/setException() wake every fiber blocked in
 * get() or wait(). Linkable: wait([result]) and iwait() work with it.
 */
export class AsyncResult<T = unknown> extends AbstractLinkable {
  private _state: 0 | 1 | 2 = UNSET;
  private _value: T | undefined = undefined;
  private _error: unknown = undefined;

  /** A new AsyncResult, not ready. */
  constructor() {
    super('all');
  }

  /** Whether it holds a value or an error. */
  ready(): boolean {
    return this._state !== UNSET;
  }

  /** Whether it holds a value (set() was called last). */
  successful(): boolean {
    return this._state === VALUE;
  }

  /** The value set() stored, or undefined. */
  get value(): T | undefined {
    return this._value;
  }

  /** The error setException() stored, or undefined. */
  get exception(): unknown {
    return this._error;
  }

  /**
   * Stores `value` and wakes every waiting fiber (on the Hub's next run, in
   * the order they started waiting). A later set()/setException() replaces
   * the outcome.
   */
  set(value?: T): void {
    this._state = VALUE;
    this._value = value;
    this._error = undefined;
    this._checkAndNotify();
  }

  /** Stores `err`: get() throws it from now on. Wakes every waiting fiber. */
  setException(err: unknown): void {
    this._state = ERROR;
    this._error = err;
    this._value = undefined;
    this._checkAndNotify();
  }

  /**
   * Returns the value or throws the stored error, blocking until there is
   * one or `ms` milliseconds pass (null/absent: forever; 0: never blocks),
   * then throws TimeoutError. Throws BlockingSwitchOutError when it would
   * block in an event-loop callback, ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE
   * for a bad `ms`, and whatever kill() or a Timeout raise while it waits.
   */
  get(ms?: number | null): T {
    const timeout = checkTimeout(ms, 'timeout');
    if (this._state === UNSET) {
      if (timeout === 0) throw new TimeoutError();
      assertCanBlock('AsyncResult.get()');
      if (!this._park(timeout, false, 'AsyncResult.get()')) throw new TimeoutError();
    }
    return this.getNowait();
  }

  /**
   * Returns the value or throws the stored error without blocking; throws
   * TimeoutError if it is not ready yet (gevent raises its Timeout there).
   * Allowed anywhere, event-loop callbacks included.
   */
  getNowait(): T {
    if (this._state === VALUE) return this._value as T;
    if (this._state === ERROR) throw this._error;
    throw new TimeoutError();
  }

  /**
   * Blocks until it is ready or `ms` milliseconds pass (null/absent:
   * forever; 0: never blocks). Returns true once ready (value or error: it
   * does not throw the stored error), false on timeout. Throws as get() does
   * for bad arguments, in event-loop callbacks, and on kill()/Timeout.
   */
  wait(ms?: number | null): boolean {
    return this._waitReady(ms, 'AsyncResult.wait()');
  }

  /** `<AsyncResult unset|value|error links=N>` */
  override toString(): string {
    const state = this._state === UNSET ? 'unset' : this._state === VALUE ? 'value' : 'error';
    return `<AsyncResult ${state} links=${this.linkCount}>`;
  }
}
