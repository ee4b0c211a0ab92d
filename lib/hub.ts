// The Hub: gevent's hub in Node's idiom.
//
// The Hub is the main thread, the one that owns Node's event loop. Fibers park
// on Waiters (Fiber.yield() back to whoever resumed them) and are resumed only
// by the Hub, from main-thread code, in FIFO order of becoming ready. Waking a
// fiber only queues it: the Hub runs the queue at its next turn (a
// setImmediate, so all a poll phase made ready runs as one batch), or once the
// waker has parked when the Hub is already running fibers. Within a batch a
// greenlet that parks hands control straight to the next one (fiber.ts
// setHandOver), one thread switch per fiber instead of two.
//
// One queue holds everything, in gevent's run_callback order: woken fibers,
// notifications and other Hub calls, greenlet starts, sleep(0). What a Hub
// call wakes (and the next step it asks for with callNext) goes to the head
// of the queue instead: gevent's callbacks switch into the greenlets they
// wake at once, and carry on when those block again.
//
// The main thread itself may block only at a script's top level, before the
// event loop has started: it then acts as gevent's main greenlet (the "root"),
// and the Hub runs loop turns itself (native/loop.cc) until the root's Waiter
// is switched. Anywhere else on the main thread (an event-loop callback, a
// promise job, a nextTick) blocking is refused with BlockingSwitchOutError.
import { executionAsyncId, executionAsyncResource } from 'async_hooks';
import { performance } from 'perf_hooks';
import { inspect } from 'util';
import { isMainThread } from 'worker_threads';
import { Fiber, HandOver, isParked, setFiberOwner, setHandOver } from './fiber';
import { BlockingSwitchOutError, InvalidSwitchError, LoopExit, TimeoutError } from './errors';
import { invalidArgType, outOfRange } from './args';
import { guardImmediates, Immediate } from './immediate-guard';
import { loop } from './loop';
import { startTimer, stopTimer, type Timer } from './timer';
import { Waiter } from './waiter';

/** Something that calls back once: the Hub starts it with a Waiter and stops it when the wait ends. */
export interface Watcher<T> {
  /** Arrange for `waiter.switch(value)` or `waiter.throw(err)` to be called once. May call it at once. */
  start(waiter: Waiter<T>): void;
  /** Undo start(): remove listeners, clear timers. Called on every exit path of Hub.wait(). */
  stop(): void;
  /** What is waited on, for dumpFibers() (called only when a dump is made). */
  describeWait?(): WaitDescription;
}

/** What a parked fiber waits on, as dumpFibers() reports it. */
export interface WaitDescription {
  /** A short kind: 'recv', 'accept', 'sleep', 'Event', 'Queue', 'Waiter', 'Future', 'join', ... */
  kind: string;
  /** A sentence for people: what exactly, and for sleep the time left. */
  detail: string;
}

/** @internal Something the Hub starts at its next turn (a scheduled Greenlet), listed by dumpFibers(). */
export interface Scheduled {
  runScheduled(): void;
}

export interface HubWaitOptions {
  /** Milliseconds to wait before giving up; null or undefined waits forever. */
  timeout?: number | null;
  /** What to throw on timeout (default: a new TimeoutError). */
  timeoutError?: unknown;
}

/** Anything wait()/iwait() can wait on: Greenlets, Waiters and the sync objects. */
export interface Linkable {
  ready(): boolean;
  /** Calls `cb(this)` on the Hub once the object is ready (at once, on the Hub's next run, if it already is). */
  rawlink(cb: (obj: any) => void): void;
  unlink(cb: (obj: any) => void): void;
}

interface PendingThrow {
  error: unknown;
  source: unknown;
}

/**
 * @internal One party that can block: a fiber, or the root (the main thread at
 * a script's top level, fiber === null).
 */
