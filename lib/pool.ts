// Group and Pool: sets of greenlets that can be joined and killed together,
// Pool with a cap on how many run at once (gevent.pool in Node's idiom).
//
// A greenlet leaves its group when it finishes: the group links to it, and
// the link (called on the Hub) discards it. Group.join() waits for the group
// to become empty at least once, the way gevent's group waits on an Event:
// the wake-up is a Hub call queued when the last member leaves, so parties
// joined on that member itself run first.
//
// Pool counts its free slots the way a semaphore counts permits, with its own
// FIFO of links (this file does not build on lib/lock.ts): a parked add() or
// spawn(), a parked waitAvailable(), or an internal callback (a server that
// stops accepting while the pool is full). A freed slot is not handed out at
// once: a notification queued on the Hub delivers the links in order while a
// slot is free, one at a time, the next one once the party woken before it
// has run until it parked again (gevent's notifier switches into each
// waiter in turn). A parked add() is handed its slot right there and keeps
// it reserved until it runs; if it is killed or timed out first, the slot
// is given back to the next link. A slot no notification reserved is free
// for any caller: add() does not queue behind parked callers (as in gevent).
//
// map/imap/imapUnordered follow gevent's _imap: the spawning runs in a
// greenlet of its own (not a member of the pool), which blocks while the
// pool is full; results travel through a queue the caller reads.
import { invalidArgType, outOfRange } from './args';
import { Greenlet, getCurrent, type KillOptions } from './greenlet';
import { assertCanBlock, canBlock, checkTimeout, getHub } from './hub';
import { Timeout } from './timeout';
import type { Waiter } from './waiter';

/** add()/spawn() found the pool full and could not wait (timeout 0) or waited in vain. */
export class PoolFull extends Error {
  readonly code = 'ERR_POOL_FULL';
  constructor(message = 'The pool is full') {
    super(message);
    this.name = 'PoolFull';
  }
}

/** Options of Group#add() and Group#start(). */
export interface PoolAddOptions {
  /**
   * Pool only: milliseconds to wait for a free slot before throwing
   * PoolFull; `null`/absent waits forever, `0` never waits.
   */
  timeout?: number | null;
}

/** Options of Group#join(). */
export interface GroupJoinOptions {
  /**
   * Throw the error of a greenlet that was in the group when join() was
   * called and has failed (the first one in the order they were added).
   */
  raiseError?: boolean;
}

/** Options of Group#imap() and Group#imapUnordered(). */
export interface IMapOptions {
  /**
   * The most items whose function may be started ahead of the reader (an
   * integer >= 1); `null`/absent: no bound beyond the pool's own size.
   */
  maxsize?: number | null;
}

/** What imap() and imapUnordered() return: results read one by one, blocking until the next is there. */
export interface IMapIterator<R> extends IterableIterator<R> {
  /**
   * The next result, blocking until it is there. An item whose function
   * threw makes next() throw that error; reading may go on with the items
   * after it. `done` once every item was delivered; an error thrown by the
   * items' own iterator is thrown after the results before it, and ends the
   * iteration too.
   */
  next(): IteratorResult<R, undefined>;
}

type AnyGreenlet = Greenlet<any>;

function checkGreenlet(g: unknown, name = 'greenlet'): AnyGreenlet {
  if (!(g instanceof Greenlet)) throw invalidArgType(name, 'an instance of Greenlet', g);
  return g;
}

function checkFunction(fn: unknown, name = 'fn'): void {
  if (typeof fn !== 'function') throw invalidArgType(name, 'of type function', fn);
}

