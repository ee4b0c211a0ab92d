// The waiting and notifying that Event, AsyncResult and the semaphores share
// (gevent's AbstractLinkable in fibernet's idiom).
//
// Parties that block, and rawlink() callbacks, wait on one FIFO list of
// links. set()/release() never wake anyone themselves: they queue one
// notification on the Hub (hub.call), which takes the links registered at
// that moment and delivers them in order. Waking a party only queues it on
// the Hub, and a callback is queued there too (hub.call) rather than called
// from inside the notification, so parties and callbacks run in list order.
// Links added while a notification is under way wait for the next one.
// Two ways of delivering:
//
// - "all" (Event, AsyncResult): every link is delivered at once, even if the
//   object stopped being ready meanwhile (set() then clear() still wakes
//   every waiter, and their wait() returns true). The notification lasts
//   until every party it woke has run ("landed"): a party that calls wait()
//   on the ready object meanwhile queues behind them (gevent issue 1520) and
//   is woken in a second round.
// - "while ready" (semaphores): one link at a time, and only while ready()
//   holds; the next one is delivered after the previous one has run (a fiber
//   runs until it parks again), which is how gevent's notifier switches into
//   each waiter in turn. A woken party is handed its permit right there
//   (_grant()): gevent's woken greenlet takes it before anything else runs,
//   fibernet's Hub resumes the fiber a little later, so the permit is
//   reserved for it meanwhile, and given back (_ungrant()) if the party is
//   killed or timed out before it runs. A permit no notification has handed
//   out yet is free for any caller: acquire() does not queue behind waiters
//   (as in gevent).
import { invalidArgType } from './args';
import { assertCanBlock, canBlock, checkTimeout, getHub, type Linkable } from './hub';
import type { Waiter } from './waiter';

/** A callback rawlink() registers: called on the Hub with the object. */
export type LinkableCallback<S> = (obj: S) => void;

/** @internal One entry of the FIFO: a parked party's Waiter, or a rawlink() callback. */
interface Link {
  waiter: Waiter<unknown> | null;
  callback: LinkableCallback<any> | null;
  /** The notification that woke this parked party (null until then). */
  woken: Notification | null;
}

/** @internal A notification, from the moment it is queued until its last woken party has run. */
interface Notification {
  /** 0: queued; 1: delivering the links; 2: delivering the latecomers ("all" mode). */
  round: 0 | 1 | 2;
  /** The links taken when it started, not delivered yet ("while ready" mode). */
  batch: Link[];
  /** Callbacks delivered so far: one linked twice is called once per notification (as in gevent). */
  called: Set<LinkableCallback<any>>;
  /** Woken parties and queued callbacks of the current round that have not run yet ("all" mode). */
  unlanded: number;
  /** Parties that found the object ready while this was under way ("all" mode). */
  arrived: Link[];
}

/**
 * @internal The base of the sync objects: a FIFO of waiting parties and
 * callbacks, and the notification protocol described at the top of this file.
 * Subclasses define ready(), call _checkAndNotify() when they may have become
 * ready, and block through _park() or _waitReady().
 */
export abstract class AbstractLinkable implements Linkable {
  private _links: Link[] = [];
  private _notification: Notification | null = null;
  /** Callbacks handed to the Hub but not called yet (so unlink() can still withdraw them). */
  private _calling: Link[] = [];

  /** Whether this object delivers in "all" mode (else "while ready"), see the top of this file. */
  private readonly _notifyAll: boolean;

  /** @param mode how notifications deliver, see the top of this file. */
  protected constructor(mode: 'all' | 'while-ready') {
    this._notifyAll = mode === 'all';
  }

  /** Whether waiting on the object would return at once. */
  abstract ready(): boolean;

  /**
   * Calls `cb(this)` on the Hub once the object is ready (on the Hub's next
   * run if it already is), once: the link is removed before the call.
   * Callbacks run in the Hub, so they must not block. Throws
   * ERR_INVALID_ARG_TYPE if `cb` is not a function.
   */
  rawlink(cb: LinkableCallback<this>): void {
    if (typeof cb !== 'function') throw invalidArgType('cb', 'of type function', cb);
    this._links.push({ waiter: null, callback: cb, woken: null });
    this._checkAndNotify();
  }

  /** Removes the first link to `cb` that has not been called yet (nothing if there is none). */
  unlink(cb: LinkableCallback<this>): void {
    const match = (l: Link) => l.callback === cb;
    if (spliceFirst(this._links, match) || (this._notification !== null && spliceFirst(this._notification.batch, match))) return;
    const j = this._calling.findIndex(match);
    if (j >= 0) this._calling[j].callback = null;
  }

  /** How many parties and callbacks wait on this object. */
  get linkCount(): number {
    const n = this._notification;
    return this._links.length + (n === null ? 0 : n.batch.length + n.arrived.length);
  }

  /** @internal Queues a notification if the object is ready, someone waits, and none is under way. */
  protected _checkAndNotify(): void {
    if (this._notification !== null || this._links.length === 0 || !this.ready()) return;
    const n: Notification = { round: 0, batch: [], called: new Set(), unlanded: 0, arrived: [] };
    this._notification = n;
    getHub().call(() => this._notify(n));
  }

  /** @internal "While ready" mode: hands a party the notification wakes what it waits for (a permit). */
  protected _grant(): void {}

  /**
   * @internal "While ready" mode: a party that was granted something was
   * killed or timed out before it could run: give it back, for the next waiter.
   */
  protected _ungrant(): void {}

  /**
   * @internal Parks the caller until it is notified (true) or `timeout` ms
   * pass (false). With `behind` it queues behind the notification under way
   * (the object is ready, but others were notified first). Errors raised at
   * the blocking point (kill, Timeout) propagate once the party's link is
   * removed and what it was granted is given back. The caller must have
   * checked that it may block.
   */
  /** @internal What dumpFibers() says a party parked in `what` waits on (Lock adds its holder). */
  protected _describeWait(what: string): string {
    return what;
  }