export class Party {
  /** The Waiter this party is parked on, or null. */
  waiter: Waiter<any> | null = null;
  /** Bumped at the end of every park; run-queue entries for an older park are stale. */
  seq = 0;
  /** Errors to raise at this party's next blocking point (kill, Timeout). */
  pending: PendingThrow[] = [];
  /** The value the Hub resumes a parked fiber with; anything else is an invalid switch. */
  readonly token: object = Object.freeze({});
  /** The Greenlet running on this fiber, if any. */
  owner: unknown = undefined;
  /** Parked with a bare Fiber.yield() (the old API's Future.wait): anyone may resume it, and kill/Timeout errors do too. */
  yieldParked = false;
  /** When the current (or last) park began, on the Hub's clock (performance.now() milliseconds). */
  parkedAt = 0;
  constructor(readonly fiber: Fiber | null) {}
}

// The run queue holds fibers to resume and hub-level calls (link
// notifications), FIFO, flat: two slots an entry, [party, the park it was
// woken in] or [fn, 0], so a wake-up allocates nothing.
type Slot = Party | (() => void) | Scheduled | Waiter<void> | number;

/**
 * Where a fiber's Party is kept: a field on the Fiber itself (there is one
 * Hub per thread), not a WeakMap, whose entries every scavenge must revisit.
 */
const kParty = Symbol('fibernet.party');


/** The run-queue tag of a Scheduled item (a Party's entries carry its park number, a call's 0). */
const SCHEDULED = -1;
/** The run-queue tag of sleep(0)'s Waiter: switched (and its party resumed) when its turn comes. */
const SWITCH = -2;

/** Time a Hub drain may run fibers before it lets the event loop turn (like Python's switch interval). */
const SWITCH_INTERVAL_MS = 5;

function describeValue(v: unknown): string {
  return inspect(v, { depth: 0, breakLength: Infinity });
}

/** @internal A human-readable name for a party, for error messages. */
export function describeParty(p: Party | null): string {
  if (p === null) return 'nobody';
  if (p.fiber === null) return 'the root (main thread)';
  if (p.owner !== undefined) return String(p.owner);
  return 'a Fiber';
}

export class Hub {
  private readonly queue: Slot[] = [];
  private head = 0;
  /** What nextHandOver() returns, reused: fiber.ts reads it at once. */
  private readonly handOverSlot: HandOver = { fiber: null as unknown as Fiber, value: undefined };
  /** Callbacks that wait for the Hub's next turn, after the loop's poll (a server resuming its intake). */
  private nextTurn: Array<() => void> = [];
  private turnPending = false;
  private tickPending = false;
  /**
   * While the Hub runs one of its callbacks: the fibers it wakes and the
   * calls it makes, which run next, ahead of the rest of the queue. A gevent
   * Hub callback switches into a greenlet it wakes at once, and its
   * notifier goes on once that greenlet blocks again; running them next,
   * in order, is the same order.
   */
  private front: Slot[] | null = null;
  /** The array `front` uses, reused (it is emptied into the queue after each call). */
  private readonly frontEntries: Slot[] = [];
  /** True while the Hub runs fibers or its callbacks: wake-ups only queue. */
  private draining = false;
  /** True while the root is inside a native loop turn. */
  private inLoopTurn = false;
  /** @internal */
  readonly root = new Party(null);

  /** When the current drain began (its fairness budget). */
  private drainStarted = 0;
  /**
   * @internal performance.now() at the start of the Hub's current (or last)
   * turn: when a park began, to within a switch interval, without reading
   * the clock at every park.
   */
  clock = 0;

  /** @internal Use getHub(). */
  constructor() {
    this.turn = this.turn.bind(this);
    this.tick = this.tick.bind(this);
    setHandOver(() => this.nextHandOver());
    guardImmediates(() => this.inLoopTurn);
  }

  /**
   * Parks the current fiber (or the root) until `watcher` switches or throws
   * its Waiter; returns the value or throws the error. The watcher is stopped
   * on every exit path (value, error, timeout, kill).
   */
  wait<T>(watcher: Watcher<T>, options?: HubWaitOptions): T {
    assertCanBlock('Hub.wait()');
    const timeout = checkTimeout(options?.timeout);
    const timeoutError =
      timeout === null ? undefined : options?.timeoutError !== undefined ? options.timeoutError : new TimeoutError();
    const waiter = new Waiter<T>();
    waiter.source = watcher;
    let timer: Timer | null = null;
    try {
      watcher.start(waiter);
      if (timeout !== null && !waiter.ready()) timer = startTimer(() => waiter.throw(timeoutError), timeout);
      return waiter.get();
    } finally {
      stopTimer(timer);
      watcher.stop();
    }
  }