function checkIterable(items: unknown, name = 'items'): void {
  if (items === null || items === undefined || typeof (items as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
    throw invalidArgType(name, 'an iterable object', items);
  }
}

function checkOptions(options: unknown, name = 'options'): void {
  if (options !== undefined && (options === null || typeof options !== 'object')) throw invalidArgType(name, 'of type object', options);
}

function checkKillOptions(options: KillOptions | undefined): { block: boolean; timeout: number | null } {
  checkOptions(options);
  const block = options?.block;
  if (block !== undefined && typeof block !== 'boolean') throw invalidArgType('options.block', 'of type boolean', block);
  return { block: block ?? true, timeout: checkTimeout(options?.timeout, 'options.timeout') };
}

/** The running greenlet, if the caller is one. */
function currentGreenlet(): AnyGreenlet | undefined {
  const current = getCurrent();
  return current instanceof Greenlet ? current : undefined;
}

/**
 * A set of greenlets with no limit on their number: they leave it when they
 * finish, and can be waited for (join) and killed (kill) together. Iterating
 * a group yields its greenlets in the order they were added.
 */
export class Group implements Iterable<AnyGreenlet> {
  private readonly _members = new Set<AnyGreenlet>();
  /** Killed by kill()/killOne() and not finished yet: not killed twice. */
  private readonly _dying = new Set<AnyGreenlet>();
  /** Parties in join(), woken when the group becomes empty. */
  private _joiners: Array<Waiter<boolean>> = [];
  private _emptyNotice = false;
  /** Parties in kill() waiting for members to leave, woken at every departure. */
  private _leaveWatchers: Array<Waiter<void>> = [];
  /** The link every member gets: it takes the member out when it finishes. */
  private readonly _onFinish = (g: AnyGreenlet): void => {
    this._remove(g);
  };

  /** A group tracking `greenlets` (default none); throws ERR_INVALID_ARG_TYPE for anything else. */
  constructor(greenlets?: Iterable<AnyGreenlet>) {
    if (greenlets !== undefined) {
      checkIterable(greenlets, 'greenlets');
      const list = Array.from(greenlets, (g) => checkGreenlet(g, 'greenlets[]'));
      for (const g of list) this._track(g);
    }
  }

  /** How many greenlets the group tracks. */
  get length(): number {
    return this._members.size;
  }

  /** Whether `greenlet` is tracked by the group. */
  has(greenlet: AnyGreenlet): boolean {
    return this._members.has(greenlet);
  }

  /** The greenlets, in the order they were added. */
  [Symbol.iterator](): IterableIterator<AnyGreenlet> {
    return this._members.values();
  }

  /**
   * Starts tracking `greenlet` (added twice, it is tracked once). A finished
   * greenlet is taken out again on the Hub's next run. For a Group this
   * never blocks; `options` is validated and otherwise used by Pool.
   * Throws ERR_INVALID_ARG_TYPE if `greenlet` is not a Greenlet.
   */
  add(greenlet: AnyGreenlet, options?: PoolAddOptions): void {
    checkGreenlet(greenlet);
    checkOptions(options);
    checkTimeout(options?.timeout, 'options.timeout');
    this._track(greenlet);
  }

  /** Stops tracking `greenlet` (nothing if it is not tracked); it keeps running. */
  discard(greenlet: AnyGreenlet): void {
    checkGreenlet(greenlet);
    if (!this._members.has(greenlet)) return;
    greenlet.unlink(this._onFinish);
    this._remove(greenlet);
  }

  /**
   * Adds the greenlet (blocking like add() when a Pool is full), then starts
   * it. Meant for a greenlet not started yet: one already running may finish
   * while add() waits, and then it is not tracked for long.
   */
  start(greenlet: AnyGreenlet, options?: PoolAddOptions): void {
    this.add(greenlet, options);
    greenlet.start();
  }

  /**
   * Creates a greenlet running `fn(...args)`, adds it and starts it; returns
   * it. On a full Pool this blocks until a slot is free. Throws
   * ERR_INVALID_ARG_TYPE if `fn` is not a function.
   */
  spawn<A extends unknown[], T>(fn: (...args: A) => T, ...args: A): Greenlet<T> {
    checkFunction(fn);
    const g = new Greenlet<T>(fn as (...a: any[]) => T, ...args);
    this.start(g);
    return g;
  }

  /**
   * Waits until the group is empty, at least once (it may have greenlets
   * again by the time join() returns), or `ms` milliseconds pass; returns
   * whether it became empty. With `raiseError`, throws the error of a
   * greenlet that was in the group at the call and failed (also on timeout,
   * if one failed meanwhile). Throws ERR_INVALID_ARG_TYPE/ERR_OUT_OF_RANGE
   * for bad arguments, BlockingSwitchOutError when it would block in an
   * event-loop callback, and what kill()/a Timeout raise while it waits.
   */
  join(ms?: number | null, options?: GroupJoinOptions): boolean {
    const timeout = checkTimeout(ms, 'ms');
    checkOptions(options);
    const raiseError = options?.raiseError;
    if (raiseError !== undefined && typeof raiseError !== 'boolean') throw invalidArgType('options.raiseError', 'of type boolean', raiseError);
    const watched = raiseError ? Array.from(this._members) : [];
    let emptied = true;
    if (this._members.size > 0) {
      if (timeout === 0) emptied = false;
      else {
        assertCanBlock('Group.join()');
        emptied = this._waitEmpty(timeout);
      }
    }
    for (const g of watched) if (g.dead && !g.successful()) throw g.exception;
    return emptied;
  }

  /**
   * Kills every greenlet in the group with `err` (default: a new FiberExit
   * each), and with `block` (the default, where the caller may block) waits
   * until they are all gone, killing those added meanwhile too; after
   * `timeout` ms it stops waiting and returns (check `length`), as gevent's
   * does, without an error. Killing from inside a member kills that member
   * last: kill() then throws `err` there.
   */
  kill(err?: unknown, options?: KillOptions): void {
    const { block, timeout } = checkKillOptions(options);
    const wait = block && canBlock();
    const timer = wait && timeout !== null ? Timeout.start(timeout) : null;
    try {
      while (this._members.size > 0) {
        const me = currentGreenlet();
        let killMe = false;
        for (const g of Array.from(this._members)) {
          if (this._dying.has(g)) continue;
          if (g === me) {
            killMe = true;
            continue;
          }
          g.kill(err, { block: false });
          this._dying.add(g);
        }
        if (killMe) {
          this._dying.add(me!);
          me!.kill(err); // throws here
        }
        if (!wait) break;
        // Until these have left (a dead member leaves on the Hub's next
        // run); greenlets added meanwhile are killed in the next round.
        const round = Array.from(this._members);
        while (round.some((g) => this._members.has(g))) this._waitLeave();
      }
    } catch (e) {
      if (timer === null || e !== timer.error) throw e;
    } finally {
      timer?.cancel();
    }
  }

  /**
   * Kills `greenlet` if the group tracks it and has not killed it already;
   * with `block` (default true, where the caller may block) waits for it,
   * at most `timeout` ms.
   */
  killOne(greenlet: AnyGreenlet, err?: unknown, options?: KillOptions): void {
    checkGreenlet(greenlet);
    const { block, timeout } = checkKillOptions(options);
    if (this._dying.has(greenlet) || !this._members.has(greenlet)) return;
    greenlet.kill(err, { block: false });
    this._dying.add(greenlet);
    if (block && canBlock()) greenlet.join(timeout);
  }

  /** Whether add() would block: never for a Group. */
  full(): boolean {
    return false;
  }

  /** Waits until a greenlet can be added without blocking: at once for a Group; returns Infinity (no limit). */
  waitAvailable(ms?: number | null): number {
    checkTimeout(ms, 'ms');
    return Infinity;
  }

  /**
   * Runs `fn(...args)` in a greenlet of the group and returns its result
   * (or throws its error), blocking meanwhile. Called from a greenlet of
   * this group, it calls `fn` right there instead (a full pool waiting for
   * its own member would never free a slot).
   */
  apply<A extends unknown[], R>(fn: (...args: A) => R, args?: A): R {
    checkFunction(fn);
    if (args !== undefined && !Array.isArray(args)) throw invalidArgType('args', 'an instance of Array', args);
    const list = (args ?? []) as A;
    const me = currentGreenlet();
    if (me !== undefined && this._members.has(me)) return fn(...list);
    assertCanBlock('Group.apply()');
    return this.spawn(fn, ...list).get();
  }

  /**
   * Applies `fn` to every item, in greenlets of the group (at most `size` at
   * once in a Pool), and returns the results in item order. Throws the error
   * of the first item (in item order) whose function threw, once the items
   * before it are done; the other items still run.
   */
  map<T, R>(fn: (item: T) => R, items: Iterable<T>): R[] {
    checkFunction(fn);
    checkIterable(items);
    assertCanBlock('Group.map()');
    // As in gevent, the spawning runs in a greenlet of its own.
    const mapper = new Greenlet<R[]>(() => {
      const gs: Array<Greenlet<R>> = [];
      for (const item of items) gs.push(this.spawn(fn, item));
      return gs.map((g) => g.get());
    });
    mapper.start();
    return mapper.get();
  }

  /**
   * Like map(), but returns at once an iterator over the results, in item
   * order, each read blocking until it is there; see IMapIterator for
   * errors. `maxsize` bounds how far the functions may run ahead of the reader.
   */
  imap<T, R>(fn: (item: T) => R, items: Iterable<T>, options?: IMapOptions): IMapIterator<R> {
    return new OrderedResults<T, R>(this, fn, items, checkIMapOptions(fn, items, options));
  }

  /** Like imap(), but the results come in the order the functions finish. */
  imapUnordered<T, R>(fn: (item: T) => R, items: Iterable<T>, options?: IMapOptions): IMapIterator<R> {
    return new UnorderedResults<T, R>(this, fn, items, checkIMapOptions(fn, items, options));
  }

  /** `<Group length=N>` */
  toString(): string {
    return `<${this.constructor.name} length=${this._members.size}>`;
  }

  /** @internal Gives the slot of a member that left back (Pool). */
  protected _freeSlot(): void {}

  /** @internal add() once the slot is taken. */
  protected _track(greenlet: AnyGreenlet): void {
    if (this._members.has(greenlet)) return;
    this._members.add(greenlet);
    greenlet.link(this._onFinish);
  }

  private _remove(g: AnyGreenlet): void {
    if (!this._members.delete(g)) return;
    this._dying.delete(g);
    this._freeSlot();
    if (this._leaveWatchers.length > 0) {
      const watchers = this._leaveWatchers;
      this._leaveWatchers = [];
      for (const w of watchers) w.switch(undefined);
    }
    if (this._members.size === 0 && this._joiners.length > 0 && !this._emptyNotice) {
      // Queued behind the other links of the greenlet that left last, as
      // gevent's Event notification is: its own joiners run first.
      this._emptyNotice = true;
      getHub().call(() => {
        this._emptyNotice = false;
        const joiners = this._joiners;
        this._joiners = [];
        for (const w of joiners) w.switch(true);
      });
    }
  }

  /** Parks until a member leaves. */
  private _waitLeave(): void {
    let waiter: Waiter<void> | null = null;
    getHub().wait<void>({
      start: (w) => {
        waiter = w;
        this._leaveWatchers.push(w);
      },
      stop: () => {
        const i = this._leaveWatchers.indexOf(waiter!);
        if (i >= 0) this._leaveWatchers.splice(i, 1);
      },
    });
  }

  private _waitEmpty(timeout: number | null): boolean {
    const timedOut = {};
    let waiter: Waiter<boolean> | null = null;
    try {
      return getHub().wait<boolean>(
        {
          start: (w) => {
            waiter = w;
            this._joiners.push(w);
          },
          stop: () => {
            const i = this._joiners.indexOf(waiter!);
            if (i >= 0) this._joiners.splice(i, 1);
          },
        },
        { timeout, timeoutError: timedOut },
      );
    } catch (err) {
      if (err === timedOut) return false;
      throw err;
    }
  }
}

function checkIMapOptions(fn: unknown, items: unknown, options: IMapOptions | undefined): number | null {
  checkFunction(fn);
  checkIterable(items);
  checkOptions(options);
  const maxsize = options?.maxsize;
  if (maxsize === undefined || maxsize === null) return null;
  if (typeof maxsize !== 'number') throw invalidArgType('options.maxsize', 'of type number or null', maxsize);
  if (!Number.isSafeInteger(maxsize) || maxsize < 1) throw outOfRange('options.maxsize', 'an integer >= 1, or null for no bound', maxsize);
  return maxsize;
}

// ---------------------------------------------------------------- Pool

const ACQUIRE = 0;
const WAIT = 1;
const CALLBACK = 2;

/** One entry of a Pool's FIFO. */
interface SlotLink {
  kind: typeof ACQUIRE | typeof WAIT | typeof CALLBACK;
  waiter: Waiter<void> | null;
  callback: (() => void) | null;
  /** Delivered by a notification (an ACQUIRE link then holds a reserved slot). */
  woken: boolean;
}

/**
 * A Group with at most `size` greenlets at once: add() and spawn() block
 * while it is full, until a member finishes (or is discarded).
 */
export class Pool extends Group {
  /** The most greenlets the pool holds at once; `null`: no limit. */
  readonly size: number | null;
  /** Slots neither occupied nor reserved for a woken add(). */
  private _free: number;
  private _links: SlotLink[] = [];
  private _notifying = false;

  /**
   * A pool of `size` slots: an integer >= 0, or `null`/absent for no limit.
   * A Pool(0) can never hold a greenlet: spawn() on it blocks forever (it is
   * useful only with waitAvailable() and a timeout). Throws
   * ERR_INVALID_ARG_TYPE if `size` is not a number, ERR_OUT_OF_RANGE if it is
   * not an integer >= 0.
   */
  constructor(size?: number | null) {
    if (size !== undefined && size !== null) {
      if (typeof size !== 'number') throw invalidArgType('size', 'of type number or null', size);
      if (!Number.isSafeInteger(size) || size < 0) throw outOfRange('size', 'an integer >= 0, or null for no limit', size);
    }
    super();
    this.size = size ?? null;
    this._free = size ?? Infinity;
  }

  /**
   * How many greenlets can be added now without blocking (Infinity without
   * a limit). A slot reserved for a woken add() that has not run yet is not
   * free.
   */
  freeCount(): number {
    return this._free;
  }

  /** Whether add() and spawn() would block now. */
  override full(): boolean {
    return this._free <= 0;
  }

  /**
   * Blocks until a greenlet can be added without blocking, or `ms` ms pass;
   * returns freeCount() then (0 after a timeout, or if others took the slot
   * first). Throws BlockingSwitchOutError when it would block in an
   * event-loop callback.
   */
  override waitAvailable(ms?: number | null): number {
    const timeout = checkTimeout(ms, 'ms');
    if (this._free > 0 || timeout === 0) return this._free;
    assertCanBlock('Pool.waitAvailable()');
    this._park(WAIT, timeout);
    return this._free;
  }

  /**
   * Adds `greenlet`, blocking while the pool is full, at most
   * `options.timeout` ms: then (and at once with timeout 0) it throws
   * PoolFull. Killed or timed out while waiting, it leaves no slot taken.
   * Throws BlockingSwitchOutError when it would block in an event-loop callback.
   */
  override add(greenlet: AnyGreenlet, options?: PoolAddOptions): void {
    checkGreenlet(greenlet);
    checkOptions(options);
    const timeout = checkTimeout(options?.timeout, 'options.timeout');
    if (this.has(greenlet)) return;
    if (!this._takeSlot(timeout)) throw new PoolFull();
    try {
      this._track(greenlet);
    } catch (err) {
      this._freeSlot();
      throw err;
    }
  }

  /** `<Pool size=N free=N length=N>` */
  override toString(): string {
    return `<Pool size=${this.size === null ? 'unlimited' : this.size} free=${this._free} length=${this.length}>`;
  }

  /** Takes a slot for a new member, waiting at most `timeout` ms; true once taken. */
  private _takeSlot(timeout: number | null): boolean {
    if (this._free > 0) {
      this._free--;
      return true;
    }
    if (timeout === 0) return false;
    assertCanBlock('Pool.add()');
    return this._park(ACQUIRE, timeout);
  }

  /** @internal */
  protected override _freeSlot(): void {
    this._free++;
    this._checkAndNotify();
  }

  /**
   * @internal Calls `cb` on the Hub once a slot is free (at the latest on the
   * Hub's next run if one is free now), once, in FIFO order with the parked
   * add() calls. A server uses it to go on accepting.
   */
  _linkAvailable(cb: () => void): void {
    this._links.push({ kind: CALLBACK, waiter: null, callback: cb, woken: false });
    this._checkAndNotify();
  }

  /** @internal Withdraws a callback _linkAvailable() registered. */
  _unlinkAvailable(cb: () => void): void {
    const i = this._links.findIndex((l) => l.callback === cb);
    if (i >= 0) this._links.splice(i, 1);
  }

  /** Parks the caller on the FIFO: true once notified (an ACQUIRE then holds its slot), false on timeout. */
  private _park(kind: typeof ACQUIRE | typeof WAIT, timeout: number | null): boolean {
    const link: SlotLink = { kind, waiter: null, callback: null, woken: false };
    const timedOut = {};
    try {
      getHub().wait<void>(
        {
          start: (w) => {
            link.waiter = w;
            this._links.push(link);
          },
          stop: () => {
            if (!link.woken) {
              const i = this._links.indexOf(link);
              if (i >= 0) this._links.splice(i, 1);
            }
          },
        },
        { timeout, timeoutError: timedOut },
      );
      return true;
    } catch (err) {
      // Woken, but kill() or a Timeout got in before it ran: the reserved
      // slot goes to the next link.
      if (link.woken && kind === ACQUIRE) this._freeSlot();
      if (err === timedOut && !link.woken) return false;
      throw err;
    }
  }

  private _checkAndNotify(): void {
    if (this._notifying || this._links.length === 0 || this._free <= 0) return;
    this._notifying = true;
    getHub().call(() => this._deliverNext());
  }

  /** Delivers links while a slot is free; after waking a party, comes back once it has run. */
  private _deliverNext(): void {
    while (this._links.length > 0 && this._free > 0) {
      const link = this._links.shift()!;
      if (link.kind === CALLBACK) {
        try {
          link.callback!();
        } catch (err) {
          getHub().handleError(`${String(this)} callback`, err);
        }
        continue;
      }
      if (link.waiter!.ready()) continue; // timed out or killed meanwhile
      link.woken = true;
      if (link.kind === ACQUIRE) this._free--;
      link.waiter!.switch(undefined);
      // Behind the woken party: runs once it has parked again.
      getHub().callNext(() => this._deliverNext());
      return;
    }
    this._notifying = false;
    this._checkAndNotify();
  }
}

// ---------------------------------------------------------------- imap

const VALUE = 0;
const FAILURE = 1;
const END = 2;
const SPAWNER_FAILURE = 3;

/** One entry of the result queue: an item's outcome, or the end of the items. */
interface ResultEntry {
  kind: typeof VALUE | typeof FAILURE | typeof END | typeof SPAWNER_FAILURE;
  /** The item's position (for END and SPAWNER_FAILURE: one past the last item). */
  index: number;
  value: unknown;
}

/**
 * imapUnordered()'s iterator (and the base of imap()'s): a greenlet of its
 * own walks the items and spawns a greenlet in the group for each, linking
 * to it; each link puts the outcome in a queue that next() reads.
 */
class UnorderedResults<T, R> implements IMapIterator<R> {
  private readonly _queue: ResultEntry[] = [];
  private _head = 0;
  private _getters: Array<Waiter<void>> = [];
  private _unlockQueued = false;
  private _outstanding = 0;
  private _maxIndex = -1;
  /** The END or SPAWNER_FAILURE entry has been queued. */
  private _finished = false;
  /** The END or SPAWNER_FAILURE entry has been read: next() is done. */
  private _exhausted = false;
  /** maxsize: spawns allowed ahead of the reader, and the spawner parked on it. */
  private _ahead: number | null;
  private _aheadWaiter: Waiter<void> | null = null;
  private readonly _spawner: Greenlet<void>;

  constructor(group: Group, fn: (item: T) => R, items: Iterable<T>, maxsize: number | null) {
    this._ahead = maxsize;
    this._spawner = new Greenlet<void>(() => this._run(group, fn, items));
    this._spawner.start();
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<R, undefined> {
    if (this._exhausted) return { done: true, value: undefined };
    if (this._ahead !== null) {
      this._ahead++;
      const w = this._aheadWaiter;
      if (w !== null) {
        this._aheadWaiter = null;
        w.switch(undefined);
      }
    }
    const e = this._nextEntry();
    switch (e.kind) {
      case VALUE:
        return { done: false, value: e.value as R };
      case FAILURE:
        throw e.value;
      case SPAWNER_FAILURE:
        this._exhausted = true;
        throw e.value;
      default:
        this._exhausted = true;
        return { done: true, value: undefined };
    }
  }

  toString(): string {
    return `<${this.constructor.name} outstanding=${this._outstanding}${this._exhausted ? ' done' : ''}>`;
  }

  /** The next entry in the order this iterator gives them. */
  protected _nextEntry(): ResultEntry {
    return this._take();
  }

  /** The next entry in arrival order, blocking until there is one. */
  protected _take(): ResultEntry {
    while (this._head >= this._queue.length) {
      assertCanBlock('next() of imap()/imapUnordered()');
      let waiter: Waiter<void> | null = null;
      getHub().wait<void>({
        start: (w) => {
          waiter = w;
          this._getters.push(w);
        },
        stop: () => {
          const i = this._getters.indexOf(waiter!);
          if (i >= 0) this._getters.splice(i, 1);
        },
      });
    }
    const e = this._queue[this._head];
    this._queue[this._head++] = undefined as unknown as ResultEntry;
    if (this._head === this._queue.length) {
      this._queue.length = 0;
      this._head = 0;
    }
    return e;
  }

  private _put(e: ResultEntry): void {
    this._queue.push(e);
    if (this._getters.length > 0 && !this._unlockQueued) {
      // As gevent's queue: the reader is woken from a Hub call, not by put().
      this._unlockQueued = true;
      getHub().call(() => {
        this._unlockQueued = false;
        let n = this._queue.length - this._head;
        while (n-- > 0 && this._getters.length > 0) this._getters.shift()!.switch(undefined);
      });
    }
  }

  private _run(group: Group, fn: (item: T) => R, items: Iterable<T>): void {
    try {
      for (const item of items) {
        const index = ++this._maxIndex;
        this._waitAhead();
        this._outstanding++;
        const g = group.spawn(fn, item);
        g.link(() => this._onResult(g, index));
      }
      this._onFinish(null);
    } catch (err) {
      this._onFinish(err);
      throw err;
    }
  }

  /** maxsize: takes one of the spawns allowed ahead of the reader, waiting for next() if none is left. */
  private _waitAhead(): void {
    if (this._ahead === null) return;
    while (this._ahead <= 0) {
      getHub().wait<void>({
        start: (w) => {
          this._aheadWaiter = w;
        },
        stop: () => {
          this._aheadWaiter = null;
        },
      });
    }
    this._ahead--;
  }

  private _onResult(g: Greenlet<R>, index: number): void {
    this._outstanding--;
    let putEnd = false;
    if (this._spawner.dead && this._outstanding <= 0 && !this._finished) {
      this._finished = true;
      putEnd = true;
    }
    if (g.successful()) this._put({ kind: VALUE, index, value: g.value });
    else this._put({ kind: FAILURE, index, value: g.exception });
    if (putEnd) this._put({ kind: END, index: this._maxIndex + 1, value: undefined });
  }

  private _onFinish(err: unknown): void {
    if (this._finished) return;
    if (err !== null) {
      this._finished = true;
      this._put({ kind: SPAWNER_FAILURE, index: this._maxIndex + 1, value: err });
    } else if (this._outstanding <= 0) {
      this._finished = true;
      this._put({ kind: END, index: this._maxIndex + 1, value: undefined });
    }
  }
}

/** imap()'s iterator: the entries of UnorderedResults, put back in item order. */
class OrderedResults<T, R> extends UnorderedResults<T, R> {
  private readonly _early = new Map<number, ResultEntry>();
  private _index = 0;

  protected override _nextEntry(): ResultEntry {
    let e = this._early.get(this._index);
    if (e !== undefined) this._early.delete(this._index);
    else {
      for (;;) {
        e = this._take();
        if (e.index === this._index) break;
        this._early.set(e.index, e);
      }
    }
    this._index++;
    return e;
  }
}