  protected _park(timeout: number | null, behind = false, what = `${this.constructor.name}.wait()`): boolean {
    const link: Link = { waiter: null, callback: null, woken: null };
    const queue = behind && this._notification !== null ? this._notification.arrived : this._links;
    const timedOut = {};
    try {
      getHub().wait<unknown>(
        {
          start: (w) => {
            link.waiter = w;
            queue.push(link);
          },
          stop: () => {
            if (link.woken === null) this._remove(link);
          },
          describeWait: () => ({ kind: this.constructor.name, detail: this._describeWait(what) }),
        },
        { timeout, timeoutError: timedOut },
      );
      return true;
    } catch (err) {
      // Woken, but kill() or a Timeout got in first: the Waiter's value is lost.
      if (link.woken !== null && !this._notifyAll) this._ungrant();
      if (err === timedOut && link.woken === null) return false;
      throw err;
    } finally {
      if (link.woken !== null && this._notifyAll) this._landed(link.woken);
    }
  }

  /**
   * @internal wait() of the "all" mode objects: true once ready, false when
   * `ms` pass first. Validates `ms`; `what` names the call in
   * BlockingSwitchOutError.
   */
  protected _waitReady(ms: unknown, what: string): boolean {
    const timeout = checkTimeout(ms, 'timeout');
    if (this.ready()) {
      // Ready, but a notification is under way: queue behind the parties it
      // woke (gevent issue 1520), unless the caller may not or need not block.
      if (this._notification !== null && timeout !== 0 && canBlock()) this._park(null, true, what);
      return true;
    }
    if (timeout === 0) return false;
    assertCanBlock(what);
    return this._park(timeout, false, what);
  }

  private _remove(link: Link): void {
    const match = (l: Link) => l === link;
    if (spliceFirst(this._links, match)) return;
    const n = this._notification;
    if (n !== null && !spliceFirst(n.batch, match)) spliceFirst(n.arrived, match);
  }

  /** The notification, run on the Hub. */
  private _notify(n: Notification): void {
    n.round = 1;
    const links = this._links;
    this._links = [];
    if (this._notifyAll) {
      this._deliverAll(n, links);
      if (n.unlanded === 0) this._nextRound(n);
    } else {
      n.batch = links;
      this._deliverNext(n);
    }
  }

  /** "While ready" mode: delivers the next link, and comes back once it has run. */
  private _deliverNext(n: Notification): void {
    if (this._notification !== n) return;
    while (n.batch.length > 0 && this.ready()) {
      const link = n.batch.shift()!;
      if (link.waiter !== null) {
        // A waiter that timed out meanwhile (its Waiter was thrown) is skipped.
        if (link.waiter.ready()) continue;
        link.woken = n;
        this._grant();
        link.waiter.switch(this);
      } else {
        if (link.callback === null || n.called.has(link.callback)) continue;
        n.called.add(link.callback);
        this._call(link, null);
      }
      // After what was just woken: runs once that fiber parks again.
      getHub().callNext(() => this._deliverNext(n));
      return;
    }
    // What was not delivered keeps its place, ahead of links added since.
    if (n.batch.length > 0) this._links = n.batch.concat(this._links);
    n.batch = [];
    this._finish(n);
  }

  /** "All" mode: wakes every link of `batch`, counting what must land before the next round. */
  private _deliverAll(n: Notification, batch: Link[]): void {
    for (const link of batch) {
      if (link.waiter !== null) {
        if (link.waiter.ready()) continue;
        link.woken = n;
        n.unlanded++;
        link.waiter.switch(this);
      } else if (link.callback !== null && !n.called.has(link.callback)) {
        n.called.add(link.callback);
        n.unlanded++;
        this._call(link, n);
      }
    }
  }

  /** Queues a rawlink() callback on the Hub, in its turn after the parties woken before it. */
  private _call(link: Link, n: Notification | null): void {
    this._calling.push(link);
    getHub().callNext(() => {
      spliceFirst(this._calling, (l) => l === link);
      const cb = link.callback;
      try {
        if (cb !== null) cb(this);
      } catch (err) {
        getHub().handleError(`${String(this)} link ${cb!.name || '<anonymous>'}`, err);
      } finally {
        if (n !== null) this._landed(n);
      }
    });
  }

  /** "All" mode: a party (or callback) woken by `n` has run. */
  private _landed(n: Notification): void {
    if (--n.unlanded === 0) {
      // On the Hub, after the party that landed last has parked again: if it
      // waits again on the still-ready object it joins the latecomers first.
      getHub().call(() => this._nextRound(n));
    }
  }

  /** "All" mode: every party of the current round has run: notify the latecomers, or end. */
  private _nextRound(n: Notification): void {
    if (this._notification !== n) return;
    if (n.round === 1 && n.arrived.length > 0) {
      n.round = 2;
      const late = n.arrived;
      n.arrived = [];
      this._deliverAll(n, late);
      if (n.unlanded > 0) return;
    }
    this._finish(n);
  }

  private _finish(n: Notification): void {
    // Latecomers of the latecomers' round wait for the next notification,
    // after the links already there (gevent appends them too).
    if (n.arrived.length > 0) this._links.push(...n.arrived);
    n.arrived = [];
    this._notification = null;
    this._checkAndNotify();
  }
}

/** Removes the first element of `list` that `match` accepts; whether there was one. */
function spliceFirst<T>(list: T[], match: (x: T) => boolean): boolean {
  const i = list.findIndex(match);
  if (i < 0) return false;
  list.splice(i, 1);
  return true;
}