  /**
   * Runs `fn` on the Hub after everything already queued there (fibers
   * woken, notifications, greenlets started): one FIFO, gevent's
   * run_callback. Errors are reported, not thrown.
   */
  schedule(fn: () => void): void {
    if (typeof fn !== 'function') throw new TypeError('schedule() expects a function');
    this.queue.push(fn, 0);
    this.kick();
  }

  /** @internal Starts `item` on the Hub, in the same FIFO as schedule() (Greenlet#start). */
  scheduleStart(item: Scheduled): void {
    this.queue.push(item, SCHEDULED);
    this.kick();
  }

  /**
   * @internal Switches `w` when its turn in the FIFO comes and resumes its
   * party right there (sleep(0)): a woken party without a Hub call before
   * it, so a greenlet parking ahead of it hands control straight to it.
   * `w` must be one nothing else links to.
   */
  scheduleSwitch(w: Waiter<void>): void {
    this.queue.push(w, SWITCH);
    this.kick();
  }

  /** @internal Runs `fn` at the Hub's next turn, once the loop has polled. */
  scheduleNextTurn(fn: () => void): void {
    this.nextTurn.push(fn);
    this.requestTurn();
  }

  /** @internal What waits in the Hub's queue to start (dumpFibers). */
  scheduledItems(): Scheduled[] {
    const out: Scheduled[] = [];
    const q = this.queue;
    for (let i = this.head; i < q.length; i += 2) if (q[i + 1] === SCHEDULED) out.push(q[i] as Scheduled);
    return out;
  }

  /** @internal The parties queued to be resumed (woken, not yet run). */
  readyParties(): Set<Party> {
    const out = new Set<Party>();
    const q = this.queue;
    for (let i = this.head; i < q.length; i += 2) {
      const p = q[i];
      if (p instanceof Party && p.seq === q[i + 1] && (p.waiter !== null || p.yieldParked)) out.add(p);
    }
    return out;
  }

  /**
   * Reports an error nobody can receive (a greenlet's, a Hub callback's):
   * prints its stack and `<context> failed with <name>` to stderr. Replace it
   * to log elsewhere.
   */
  handleError(context: unknown, error: unknown): void {
    // The value may be hostile (a revoked Proxy, a throwing stack getter):
    // reporting it must not throw in its turn.
    let stack: string;
    let name: string;
    try {
      stack = error instanceof Error && error.stack ? String(error.stack) : describeValue(error);
      name = error instanceof Error ? String(error.name) : typeof error;
    } catch {
      stack = `<a thrown ${typeof error} that cannot be inspected>`;
      name = typeof error;
    }
    process.stderr.write(`${stack}\n${String(context)} failed with ${name}\n\n`);
  }

  // ---- internals used by Waiter, Greenlet and Timeout ----------------------

  /** @internal The party of the running fiber, or the root on the main thread. */
  currentParty(): Party {
    const fiber = Fiber.current;
    return fiber === undefined ? this.root : this.partyOf(fiber);
  }

  /** @internal */
  partyOf(fiber: Fiber): Party {
    const holder = fiber as unknown as { [kParty]?: Party };
    let p = holder[kParty];
    if (p === undefined) {
      p = new Party(fiber);
      holder[kParty] = p;
      // A plain Fiber that blocks on the Hub: dumpFibers() finds its party
      // through the fiber's state, weakly (see FiberState.owner).
      setFiberOwner(fiber, new WeakRef(p));
    }
    return p;
  }

  /** @internal The party of a fiber that `owner` (a Greenlet) runs on. */
  adopt(fiber: Fiber, owner: unknown): Party {
    const p = new Party(fiber);
    p.owner = owner;
    (fiber as unknown as { [kParty]?: Party })[kParty] = p;
    setFiberOwner(fiber, owner);
    return p;
  }

  /** @internal The party of a fiber, if it has one. */
  findParty(fiber: Fiber): Party | undefined {
    return (fiber as unknown as { [kParty]?: Party })[kParty];
  }

