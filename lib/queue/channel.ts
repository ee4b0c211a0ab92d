// Channel: a queue of size zero, where put() returns only once a getter has
// taken the item (gevent.queue.Channel).
//
// Getters and putters wait in two FIFO lines. The unlock (queued on the Hub
// when both lines may be non-empty) pairs them off as gevent's does: it
// wakes the first getter with the first putter's item, lets that getter run
// until it blocks again, then wakes the putter, lets it run, and goes on
// with the next pair. The getter takes the item when it runs: a getter
// killed before that gives the putter its place back at the head of the
// putters' line (no item is lost), and a putter killed before its getter ran
// withdraws its item (that getter goes back to the head of the getters'
// line). An item handed over by putNowait() to a getter that is killed
// before it runs stays in the channel, first in line for the next getter.
import { invalidArgType, outOfRange } from '../args';
import { assertCanBlock, checkTimeout, getHub } from '../hub';
import { runStep, TIMED_OUT, WaitEntry } from './entry';
import { QueueEmpty, QueueFull } from './errors';
import { STOP } from './queue';

/** @internal A putter (or an item putNowait() handed over, which has no party behind it). */
class PutEntry<T> extends WaitEntry {
  /** Handed to a getter that has not run yet. */
  matched = false;
  /** A getter took it. */
  taken = false;
  /** Its putter was killed while a getter held it, before that getter ran. */
  withdrawn = false;
  constructor(
    readonly item: T,
    timeout: number | null,
    /** No party waits behind it (putNowait()). */
    readonly virtual: boolean,
  ) {
    super(timeout);
  }
}

/** @internal A getter, and the putter whose item it was handed. */
class GetEntry<T> extends WaitEntry {
  from: PutEntry<T> | null = null;
}

/**
 * A rendezvous between fibers (gevent.queue.Channel): put() blocks until a
 * getter has taken its item, get() until a putter offers one. It holds no
 * items: qsize() is 0, empty() and full() are true.
 */
export class Channel<T = unknown> implements Iterable<Exclude<T, typeof STOP>> {
  /** The item that ends `for...of` over a channel; see [Symbol.iterator]. */
  static readonly STOP: typeof STOP = STOP;

  private readonly _getters: GetEntry<T>[] = [];
  private readonly _putters: PutEntry<T>[] = [];
  private _unlocking = false;

  /**
   * A channel. `maxsize` may be given (as gevent allows, to simplify code
   * that makes queues) but must be 1: ERR_OUT_OF_RANGE for any other
   * number, ERR_INVALID_ARG_TYPE for anything but a number.
   */
  constructor(maxsize?: number) {
    if (maxsize !== undefined) {
      if (typeof maxsize !== 'number') throw invalidArgType('maxsize', 'of type number', maxsize);
      if (maxsize !== 1) throw outOfRange('maxsize', '1 (a Channel holds no items)', maxsize);
    }
  }

  /** How many putters wait minus how many getters wait (gevent's balance). */
  get balance(): number {
    return this._putters.length - this._getters.length;
  }

  /** How many parties are blocked in get(). */
  get getterCount(): number {
    return this._getters.length;
  }

  /** How many parties are blocked in put() (plus items putNowait() handed over that went back unclaimed). */
  get putterCount(): number {
    return this._putters.length;
  }

  /** Always 0: a channel holds no items. */
  qsize(): number {
    return 0;
  }

  /** Always true. */
  empty(): boolean {
    return true;
  }

  /** Always true. */
  full(): boolean {
    return true;
  }

  /**
   * Offers `item` and blocks until a getter has taken it, for at most `ms`
   * milliseconds (null or absent: forever; 0: never blocks, as putNowait()).
   * Throws QueueFull (code ERR_QUEUE_FULL) if no getter took it in time;
   * BlockingSwitchOutError if it would block in an event-loop callback;
   * ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE for a bad `ms`; whatever kill()
   * or a Timeout raise while it waits (the item is withdrawn, unless a
   * getter has already taken it).
   */
  put(item: T, ms?: number | null): void {
    const timeout = checkTimeout(ms, 'timeout');
    if (timeout === 0) {
      this.putNowait(item);
      return;
    }
    assertCanBlock('Channel.put()');
    const entry = new PutEntry(item, timeout, false);
    try {
      entry.park(this._putters, false, 'Channel.put()', () => {
        if (this._getters.length > 0) this._scheduleUnlock();
      });
    } catch (err) {
      // Handed to a getter that has not run yet: withdraw it. (Once taken,
      // the item stays delivered, and the error is raised all the same.)
      if (entry.matched && !entry.taken) entry.withdrawn = true;
      if (err === TIMED_OUT) throw new QueueFull('No getter took the item in time');
      throw err;
    } finally {
      entry.dispose();
    }
  }

