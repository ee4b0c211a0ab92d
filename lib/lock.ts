// Semaphores and locks for fibers (gevent.lock in Node's idiom).
//
// A Semaphore is a counter of permits. acquire() takes one at once if one is
// free, even while others wait (gevent does not queue a caller behind the
// waiters: a permit released but not yet handed out can be taken by whoever
// runs first). Otherwise it parks in FIFO order, and release() hands the
// permit to the longest waiter through a notification the Hub runs next
// (lib/linkable.ts), which reserves it for that waiter: from then on nobody
// else can take it, and a waiter killed or timed out before it ran gives it
// back to the next one.
import { invalidArgType, outOfRange } from './args';
import { TimeoutError } from './errors';
import { assertCanBlock, checkTimeout, describeParty, getHub, type Party } from './hub';
import { Fiber } from './fiber';
import { AbstractLinkable } from './linkable';

/** A BoundedSemaphore or Lock was released more times than it was acquired. Code `ERR_OVER_RELEASE`. */
export class OverReleaseError extends RangeError {
  readonly code = 'ERR_OVER_RELEASE';
  constructor(message = 'Semaphore released too many times') {
    super(message);
    this.name = 'OverReleaseError';
  }
}

/** An RLock was released by a fiber that does not hold it. Code `ERR_LOCK_NOT_OWNED`. */
export class LockNotOwnedError extends Error {
  readonly code = 'ERR_LOCK_NOT_OWNED';
  constructor(message = 'cannot release un-acquired lock') {
    super(message);
    this.name = 'LockNotOwnedError';
  }
}

function checkFn(fn: unknown): void {
  if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn);
}

/**
 * A counter of permits fibers acquire and release (gevent.lock.Semaphore).
 * Waiters get permits in the order they started waiting. Linkable (ready
 * while a permit is free): wait([sem]) and iwait() work with it.
 */
export class Semaphore extends AbstractLinkable {
  private _counter: number;

  /**
   * A semaphore with `value` permits (default 1). Throws
   * ERR_INVALID_ARG_TYPE if `value` is not a number, ERR_OUT_OF_RANGE if it
   * is not an integer >= 0.
   */
  constructor(value: number = 1) {
    super('while-ready');
    if (typeof value !== 'number') throw invalidArgType('value', 'of type number', value);
    if (!Number.isSafeInteger(value) || value < 0) throw outOfRange('value', 'an integer >= 0', value);
    this._counter = value;
  }

  /** The number of free permits. */
  get counter(): number {
    return this._counter;
  }

  /** Whether no permit is free (acquire() would block). */
  locked(): boolean {
    return this._counter <= 0;
  }

  /** Whether a permit is free (the name wait()/iwait() use). */
  ready(): boolean {
    return this._counter > 0;
  }

  /**
   * Takes a permit, blocking until one is free or `ms` milliseconds pass
   * (null/absent: forever; 0: never blocks, and is allowed anywhere).
   * Returns true once acquired, false on timeout. Throws
   * BlockingSwitchOutError when it would block in an event-loop callback,
   * ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE for a bad `ms`, and whatever
   * kill() or a Timeout raise while it waits (then it holds no permit).
   */
  acquire(ms?: number | null): boolean {
    const timeout = checkTimeout(ms, 'timeout');
    if (this._counter > 0) {
      this._counter--;
      return true;
    }
    if (timeout === 0) return false;
    const what = `${this.constructor.name}.acquire()`;
    assertCanBlock(what);
    // True: the notification took the permit for us.
    return this._park(timeout, false, what);
  }

  /**
   * Returns a permit; the longest waiter gets it on the Hub's next run
   * (unless someone acquires it first, see the top of this file).
   */
  release(): void {
    this._counter++;
    this._checkAndNotify();
  }

  /**
   * Acquires (blocking; throws TimeoutError if not acquired within `ms`),
   * calls `fn()`, releases in `finally` (also when `fn` throws) and returns
   * what `fn` returned. Throws ERR_INVALID_ARG_TYPE if `fn` is not a function.
   */
  run<R>(fn: () => R, ms?: number | null): R {
    checkFn(fn);
    if (!this.acquire(ms)) throw new TimeoutError();
    try {
      return fn();
    } finally {
      this.release();
    }
  }

  /** `<Semaphore counter=N links=N>` */
  override toString(): string {
    return `<${this.constructor.name} counter=${this._counter} links=${this.linkCount}>`;
  }

  /** @internal The notification takes a permit for a waiter it wakes. */
  protected override _grant(): void {
    this._counter--;
  }

  /** @internal A woken waiter failed before it ran: the permit goes to the next one. */
  protected override _ungrant(): void {
    this._counter++;
    this._checkAndNotify();
  }
}

/**
 * A Semaphore that cannot be released above its initial value
 * (gevent.lock.BoundedSemaphore): such a release throws OverReleaseError.
 */