  /** @internal Whether the main thread may block here (it is the root at a script's top level). */
  rootCanBlock(): boolean {
    return isMainThread && executionAsyncId() === 1 && !this.draining && this.root.waiter === null;
  }

  /** @internal Blocks the current party until `waiter` is ready (or a pending error is raised). */
  park(waiter: Waiter<any>): void {
    const fiber = Fiber.current;
    if (fiber === undefined) {
      this.parkRoot(waiter);
      return;
    }
    const p = this.partyOf(fiber);
    for (;;) {
      this.raisePending(p);
      if (waiter.ready()) return;
      p.waiter = waiter;
      p.parkedAt = this.clock;
      let resumedWith: unknown;
      try {
        resumedWith = Fiber.yield();
      } finally {
        p.waiter = null;
        p.seq++;
      }
      if (resumedWith !== p.token) {
        throw new InvalidSwitchError(
          `Invalid switch into ${describeParty(p)}: got ${describeValue(resumedWith)} (expected ${String(waiter)})`,
        );
      }
    }
  }

  private parkRoot(waiter: Waiter<any>): void {
    const p = this.root;
    p.waiter = waiter;
    p.parkedAt = performance.now();
    try {
      for (;;) {
        this.raisePending(p);
        if (waiter.ready()) return;
        loop.callReportingErrors(runTicks);
        if (waiter.ready() || p.pending.length > 0) continue;
        if (!loop.loopAlive()) {
          loop.drainPlatformTasks();
          loop.callReportingErrors(runTicks);
          if (waiter.ready() || p.pending.length > 0) continue;
          if (!loop.loopAlive()) throw new LoopExit();
        }
        this.inLoopTurn = true;
        try {
          loop.runLoopOnce(false, runTicks);
        } finally {
          this.inLoopTurn = false;
        }
      }
    } finally {
      p.waiter = null;
      p.seq++;
    }
  }

  /**
   * @internal Parks the current fiber the old API's way, with a bare
   * Fiber.yield(): whoever resumes it ends the park (fibers semantics), and so
   * does an error thrown into it (kill(), a Timeout), which is then raised.
   */
  parkYield(): void {
    const fiber = Fiber.current;
    if (fiber === undefined) throw new Error('parkYield() needs a fiber');
    const p = this.partyOf(fiber);
    this.raisePending(p);
    p.yieldParked = true;
    p.parkedAt = this.clock;
    try {
      Fiber.yield();
    } finally {
      p.yieldParked = false;
      p.seq++;
    }
    this.raisePending(p);
  }

  private raisePending(p: Party): void {
    if (p.pending.length > 0) throw p.pending.shift()!.error;
  }

  /** @internal A Waiter `p` is parked on became ready: queue `p` for the Hub. */
  wake(p: Party): void {
    if (p.waiter === null && !p.yieldParked) return;
    if (p.fiber === null) {
      if (this.inLoopTurn) loop.stopLoop();
      return;
    }
    if (this.front !== null && Fiber.current === undefined) this.front.push(p, p.seq);
    else {
      this.queue.push(p, p.seq);
      this.kick();
    }
  }

  /** @internal Runs `fn` on the Hub after what is already queued (gevent's run_callback: link notifications). */
  call(fn: () => void): void {
    this.queue.push(fn, 0);
    this.kick();
  }

  /**
   * @internal Called from a Hub callback, runs `fn` right after that
   * callback and the fibers it woke: how a notifier goes on once the
   * greenlet it switched into blocks again. Elsewhere it is call().
   */
  callNext(fn: () => void): void {
    if (this.front !== null && Fiber.current === undefined) this.front.push(fn, 0);
    else {
      this.queue.push(fn, 0);
      this.kick();
    }
  }

  /** @internal Raises `error` in `p` at its current or next blocking point. */
  throwInto(p: Party, error: unknown, source: unknown): void {
    p.pending.push({ error, source });
    this.wake(p);
  }

  /** @internal Withdraws errors from `source` not yet raised in `p`. */
  cancelPending(p: Party, source: unknown): void {
    if (p.pending.length > 0) p.pending = p.pending.filter((t) => t.source !== source);
  }

