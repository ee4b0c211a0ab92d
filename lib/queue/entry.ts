// One party (a fiber, or the root) waiting in a queue's line, and the few
// moves a queue makes with it: park it, wake it, give it back its place,
// and run the queue's next step once the woken party has had its turn.
//
// gevent's queues wake a waiter by switching into it from the Hub: it runs
// until it blocks again, and only then does the queue look at its state
// again. fibernet's Hub never runs a fiber synchronously: waking one queues
// it, at the head of the Hub's queue when a Hub call wakes it. So a queue
// that wakes a party hands the Hub its next step right behind that party
// (after(), with callNext): the Hub resumes the party, the party runs
// until it parks, then the step runs, as in gevent. The root cannot be run
// from the Hub at all (it resumes once the Hub's batch is done), so a step
// that follows the root waits until the root is back (then it is queued on
// the Hub, which runs it when the root blocks again).
//
// In gevent such a chain of wake-ups is one loop callback, so the next
// callback (another queue's unlock, say) starts only after it. Here the Hub
// would run an unlock queued meanwhile before the party just woken, so a
// chain that starts while another chain's woken party has not run yet waits
// for it (runStep): the queues of a thread take turns as gevent's do.
import { Fiber } from '../fiber';
import { getHub } from '../hub';
import { startTimer, stopTimer, type Timer } from '../timer';
import type { Waiter } from '../waiter';

/**
 * How many woken parties of a queue's step (an unlock, a join notification)
 * have not run yet: 0 or 1, since a step that wakes a party waits for it,
 * and steps that start meanwhile wait their turn in `deferred` (below).
 */
let inFlight = 0;
/** Steps that started while another step's woken party had not run yet, in the order they started. */
const deferred: Array<() => void> = [];

/**
 * @internal Runs the first step of an unlock or notification, which the
 * caller queued on the Hub. In gevent each one runs inside a loop callback
 * and switches into the greenlets it wakes, so the next callback starts only
 * once that one is over; here a step that starts while another's woken party
 * has not run yet is deferred until that party has run and its step is done.
 */
export function runStep(step: () => void): void {
  if (inFlight > 0) deferred.push(step);
  else step();
}

function runDeferred(): void {
  while (inFlight === 0 && deferred.length > 0) deferred.shift()!();
}

/** @internal What a wait whose own timeout passed is thrown with; each call turns it into its own outcome. */
export const TIMED_OUT: object = Object.freeze({ timedOut: true });

/** @internal Not parked yet. */
export const IDLE = 0;
/** @internal In a line, waiting to be served. */
export const WAITING = 1;
/** @internal Taken out of the line and woken (or matched, on a Channel) by the queue. */
export const SERVED = 2;
/** @internal Its timeout passed while it waited. */
export const EXPIRED = 3;

/** @internal */
export class WaitEntry {
  /** IDLE, WAITING, SERVED or EXPIRED. */
  state = IDLE;
  /** The Waiter of the current park. */
  private waiter: Waiter<unknown> | null = null;
  /** Whether the party is the root (the main thread at a script's top level). */
  private readonly root: boolean;
  /** True from the moment it joins a line until its park returns. */
  private parked = false;
  /** The call's own deadline passed (while it was waiting, or while it was being served). */
  private expired = false;
  private timer: Timer | null = null;
  /** The line it waits in, while WAITING. */
  private list: WaitEntry[] | null = null;
  /** A step queued to run after the root, once it is back. */
  private then: (() => void) | null = null;

  /** A party that will wait at most `timeout` ms (null: forever), counted from now, across all its parks. */
  constructor(timeout: number | null) {
    this.root = Fiber.current === undefined;
    if (timeout !== null) this.timer = startTimer(() => this.onTimer(), timeout);
  }

  /**
   * Parks the caller in `list` (at its end, or at its front when it gets its
   * place back) until the queue serves it: returns normally once woken,
   * throws TIMED_OUT when its deadline passes, or whatever kill() or a
   * Timeout raise. `onQueued` runs once it is in the line, before it parks.
   */
  park(list: WaitEntry[], front: boolean, what: string, onQueued?: () => void): void {
    try {
      getHub().wait<unknown>({
        start: (w) => {
          this.waiter = w;
          this.parked = true;
          if (this.expired) {
            this.state = EXPIRED;
            w.throw(TIMED_OUT);
            return;
          }
          this.enqueue(list, front);
          if (onQueued !== undefined) onQueued();
        },
        stop: () => {
          if (this.state === WAITING) this.dequeue();
        },
        describeWait: () => ({ kind: 'Queue', detail: what }),
      });
    } finally {
      this.parked = false;
      const then = this.then;
      if (then !== null) {
        this.then = null;
        getHub().callNext(then);
      }
    }
  }

  /**
   * Marks the party served (already taken out of its line by the caller)
   * without waking it yet: its own deadline no longer applies, unless it is
   * given its place back (requeue).
   */
  claim(): void {
    this.state = SERVED;
    this.list = null;
  }

  /** Wakes the party (already taken out of its line by the caller): its park returns. */
  wake(): void {
    this.state = SERVED;
    this.list = null;
    this.waiter!.switch(undefined);
  }

  /** Wakes the party with `err`, which its park throws. */
  fail(err: unknown): void {
    this.state = SERVED;
    this.list = null;
    this.waiter!.throw(err);
  }

  /**
   * A served party that is still parked gets its place back at the front of
   * `list`, because what the queue served it with was withdrawn; if its time
   * ran out meanwhile it is woken with TIMED_OUT instead.
   */
  requeue(list: WaitEntry[]): void {
    if (this.expired) {
      this.state = EXPIRED;
      this.waiter!.throw(TIMED_OUT);
    } else {
      this.enqueue(list, true);
    }
  }

  /** Moves every entry of `from` to the end of `to`, in order (they keep waiting, now in `to`). */
  static moveAll(from: WaitEntry[], to: WaitEntry[]): void {
    for (const e of from.splice(0)) {
      e.list = to;
      to.push(e);
    }
  }

  /** Whether the party is still in its park (it has not run since it was served). */
  get waiting(): boolean {
    return this.parked;
  }

  /**
   * Runs `step` on the Hub once this woken party has run until it blocks
   * again (see the top of this file).
   */
  after(step: () => void): void {
    inFlight++;
    const next = (): void => {
      inFlight--;
      step();
      runDeferred();
    };
    if (this.root && this.parked) this.then = next;
    else getHub().callNext(next);
  }

  /** Stops the deadline's timer; call it when the blocking call returns or throws. */
  dispose(): void {
    stopTimer(this.timer);
    this.timer = null;
  }

  private onTimer(): void {
    this.timer = null;
    this.expired = true;
    // A party the queue has already served keeps what it was given; the
    // deadline only matters again if it is given its place back (requeue).
    if (this.state !== WAITING) return;
    this.dequeue();
    this.state = EXPIRED;
    this.waiter!.throw(TIMED_OUT);
  }

  private enqueue(list: WaitEntry[], front: boolean): void {
    this.state = WAITING;
    this.list = list;
    if (front) list.unshift(this);
    else list.push(this);
  }

  private dequeue(): void {
    const list = this.list;
    this.list = null;
    if (list === null) return;
    const i = list.indexOf(this);
    if (i >= 0) list.splice(i, 1);
  }
}