export class BoundedSemaphore extends Semaphore {
  /** The initial (and highest) number of permits. */
  readonly bound: number;

  /** A bounded semaphore with `value` permits (default 1); throws as Semaphore's constructor does. */
  constructor(value: number = 1) {
    super(value);
    this.bound = value;
  }

  /** Returns a permit; throws OverReleaseError (code ERR_OVER_RELEASE) if all permits are free already. */
  override release(): void {
    if (this.counter >= this.bound) throw this._overRelease();
    super.release();
  }

  /** @internal The error an over-release throws. */
  protected _overRelease(): OverReleaseError {
    return new OverReleaseError();
  }
}

/**
 * A mutual-exclusion lock: a BoundedSemaphore(1), as gevent's lock is. It
 * has no owner: any fiber may release it. Releasing it while unlocked
 * throws OverReleaseError.
 */
export class Lock extends BoundedSemaphore {
  /** Who acquired it last, while it is locked (for dumpFibers(): a deadlock shows who holds what). */
  private _holder: object | null = null;

  /** A new Lock, unlocked. */
  constructor() {
    super(1);
  }

  override acquire(ms?: number | null): boolean {
    const acquired = super.acquire(ms);
    if (acquired) this._holder = currentOwner();
    return acquired;
  }

  override release(): void {
    const holder = this._holder;
    this._holder = null;
    try {
      super.release();
    } catch (err) {
      this._holder = holder;
      throw err;
    }
  }

  /** @internal */
  protected override _describeWait(what: string): string {
    return this._holder === null ? what : `${what}, held by ${describeOwner(this._holder)}`;
  }

  /** @internal A Lock's over-release is a release while unlocked. */
  protected override _overRelease(): OverReleaseError {
    return new OverReleaseError('release unlocked lock');
  }
}

/** Who holds an RLock in an event-loop callback on the main thread (neither the root nor a fiber). */
const EVENT_LOOP = Object.freeze({ toString: () => 'an event-loop callback' });

/** The identity an RLock records: the running fiber's party, the root's, or EVENT_LOOP. */
function currentOwner(): object {
  const hub = getHub();
  if (Fiber.current !== undefined || hub.rootCanBlock()) return hub.currentParty();
  return EVENT_LOOP;
}

function describeOwner(owner: object | null): string {
  return owner === EVENT_LOOP ? String(owner) : describeParty(owner as Party | null);
}

/**
 * A lock its holder may acquire again (gevent.lock.RLock): the holder is the
 * fiber that acquired it, or the root (the main thread at a script's top
 * level). Each acquire() needs one release() by the same holder.
 */
export class RLock {
  private readonly _block = new Semaphore(1);
  private _owner: object | null = null;
  private _count = 0;

  /**
   * Acquires the lock: at once if the caller holds it already (one more
   * level), otherwise as Semaphore#acquire does (blocking until free or `ms`
   * milliseconds pass; 0 never blocks). Returns true once held, false on
   * timeout; throws as Semaphore#acquire does.
   */
  acquire(ms?: number | null): boolean {
    const timeout = checkTimeout(ms, 'timeout');
    const me = currentOwner();
    if (this._owner === me) {
      this._count++;
      return true;
    }
    if (timeout !== 0 && this._block.locked()) assertCanBlock('RLock.acquire()');
    if (!this._block.acquire(timeout)) return false;
    this._owner = me;
    this._count = 1;
    return true;
  }

  /**
   * Releases one level; the last one unlocks it for the next waiter. Throws
   * LockNotOwnedError (code ERR_LOCK_NOT_OWNED) if the caller does not hold it.
   */
  release(): void {
    const me = currentOwner();
    if (this._owner !== me) {
      throw new LockNotOwnedError(`cannot release un-acquired lock: held by ${describeOwner(this._owner)}, released by ${describeOwner(me)}`);
    }
    if (--this._count === 0) {
      this._owner = null;
      this._block.release();
    }
  }

  /** Whether someone holds the lock. */
  locked(): boolean {
    return this._block.locked();
  }

  /**
   * Acquires (blocking; throws TimeoutError if not acquired within `ms`),
   * calls `fn()`, releases in `finally` and returns what `fn` returned.
   * Throws ERR_INVALID_ARG_TYPE if `fn` is not a function.
   */
  run<R>(fn: () => R, ms?: number | null): R {
    checkFn(fn);
    if (!this.acquire(ms)) throw new TimeoutError();
    try {
      return fn();
    } finally {
      this.release();
    }
  }

  /** `<RLock unlocked>` or `<RLock held by X count=N>` */
  toString(): string {
    return this._owner === null ? '<RLock unlocked>' : `<RLock held by ${describeOwner(this._owner)} count=${this._count}>`;
  }
}