  /**
   * Hands `item` to a getter that is blocked in get() right now, or throws
   * QueueFull. The getter runs later; putNowait() never blocks and is
   * allowed anywhere.
   */
  putNowait(item: T): void {
    const getter = this._getters.shift();
    if (getter === undefined) throw new QueueFull('No getter is waiting');
    const offer = new PutEntry(item, null, true);
    offer.matched = true;
    getter.from = offer;
    getter.wake();
  }

  /**
   * Takes an item from a putter, blocking until one offers it, for at most
   * `ms` milliseconds (null or absent: forever; 0: never blocks, as
   * getNowait()). Throws QueueEmpty (code ERR_QUEUE_EMPTY) if none came in
   * time; BlockingSwitchOutError if it would block in an event-loop
   * callback; ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE for a bad `ms`;
   * whatever kill() or a Timeout raise while it waits (an item it had been
   * handed goes back to its putter, first in line).
   */
  get(ms?: number | null): T {
    const timeout = checkTimeout(ms, 'timeout');
    if (timeout === 0) return this.getNowait();
    assertCanBlock('Channel.get()');
    const entry = new GetEntry<T>(timeout);
    try {
      let front = false;
      for (;;) {
        entry.park(this._getters, front, 'Channel.get()', () => {
          if (this._putters.length > 0) this._scheduleUnlock();
        });
        const offer = entry.from!;
        entry.from = null;
        if (!offer.withdrawn) {
          offer.taken = true;
          return offer.item;
        }
        // Its putter was killed before we ran: wait again, first in line.
        front = true;
      }
    } catch (err) {
      const offer = entry.from;
      if (offer !== null) {
        // Handed an item, but killed before it ran: the item goes back.
        entry.from = null;
        this._giveBack(offer);
      }
      if (err === TIMED_OUT) throw new QueueEmpty('No putter offered an item in time');
      throw err;
    } finally {
      entry.dispose();
    }
  }

  /**
   * Takes the item of a putter that is blocked in put() right now (it is
   * woken, and runs later), or throws QueueEmpty. Never blocks; allowed
   * anywhere.
   */
  getNowait(): T {
    const offer = this._putters.shift();
    if (offer === undefined) throw new QueueEmpty('No putter is waiting');
    offer.taken = true;
    if (!offer.virtual) offer.wake();
    return offer.item;
  }

  /**
   * Iterates by calling get() (each step may block) until it returns
   * Channel.STOP (the same value as Queue.STOP), which ends the loop.
   */
  *[Symbol.iterator](): Generator<Exclude<T, typeof STOP>, void, undefined> {
    for (;;) {
      const item = this.get();
      if (item === STOP) return;
      yield item as Exclude<T, typeof STOP>;
    }
  }

  /** `<Channel getters[1] putters[2]>`, as gevent shows a channel. */
  toString(): string {
    let s = '<Channel';
    if (this._getters.length > 0) s += ` getters[${this._getters.length}]`;
    if (this._putters.length > 0) s += ` putters[${this._putters.length}]`;
    return s + '>';
  }

  /** An offer whose getter could not take it goes back to the head of the putters' line. */
  private _giveBack(offer: PutEntry<T>): void {
    offer.matched = false;
    if (offer.withdrawn) return;
    if (offer.virtual) this._putters.unshift(offer);
    else if (offer.waiting) offer.requeue(this._putters);
    else return;
    if (this._getters.length > 0) this._scheduleUnlock();
  }

  private _scheduleUnlock(): void {
    if (this._unlocking) return;
    this._unlocking = true;
    getHub().call(() => runStep(() => this._unlock()));
  }

  /** Pairs the first getter with the first putter (see the top of this file); the rest runs after the getter. */
  private _unlock(): void {
    const getter = this._getters[0];
    const offer = this._putters[0];
    if (getter === undefined || offer === undefined) {
      this._unlocking = false;
      return;
    }
    this._getters.shift();
    this._putters.shift();
    if (!offer.virtual) offer.claim();
    offer.matched = true;
    getter.from = offer;
    getter.wake();
    getter.after(() => this._afterGetter(offer));
  }

  /** The getter has run: wake the putter whose item it took, and go on after it. */
  private _afterGetter(offer: PutEntry<T>): void {
    if (offer.taken && !offer.virtual && offer.waiting) {
      offer.wake();
      offer.after(() => this._unlock());
      return;
    }
    this._unlock();
  }
}
