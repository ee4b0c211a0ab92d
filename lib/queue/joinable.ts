// JoinableQueue: a Queue that counts unfinished tasks, so a producer can
// wait until consumers have processed everything (gevent.queue.JoinableQueue).
//
// gevent's join() is an Event's wait(): the Event is cleared by every put
// and set when taskDone() brings the count to zero. Its notification is
// reproduced here, without depending on fibernet's Event: it runs on the
// Hub, wakes the joiners that waited when it started one at a time, each
// running until it blocks again, even if a put cleared the "event" meanwhile
// (a joiner woken by it returns true); a join() called while the count is
// zero and a notification is queued or under way waits behind the joiners
// it wakes (gevent issue 1520).
import { invalidArgType, outOfRange } from '../args';
import { assertCanBlock, canBlock, checkTimeout, getHub } from '../hub';
import { runStep, TIMED_OUT, WaitEntry } from './entry';
import { TaskDoneError } from './errors';
import { checkOptions, Queue, type QueueOptions } from './queue';

/** Options of JoinableQueue's constructor. */
export interface JoinableQueueOptions<T> extends QueueOptions<T> {
  /** How many tasks are unfinished at the start (default: one per initial item). */
  unfinishedTasks?: number | null;
}

/** @internal A notification of the joiners, from the moment it is queued until its last woken joiner has run. */
interface JoinNotification {
  /** Joiners that called join() while the count was zero and this was under way. */
  arrived: WaitEntry[];
}

/**
 * A FIFO Queue that counts tasks: each item put adds one, each taskDone()
 * call removes one, and join() blocks until the count is zero
 * (gevent.queue.JoinableQueue).
 */
export class JoinableQueue<T = unknown> extends Queue<T> {
  private _unfinished: number;
  private readonly _joiners: WaitEntry[] = [];
  private _notification: JoinNotification | null = null;

  /**
   * As Queue's constructor, plus `options.unfinishedTasks`, the starting
   * count (default: the number of initial items); ERR_INVALID_ARG_TYPE if
   * it is not a number, ERR_OUT_OF_RANGE if it is not an integer >= 0.
   */
  constructor(maxsize?: number | null, options?: JoinableQueueOptions<T> | null) {
    super(maxsize, options);
    const n = checkOptions<JoinableQueueOptions<T>>(options).unfinishedTasks;
    if (n === undefined || n === null) {
      this._unfinished = this.qsize();
    } else {
      if (typeof n !== 'number') throw invalidArgType('options.unfinishedTasks', 'of type number', n);
      if (!Number.isSafeInteger(n) || n < 0) throw outOfRange('options.unfinishedTasks', 'an integer >= 0', n);
      this._unfinished = n;
    }
  }

  /** How many items were put and not yet marked done with taskDone(). */
  get unfinishedTasks(): number {
    return this._unfinished;
  }

  /**
   * Marks one task done: call it once for each item a consumer got, when it
   * has finished with it. When the count reaches zero every fiber blocked in
   * join() is woken. Throws TaskDoneError (code ERR_TOO_MANY_TASK_DONE) if
   * called more times than items were put.
   */
  taskDone(): void {
    if (this._unfinished <= 0) throw new TaskDoneError();
    this._unfinished--;
    if (this._unfinished === 0) this._checkAndNotify();
  }

  /**
   * Blocks until every item put has been marked done (unfinishedTasks is
   * zero), for at most `ms` milliseconds (null or absent: forever; 0: never
   * blocks). Returns true once the count reached zero while it waited (even
   * if items were put since), false when `ms` passed first: a timeout never
   * throws. Throws BlockingSwitchOutError if it would block in an event-loop
   * callback; ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE for a bad `ms`;
   * whatever kill() or a Timeout raise while it waits.
   */
  join(ms?: number | null): boolean {
    const timeout = checkTimeout(ms, 'timeout');
    if (this._unfinished === 0) {
      const n = this._notification;
      if (n !== null && timeout !== 0 && canBlock()) {
        // Done, but joiners are being woken: go after them (gevent issue 1520).
        const entry = new WaitEntry(null);
        try {
          entry.park(n.arrived, false, 'JoinableQueue.join()');
        } finally {
          entry.dispose();
        }
      }
      return true;
    }
    if (timeout === 0) return false;
    assertCanBlock('JoinableQueue.join()');
    const entry = new WaitEntry(timeout);
    try {
      entry.park(this._joiners, false, 'JoinableQueue.join()');
      return true;
    } catch (err) {
      if (err === TIMED_OUT) return false;
      throw err;
    } finally {
      entry.dispose();
    }
  }

  /** A new JoinableQueue of the same maxsize holding the same items and unfinished count. */
  override copy(): JoinableQueue<T> {
    return new JoinableQueue<T>(this.maxsize, { items: this._store.toArray(), unfinishedTasks: this._unfinished });
  }

  /** @internal */
  protected override _describeMore(): string[] {
    return this._unfinished > 0 ? [`tasks=${this._unfinished}`] : [];
  }

  /** @internal Every item added is a task. */
  protected override _add(item: T): void {
    super._add(item);
    this._unfinished++;
  }

  private _checkAndNotify(): void {
    if (this._unfinished !== 0 || this._joiners.length === 0 || this._notification !== null) return;
    const n: JoinNotification = { arrived: [] };
    this._notification = n;
    getHub().call(() => runStep(() => this._round(n, this._joiners, 1)));
  }

  /** Starts a round: wakes the joiners of `list` up to the last one there now; round 2 is the latecomers. */
  private _round(n: JoinNotification, list: WaitEntry[], round: 1 | 2): void {
    if (list.length === 0) this._endRound(n, round);
    else this._deliver(n, list, list[list.length - 1], round);
  }

  /** Wakes the next joiner of `list`; the rest of the round runs after it. */
  private _deliver(n: JoinNotification, list: WaitEntry[], last: WaitEntry, round: 1 | 2): void {
    const entry = list.shift();
    if (entry === undefined) {
      this._endRound(n, round);
      return;
    }
    entry.wake();
    entry.after(() => (entry === last ? this._endRound(n, round) : this._deliver(n, list, last, round)));
  }

  private _endRound(n: JoinNotification, round: 1 | 2): void {
    if (round === 1) {
      this._round(n, n.arrived, 2);
      return;
    }
    // Latecomers of the latecomers' round wait with the others, for the next notification.
    WaitEntry.moveAll(n.arrived, this._joiners);
    this._notification = null;
    this._checkAndNotify();
  }
}
