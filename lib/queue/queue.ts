// Queue, LifoQueue and PriorityQueue: items handed between fibers
// (gevent.queue in Node's idiom).
//
// Parties that cannot go on wait in two FIFO lines, getters (get and peek)
// and putters. A call that can go on at once does so, even while others
// wait (as in gevent: a free slot or an item is anyone's until the queue
// hands it to a waiter). Whenever a change may let a waiter go on, the queue
// queues one "unlock" on the Hub, which serves the lines exactly as
// gevent's Queue._unlock does: in each round, first the putter at the head
// of its line if there is room, then the getter at the head of its line if
// there is an item; each woken party runs until it blocks again before the
// round goes on (entry.ts, after()); the unlock ends after a round in which
// neither could go on.
//
// Serving a party is a promise kept even if it cannot run at once: a getter
// is handed its item when it is woken (so nobody else can take it), a
// putter's slot is kept for it until it runs and adds its item. A party
// killed (or whose Timeout fires) after it was woken but before it ran gives
// back what it was served: the item goes back into the store for the next
// getter; the slot goes to the next putter and the item is not added.
import { inspect } from 'util';
import { invalidArgType, outOfRange } from '../args';
import { assertCanBlock, checkTimeout, getHub } from '../hub';
import { runStep, SERVED, TIMED_OUT, WaitEntry } from './entry';
import { QueueEmpty, QueueFull } from './errors';
import { pythonLess, type Less } from './order';
import { FifoStore, HeapStore, LifoStore, type Store } from './store';

/** The item that ends iteration: `for (const x of queue)` returns when get() gives it (gevent's StopIteration). */
export const STOP: unique symbol = Symbol('fibernet.queue.STOP');

/** Options of every queue's constructor. */
export interface QueueOptions<T> {
  /** Items the queue starts with (in a PriorityQueue, heapified); they may exceed `maxsize`. */
  items?: Iterable<T> | null;
}

/** Options of PriorityQueue's constructor. */
export interface PriorityQueueOptions<T> extends QueueOptions<T> {
  /**
   * Orders two items like Array#sort's comparator: negative when `a` comes
   * out first. Without it, items are ordered as Python orders them: numbers,
   * strings, and arrays element by element (like tuples).
   */
  compare?: ((a: T, b: T) => number) | null;
}

/** @internal A getter's (or peeker's) place in line, and what it was served. */
class ItemEntry<T> extends WaitEntry {
  /** What it was served: the item, taken out of the store (get) or looked at (peek). */
  item: T | undefined = undefined;
  /** A get that holds an item taken out of the store (it goes back if the getter cannot take it). */
  holding = false;
  constructor(
    timeout: number | null,
    /** get (true) or peek (false). */
    readonly take: boolean,
  ) {
    super(timeout);
  }
}

/** @internal Validates a maxsize: absent, null, 0 and Infinity mean unbounded (-1). */
export function checkMaxsize(maxsize: unknown): number {
  if (maxsize === undefined || maxsize === null) return -1;
  if (typeof maxsize !== 'number') throw invalidArgType('maxsize', 'of type number or null', maxsize);
  if (maxsize === 0 || maxsize === Infinity) return -1;
  if (!Number.isInteger(maxsize) || maxsize < 0) {
    throw outOfRange('maxsize', 'a positive integer, or 0, Infinity or null for an unbounded queue', maxsize);
  }
  return maxsize;
}

/** @internal Validates a constructor's options object; returns it, or an empty one. */
export function checkOptions<O extends object>(options: unknown): Partial<O> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  return options as Partial<O>;
}