  /**
   * @internal Starts a fiber now (from the main thread), then runs what
   * became ready. With `onStartFailure`, a fiber the core cannot start (no
   * stack or thread left) is reported there instead of as uncaught.
   */
  start(p: Party, onStartFailure?: (err: unknown) => void): void {
    if (Fiber.current !== undefined) {
      this.schedule(() => this.start(p, onStartFailure));
      return;
    }
    const was = this.draining;
    this.draining = true;
    if (!was) this.clock = performance.now();
    try {
      if (onStartFailure === undefined) this.runFiber(p, undefined);
      else {
        try {
          p.fiber!.run(undefined);
        } catch (err) {
          // The core could not give it a stack or thread: it never ran. Its
          // owner fails alone (a greenlet, with this error); everyone else
          // goes on.
          if (p.fiber!.started) throw err;
          onStartFailure(err);
        }
      }
    } finally {
      this.draining = was;
    }
    if (!was) this.drain();
  }

  private kick(): void {
    // Woken fibers run at the Hub's next turn, in the check phase of the
    // loop iteration that woke them: everything the poll phase made ready is
    // then run as one batch, each fiber handing control to the next. A wake
    // from a setImmediate callback comes during the check phase itself,
    // where a new setImmediate would wait a whole loop iteration: those run
    // as soon as the callback returns (its nextTick queue).
    if (this.draining) return;
    if (Fiber.current === undefined && executionAsyncResource() instanceof Immediate) this.requestTick();
    else this.requestTurn();
  }

  private requestTick(): void {
    if (this.tickPending) return;
    this.tickPending = true;
    process.nextTick(this.tick);
  }

  private tick(): void {
    this.tickPending = false;
    this.drain();
  }

  /**
   * Called by a fiber the Hub resumed when it parks: the next queued
   * greenlet to run in its place, or null to come back to the Hub (for a
   * Hub call, a plain Fiber, or when the drain's time is up).
   */
  private nextHandOver(): HandOver | null {
    if (!this.draining) return null;
    const q = this.queue;
    while (this.head < q.length) {
      const first = q[this.head];
      const tag = q[this.head + 1];
      if (typeof first === 'function' || tag === SCHEDULED) return null;
      if (tag === SWITCH) {
        const w = first as Waiter<void>;
        const p = w.party;
        if (p === null || p.waiter !== w || w.ready()) {
          this.dropHead();
          continue;
        }
        if (p.owner === undefined || p.fiber === null || !isParked(p.fiber)) return null;
        if (performance.now() - this.drainStarted > SWITCH_INTERVAL_MS) return null;
        this.dropHead();
        w.settle(undefined);
        const next = this.handOverSlot;
        next.fiber = p.fiber;
        next.value = p.token;
        return next;
      }
      const p = first as Party;
      if (p.seq !== q[this.head + 1] || (p.waiter === null && !p.yieldParked)) {
        this.dropHead();
        continue;
      }
      if (p.waiter === null) return null; // a bare-yield park: the drain resumes it
      // Greenlets catch their own errors; a plain Fiber's error must reach
      // the Hub's runFiber, so it is resumed from there, and so is the
      // parking fiber itself when it was woken meanwhile.
      if (p.owner === undefined || p.fiber === null || !isParked(p.fiber)) return null;
      if (performance.now() - this.drainStarted > SWITCH_INTERVAL_MS) return null;
      this.dropHead();
      const next = this.handOverSlot;
      next.fiber = p.fiber;
      next.value = p.token;
      return next;
    }
    return null;
  }

  /** Puts `entries` at the head of the run queue, in order. */
  private putFront(entries: Slot[]): void {
    const q = this.queue;
    const n = entries.length;
    if (this.head >= n) {
      this.head -= n;
      for (let i = 0; i < n; i++) q[this.head + i] = entries[i];
    } else q.splice(this.head, 0, ...entries);
  }

  /** Clears the head entry (so the queue keeps nothing alive) and moves past it. */
  private dropHead(): void {
    const q = this.queue;
    q[this.head] = 0;
    q[this.head + 1] = 0;
    this.head += 2;
  }

  private requestTurn(): void {
    if (this.turnPending) return;
    this.turnPending = true;
    setImmediate(this.turn);
  }