function initialItems<T>(items: unknown): T[] {
  if (items === undefined || items === null) return [];
  if (typeof (items as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
    throw invalidArgType('options.items', 'an iterable', items);
  }
  return Array.from(items as Iterable<T>);
}

/**
 * A first-in first-out queue of items between fibers (gevent.queue.Queue),
 * bounded by `maxsize` or unbounded. get() blocks while it is empty, put()
 * while it is full; blocked callers are served in the order they came, and
 * the Hub wakes them in gevent's order.
 */
export class Queue<T = unknown> implements Iterable<Exclude<T, typeof STOP>> {
  /** The item that ends `for...of` over a queue (put it last); see [Symbol.iterator]. */
  static readonly STOP: typeof STOP = STOP;

  /** -1: unbounded. */
  private readonly _maxsize: number;
  /** @internal */
  protected readonly _store: Store<T>;
  /** Parties blocked in get() or peek(), in the order they came. */
  private readonly _getters: ItemEntry<T>[] = [];
  /** Parties blocked in put(), in the order they came. */
  private readonly _putters: WaitEntry[] = [];
  /** An unlock is queued on the Hub or under way. */
  private _unlocking = false;
  /** Slots kept for putters the unlock woke that have not added their item yet. */
  private _keptSlots = 0;
  /** Items handed to getters the unlock woke that have not run yet (they still take up room). */
  private _handedOut = 0;

  /**
   * A queue holding at most `maxsize` items: absent, null, 0 (gevent's
   * meaning since 1.0) or Infinity make it unbounded; use a Channel for a
   * queue of size zero. Throws ERR_INVALID_ARG_TYPE for a maxsize that is
   * not a number, or options that are not an object or items not iterable,
   * and ERR_OUT_OF_RANGE for a negative or fractional maxsize.
   */
  constructor(maxsize?: number | null, options?: QueueOptions<T> | null) {
    this._maxsize = checkMaxsize(maxsize);
    const opts = checkOptions<QueueOptions<T>>(options);
    this._store = this._createStore(initialItems<T>(opts.items), opts);
  }

  /** @internal The store of this kind of queue, holding `items`. */
  protected _createStore(items: T[], _options: Partial<QueueOptions<T>>): Store<T> {
    return new FifoStore(items);
  }

  /** The most items the queue holds, or null when it is unbounded. */
  get maxsize(): number | null {
    return this._maxsize > 0 ? this._maxsize : null;
  }

  /** How many items the queue holds. */
  qsize(): number {
    return this._store.size;
  }

  /** Whether the queue holds no item. */
  empty(): boolean {
    return this._store.size === 0;
  }

  /**
   * Whether put() would block: the queue is bounded and every slot is taken
   * (a slot kept for a putter that was just woken counts as taken). An
   * unbounded queue is never full.
   */
  full(): boolean {
    return this._maxsize > 0 && !this._hasRoom();
  }

  /** How many parties are blocked in get() or peek(). */
  get getterCount(): number {
    return this._getters.length;
  }

  /** How many parties are blocked in put(). */
  get putterCount(): number {
    return this._putters.length;
  }

  /**
   * Adds `item`, blocking while the queue is full, for at most `ms`
   * milliseconds (null or absent: forever; 0: never blocks). Throws
   * QueueFull (code ERR_QUEUE_FULL) if no slot came free in time;
   * BlockingSwitchOutError if it would block in an event-loop callback;
   * ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE for a bad `ms`; whatever kill()
   * or a Timeout raise while it waits (the item is then not added); for a
   * PriorityQueue, the error of a comparison that fails (IncomparableError
   * with the default ordering; the item is then not added).
   */
  put(item: T, ms?: number | null): void {
    const timeout = checkTimeout(ms, 'timeout');
    if (this._hasRoom()) {
      this._add(item);
      if (this._getters.length > 0) this._scheduleUnlock();
      return;
    }
    if (timeout === 0) throw new QueueFull();
    const what = `${this._name()}.put()`;
    assertCanBlock(what);
    const entry = new WaitEntry(timeout);
    try {
      entry.park(this._putters, false, what, () => {
        if (this._getters.length > 0) this._scheduleUnlock();
      });
    } catch (err) {
      // Woken, but killed before it ran: the kept slot goes to the next putter.
      if (entry.state === SERVED) this._keptSlots--;
      if (err === TIMED_OUT) throw new QueueFull();
      throw err;
    } finally {
      entry.dispose();
    }
    this._keptSlots--;
    this._add(item);
  }

  /** Same as put(item, 0): adds `item` if there is a free slot, else throws QueueFull. Never blocks; allowed anywhere. */
  putNowait(item: T): void {
    this.put(item, 0);
  }

  /**
   * Removes and returns the next item, blocking while the queue is empty,
   * for at most `ms` milliseconds (null or absent: forever; 0: never
   * blocks). Throws QueueEmpty (code ERR_QUEUE_EMPTY) if no item came in
   * time; BlockingSwitchOutError if it would block in an event-loop
   * callback; ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE for a bad `ms`;
   * whatever kill() or a Timeout raise while it waits (no item is lost: one
   * it had been handed goes to the next getter); for a PriorityQueue, the
   * error of a comparison that fails (the item stays in the queue).
   */
  get(ms?: number | null): T {
    const timeout = checkTimeout(ms, 'timeout');
    if (this._store.size > 0) {
      if (this._putters.length > 0) this._scheduleUnlock();
      return this._store.take();
    }
    return this._waitForItem(true, timeout);
  }

  /** Same as get(0): removes and returns the next item, or throws QueueEmpty. Never blocks; allowed anywhere. */
  getNowait(): T {
    return this.get(0);
  }

  /**
   * Returns the next item without removing it, blocking while the queue is
   * empty, for at most `ms` milliseconds (null or absent: forever; 0: never
   * blocks). Peekers wait in the same line as getters: when an item comes,
   * a peeker ahead of a getter sees it and the getter then takes it. Throws
   * as get() does.
   */
  peek(ms?: number | null): T {
    const timeout = checkTimeout(ms, 'timeout');
    if (this._store.size > 0) return this._store.first();
    return this._waitForItem(false, timeout);
  }

  /** Same as peek(0): the next item, left in the queue, or QueueEmpty. Never blocks; allowed anywhere. */
  peekNowait(): T {
    return this.peek(0);
  }

  /** A new queue of the same kind and maxsize holding the same items (no waiters). */
  copy(): Queue<T> {
    return new (this.constructor as new (maxsize: number | null, options: QueueOptions<T>) => Queue<T>)(this.maxsize, {
      items: this._store.toArray(),
    });
  }

  /**
   * Iterates by calling get() (so each step may block, in a fiber or at the
   * root) until it returns Queue.STOP, which ends the loop: gevent's queues
   * iterate the same way until they get StopIteration.
   */
  *[Symbol.iterator](): Generator<Exclude<T, typeof STOP>, void, undefined> {
    for (;;) {
      const item = this.get();
      if (item === STOP) return;
      yield item as Exclude<T, typeof STOP>;
    }
  }

  /** `<Queue maxsize=2 queue=[...] getters[1] putters[2]>`, as gevent shows a queue. */
  toString(): string {
    const parts: string[] = [];
    if (this._maxsize > 0) parts.push(`maxsize=${this._maxsize}`);
    if (this._store.size > 0) parts.push(`queue=${inspect(this._store.toArray(), { depth: 1, breakLength: Infinity })}`);
    parts.push(...this._describeMore());
    if (this._getters.length > 0) parts.push(`getters[${this._getters.length}]`);
    if (this._putters.length > 0) parts.push(`putters[${this._putters.length}]`);
    return `<${this._name()}${parts.length > 0 ? ' ' + parts.join(' ') : ''}>`;
  }

  /** @internal More `key=value` parts for toString(). */
  protected _describeMore(): string[] {
    return [];
  }

  /** @internal Adds an item to the store (JoinableQueue counts it as a task). */
  protected _add(item: T): void {
    this._store.add(item);
  }

  /** @internal The class name, for messages. */
  protected _name(): string {
    return (this.constructor as { name?: string }).name || 'Queue';
  }

  private _hasRoom(): boolean {
    return this._maxsize < 0 || this._store.size + this._keptSlots + this._handedOut < this._maxsize;
  }

  private _waitForItem(take: boolean, timeout: number | null): T {
    if (timeout === 0) throw new QueueEmpty();
    const what = `${this._name()}.${take ? 'get' : 'peek'}()`;
    assertCanBlock(what);
    const entry = new ItemEntry<T>(timeout, take);
    try {
      entry.park(this._getters, false, what, () => {
        if (this._putters.length > 0) this._scheduleUnlock();
      });
    } catch (err) {
      if (entry.holding) {
        // Woken with an item, but killed before it ran: the item is put
        // back, first in line, for the next getter.
        entry.holding = false;
        this._handedOut--;
        this._store.restore(entry.item as T);
        if (this._getters.length > 0) this._scheduleUnlock();
      }
      if (err === TIMED_OUT) throw new QueueEmpty();
      throw err;
    } finally {
      entry.dispose();
    }
    if (entry.holding) {
      entry.holding = false;
      this._handedOut--;
    }
    return entry.item as T;
  }

  /** Queues an unlock on the Hub unless one is queued or under way (it looks at the lines again). */
  private _scheduleUnlock(): void {
    if (this._unlocking) return;
    this._unlocking = true;
    getHub().call(() => runStep(() => this._unlock(true, false)));
  }

  /**
   * One step of the unlock (see the top of this file): `putterStep` says
   * which half of the round it is at, `acted` whether the round has woken
   * anyone yet. Each step that wakes someone returns, and the next step
   * runs after the woken party.
   */
  private _unlock(putterStep: boolean, acted: boolean): void {
    for (;;) {
      if (putterStep) {
        const putter = this._putters[0];
        if (putter !== undefined && this._hasRoom()) {
          this._putters.shift();
          this._keptSlots++;
          putter.wake();
          putter.after(() => this._unlock(false, true));
          return;
        }
      }
      const getter = this._getters[0];
      if (getter !== undefined && this._store.size > 0) {
        this._getters.shift();
        this._serve(getter);
        getter.after(() => this._unlock(true, false));
        return;
      }
      if (!acted) {
        this._unlocking = false;
        return;
      }
      putterStep = true;
      acted = false;
    }
  }

  /** Wakes a getter with the item it takes (or, for a peek, sees). */
  private _serve(entry: ItemEntry<T>): void {
    if (entry.take) {
      let item: T;
      try {
        item = this._store.take();
      } catch (err) {
        // A heap whose items cannot be ordered: the getter raises the error
        // (it would in gevent too), and the item stays in the queue.
        entry.fail(err);
        return;
      }
      entry.item = item;
      entry.holding = true;
      this._handedOut++;
    } else {
      entry.item = this._store.first();
    }
    entry.wake();
  }
}

/** A queue that gives back the most recently added item first (gevent.queue.LifoQueue). */
export class LifoQueue<T = unknown> extends Queue<T> {
  /** @internal */
  protected override _createStore(items: T[]): Store<T> {
    return new LifoStore(items);
  }

  /** A new LifoQueue of the same maxsize holding the same items. */
  override copy(): LifoQueue<T> {
    return super.copy() as LifoQueue<T>;
  }
}

/**
 * A queue that gives back its smallest item first (gevent.queue.PriorityQueue).
 * By default items are ordered as Python orders them: numbers (and bigints),
 * strings by code point, and arrays element by element like tuples, so
 * `[priority, data]` pairs work; two items it cannot order (a number and a
 * string, or arrays that differ first at such a pair, or anything else)
 * raise IncomparableError. Pass `compare` to order anything else. Items of
 * equal priority come out in the order Python's heapq gives them (which is
 * not their insertion order).
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  private _compare: ((a: T, b: T) => number) | null = null;

  /**
   * As Queue's constructor, plus `options.compare` (ERR_INVALID_ARG_TYPE if
   * it is not a function). Initial items are heapified, which may throw
   * IncomparableError.
   */
  constructor(maxsize?: number | null, options?: PriorityQueueOptions<T> | null) {
    super(maxsize, options);
    this._compare = options?.compare ?? null;
  }

  /** @internal */
  protected override _createStore(items: T[], options: Partial<PriorityQueueOptions<T>>): Store<T> {
    const compare = options.compare;
    if (compare !== undefined && compare !== null && typeof compare !== 'function') {
      throw invalidArgType('options.compare', 'of type function', compare);
    }
    const less: Less<T> = typeof compare === 'function' ? (a, b) => compare(a, b) < 0 : (pythonLess as Less<T>);
    return new HeapStore(items, less);
  }

  /** A new PriorityQueue of the same maxsize and ordering holding the same items. */
  override copy(): PriorityQueue<T> {
    return new PriorityQueue<T>(this.maxsize, { items: this._store.toArray(), compare: this._compare });
  }
}