  private turn(): void {
    this.turnPending = false;
    const cbs = this.nextTurn;
    if (cbs.length > 0) {
      // They join the FIFO behind what is queued already.
      this.nextTurn = [];
      for (let i = 0; i < cbs.length; i++) this.queue.push(cbs[i], 0);
    }
    this.drain();
  }

  /** Runs queued fibers and calls FIFO, for at most one switch interval. */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    const q = this.queue;
    const started = performance.now();
    this.drainStarted = started;
    this.clock = started;
    try {
      while (this.head < q.length) {
        const first = q[this.head];
        const seq = q[this.head + 1];
        // The budget is checked before each fiber it resumes or starts (as
        // nextHandOver does): a fiber woken by the callback just run may
        // find that the event loop ran first.
        if (typeof first !== 'function' && performance.now() - started > SWITCH_INTERVAL_MS) {
          this.requestTurn();
          break;
        }
        this.dropHead();
        if (typeof first === 'function') {
          const front = this.frontEntries;
          this.front = front;
          try {
            first();
          } catch (err) {
            this.handleError(first.name ? `Hub callback ${first.name}` : 'Hub callback', err);
          } finally {
            this.front = null;
          }
          if (front.length > 0) {
            this.putFront(front);
            front.length = 0;
          }
        } else if (seq === SWITCH) {
          const w = first as Waiter<void>;
          const p = w.party;
          if (p !== null && p.waiter === w && !w.ready()) {
            if (p.fiber === null) w.switch(undefined); // the root resumes once the drain is done
            else {
              w.settle(undefined);
              this.runFiber(p, p.token);
            }
          }
        } else if (seq === SCHEDULED) {
          try {
            (first as Scheduled).runScheduled();
          } catch (err) {
            this.handleError(String(first), err);
          }
        } else {
          const p = first as Party;
          if (p.seq === seq && (p.waiter !== null || p.yieldParked)) this.runFiber(p, p.token);
        }
      }
    } finally {
      if (this.head === q.length) {
        q.length = 0;
        this.head = 0;
      } else if (this.head > 2048 && this.head * 2 > q.length) {
        q.splice(0, this.head);
        this.head = 0;
      }
      this.draining = false;
    }
  }

  private runFiber(p: Party, value: unknown): void {
    try {
      p.fiber!.run(value);
    } catch (err) {
      // A plain Fiber (not a Greenlet) the Hub resumed ended with an error:
      // nobody called run() to receive it, so it is raised the way an error
      // in an event-loop callback is: as an uncaught exception.
      setImmediate(() => {
        throw err;
      });
    }
  }
}

function runTicks(): void {
  (process as unknown as { _tickCallback(): void })._tickCallback();
}

/**
 * @internal Validates a timeout in milliseconds named `name` in errors;
 * null/undefined means none, Infinity waits forever too (startTimer never
 * fires it). Not a number: ERR_INVALID_ARG_TYPE; negative or NaN: ERR_OUT_OF_RANGE.
 */
export function checkTimeout(ms: unknown, name = 'timeout'): number | null {
  if (ms === undefined || ms === null) return null;
  if (typeof ms !== 'number') throw invalidArgType(name, 'of type number (milliseconds) or null', ms);
  if (!(ms >= 0)) throw outOfRange(name, '>= 0 (milliseconds), or null to wait forever', ms);
  return ms;
}

let theHub: Hub | undefined;

/** The Hub of this thread (the main thread, or a worker's own). */
export function getHub(): Hub {
  if (theHub === undefined) theHub = new Hub();
  return theHub;
}

/**
 * Throws BlockingSwitchOutError when the caller may not block: on the main
 * thread anywhere but a script's top level (an event-loop callback, a promise
 * job, a nextTick, a Hub callback). `what` names the blocking call, e.g. 'recv()'.
 */
export function assertCanBlock(what: string): void {
  if (Fiber.current !== undefined) return;
  if (getHub().rootCanBlock()) return;
  if (!isMainThread) {
    // A worker's script itself runs inside an event-loop callback (the
    // message that loads it), and libuv's loop cannot be run again from a
    // callback: a worker has no root that may block.
    throw new BlockingSwitchOutError(
      `Impossible to call blocking function ${what} outside a fiber in a worker thread: a worker's top level runs inside an event-loop callback, where the loop cannot be run again; use spawn() to run it in a fiber (e.g. spawn(main) at the worker's top level)`,
    );
  }
  throw new BlockingSwitchOutError(
    `Impossible to call blocking function ${what} in an event-loop callback on the main thread: use spawn() to run it in a fiber`,
  );
}

/** Whether the caller may block (it is in a fiber, or the root at a script's top level). */
export function canBlock(): boolean {
  return Fiber.current !== undefined || getHub().rootCanBlock();
}

export interface WaitOptions {
  /** Milliseconds; when it passes, return what is ready so far. */
  timeout?: number | null;
  /** Return once this many objects are ready (default: all). */
  count?: number | null;
}

/**
 * Waits until `objects` (Greenlets, Waiters, sync objects) are ready, or
 * `count` of them, or `timeout` passes; returns the ready ones in the order
 * they became ready. Called with no objects on the root, it runs the event
 * loop until nothing is left (true) or the timeout passes (false).
 */
export function wait<T extends Linkable>(objects: Iterable<T>, options?: WaitOptions): T[];
export function wait(objects?: null, options?: WaitOptions): boolean;
export function wait<T extends Linkable>(objects?: Iterable<T> | null, options?: WaitOptions): T[] | boolean {
  if (objects === undefined || objects === null) return waitForLoop(options?.timeout);
  const result: T[] = [];
  for (const obj of iwait(objects, options)) result.push(obj);
  return result;
}

function waitForLoop(timeoutMs: unknown): boolean {
  const timeout = checkTimeout(timeoutMs);
  if (Fiber.current !== undefined) throw new TypeError('wait() without objects may only be called by the root (the main thread at top level)');
  assertCanBlock('wait()');
  const w = new Waiter<void>();
  const timedOut = {};
  // Unreferenced: the timer must not keep the loop alive by itself.
  const timer = timeout === null ? null : startTimer(() => w.throw(timedOut), timeout, true);
  try {
    w.get();
    return true;
  } catch (err) {
    if (err === timedOut) return false;
    if (err instanceof LoopExit) return true;
    throw err;
  } finally {
    stopTimer(timer);
  }
}

/**
 * Yields `objects` as they become ready (at most `count`, until `timeout`
 * passes: one deadline for the whole iteration). Leaving the loop early
 * unlinks everything.
 */
export function* iwait<T extends Linkable>(objects: Iterable<T>, options?: WaitOptions): Generator<T, void, undefined> {
  const list = Array.from(objects);
  const timeout = checkTimeout(options?.timeout);
  const rawCount = options?.count;
  if (rawCount !== undefined && rawCount !== null && (typeof rawCount !== 'number' || Number.isNaN(rawCount))) {
    throw new TypeError(`count must be a number, got ${describeValue(rawCount)}`);
  }
  const count = rawCount === undefined || rawCount === null ? list.length : Math.max(0, Math.min(rawCount, list.length));
  const deadline = timeout === null ? null : performance.now() + timeout;
  const readyQueue: T[] = [];
  let waiter: Waiter<void> | null = null;
  const onReady = (obj: T) => {
    readyQueue.push(obj);
    if (waiter !== null) {
      const w = waiter;
      waiter = null;
      w.switch(undefined);
    }
  };
  const linked: T[] = [];
  try {
    for (const obj of list) {
      if (obj.ready()) readyQueue.push(obj);
      else {
        obj.rawlink(onReady);
        linked.push(obj);
      }
    }
    let given = 0;
    while (given < count) {
      if (readyQueue.length === 0) {
        let left: number | null = null;
        if (deadline !== null) {
          left = deadline - performance.now();
          if (left <= 0) return;
        }
        const timedOut = {};
        try {
          getHub().wait<void>(
            {
              start(w) {
                waiter = w;
              },
              stop() {
                waiter = null;
              },
            },
            { timeout: left, timeoutError: timedOut },
          );
        } catch (err) {
          if (err === timedOut) return;
          throw err;
        }
        continue;
      }
      given++;
      yield readyQueue.shift()!;
    }
  } finally {
    for (const obj of linked) obj.unlink(onReady);
  }
}
