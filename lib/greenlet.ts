// Greenlets: fibers the Hub runs, with a result, links, join and kill
// (gevent.greenlet in Node's idiom).
import { performance } from 'perf_hooks';
import { Fiber } from './fiber';
import { FiberExit, TimeoutError } from './errors';
import { canBlock, checkTimeout, getHub, iwait, wait, type Party } from './hub';
import { invalidArgType } from './args';
import { startTimer, stopTimer, type Timer } from './timer';

export type LinkCallback<T> = (greenlet: Greenlet<T>) => void;

export interface KillOptions {
  /** Wait for the greenlet to finish (default true; ignored where the caller may not block). */
  block?: boolean;
  /** With block, the most milliseconds to wait. */
  timeout?: number | null;
}

export interface JoinAllOptions {
  /** Milliseconds; when it passes, return the greenlets finished so far. */
  timeout?: number | null;
  /** Throw the first failure (in completion order) instead of returning. */
  raiseError?: boolean;
  /** Return once this many have finished. */
  count?: number | null;
}

const NEW = 0;
const SCHEDULED = 1;
const RUNNING = 2;
const DEAD = 3;

let nextId = 1;

/** Greenlets started with startLater() whose delay has not passed (dumpFibers lists them). */
const startingLater = new Set<Greenlet<any>>();

/** @internal The greenlets started and not yet running: on the Hub's next turn, or after a delay. */
export function pendingGreenlets(): Array<Greenlet<unknown>> {
  const out: Array<Greenlet<unknown>> = [];
  for (const item of getHub().scheduledItems()) if (item instanceof Greenlet && item.started) out.push(item);
  for (const g of startingLater) out.push(g);
  return out;
}

export class Greenlet<T = unknown> {
  /** A number unique in this process, for messages. */
  readonly id = nextId++;
  /** The fiber this greenlet runs on. */
  readonly fiber: Fiber;
  /** The function's return value once it returned; the FiberExit error when killed with one. */
  value: T | FiberExit | undefined = undefined;
  /** The error that escaped the function, if it failed. */
  exception: unknown = undefined;

  private _fn: ((...args: any[]) => T) | null;
  private _args: unknown[] | null;
  private readonly _name: string;
  private _state = NEW;
  private _failed = false;
  private _links: Array<LinkCallback<T>> = [];
  private _timer: Timer | null = null;
  private readonly _party: Party;

  /** A greenlet that will run `fn(...args)` once started (spawn() creates and starts one). */
  constructor(fn: (...args: any[]) => T, ...args: unknown[]) {
    if (typeof fn !== 'function') throw new TypeError(`Greenlet expects a function, got ${typeof fn}`);
    this._fn = fn;
    this._args = args;
    this._name = fn.name || 'anonymous';
    // Created here, so the fiber starts in the async context of its spawner.
    this.fiber = new Fiber(() => this._body());
    this._party = getHub().adopt(this.fiber, this);
  }

  /** Schedules the greenlet to start on the Hub's next turn. Does nothing if already started or dead. */
  start(): this {
    if (this._state !== NEW) return this;
    this._state = SCHEDULED;
    getHub().scheduleStart(this);
    return this;
  }

  /**
   * @internal Starts the greenlet at once, from main-thread code outside any
   * fiber (an event-loop callback): patches/http.ts runs each request's
   * handler this way, without waiting for the Hub's next turn.
   */
  startNow(): this {
    if (this._state !== NEW) return this;
    this._state = SCHEDULED;
    this._begin();
    return this;
  }

  /** @internal Called by the Hub at the turn after start(). */
  runScheduled(): void {
    this._begin();
  }

  /** Starts the greenlet after `ms` milliseconds. */
  startLater(ms: number): this {
    const delay = checkDelay(ms, 'ms');
    if (this._state !== NEW) return this;
    this._state = SCHEDULED;
    startingLater.add(this);
    this._timer = startTimer(() => {
      this._timer = null;
      this._begin();
    }, delay);
    return this;
  }

  /** True once start() was called, until the greenlet finishes (gevent's `started`). */
  get started(): boolean {
    return this._state === SCHEDULED || this._state === RUNNING;
  }

  /** True once the function returned or threw, or the greenlet was killed. */
  get dead(): boolean {
    return this._state === DEAD;
  }

  /** Same as `dead`: the outcome is known. */
  ready(): boolean {
    return this._state === DEAD;
  }

  /** Finished without an error (being killed with FiberExit counts as success). */
  successful(): boolean {
    return this._state === DEAD && !this._failed;
  }

  /**
   * Calls `cb(this)` on the Hub once the greenlet is dead (soon, if it
   * already is), in the order links were added. Callbacks run in the Hub,
   * so they must not block: spawn() from them to do blocking work.
   */
  link(cb: LinkCallback<T>): void {
    if (typeof cb !== 'function') throw new TypeError('link() expects a function');
    if (this._state === DEAD) getHub().call(() => cb(this));
    else this._links.push(cb);
  }

  /** Same as link() (the name wait()/iwait() and the sync objects use). */
  rawlink(cb: LinkCallback<T>): void {
    this.link(cb);
  }

  /** Removes `cb` from the links. */
  unlink(cb: LinkCallback<T>): void {
    this._links = this._links.filter((l) => l !== cb);
  }

  /** Waits until the greenlet is dead or `ms` passes; returns whether it is dead. */
  join(ms?: number | null): boolean {
    if (this._state === DEAD) return true;
    const timedOut = {};
    let cb: LinkCallback<T> | null = null;
    try {
      getHub().wait<void>(
        {
          start: (w) => {
            cb = () => w.switch(undefined);
            this.link(cb);
          },
          stop: () => {
            if (cb !== null) this.unlink(cb);
          },
          describeWait: () => ({ kind: 'join', detail: `join() on ${String(this)}` }),
        },
        { timeout: ms, timeoutError: timedOut },
      );
    } catch (err) {
      if (err === timedOut) return false;
      throw err;
    }
    return true;
  }

  /** Waits for the greenlet; returns its value or throws its error. TimeoutError if `ms` passes first. */
  get(ms?: number | null): T {
    if (this._state !== DEAD && !this.join(ms)) throw new TimeoutError();
    if (this._failed) throw this.exception;
    return this.value as T;
  }

  /**
   * Raises `err` (default: a new FiberExit) inside the greenlet at its
   * blocking point; its catch/finally blocks run. A greenlet not started yet
   * never runs. With `block` (the default) waits for it to finish, up to
   * `timeout` ms; where the caller may not block (an event-loop callback) it
   * returns at once. Killing the running greenlet throws `err` right here.
   */
  kill(err?: unknown, options?: KillOptions): void {
    if (this._state === DEAD) return;
    const error = err === undefined ? new FiberExit() : err;
    if (this._state === NEW || this._state === SCHEDULED) {
      if (this._timer !== null) {
        stopTimer(this._timer);
        this._timer = null;
      }
      startingLater.delete(this);
      this._finish(undefined, error, true);
      return;
    }
    if (Fiber.current === this.fiber) throw error;
    getHub().throwInto(this._party, error, null);
    if ((options?.block ?? true) && canBlock()) this.join(options?.timeout);
  }

  toString(): string {
    return `Greenlet#${this.id}(${this._name})`;
  }

  private _begin(): void {
    if (this._state !== SCHEDULED) return;
    startingLater.delete(this);
    this._state = RUNNING;
    getHub().start(this._party, (err) => this._finish(undefined, err, true));
  }

  private _body(): void {
    const fn = this._fn!;
    const args = this._args!;
    let value: T | undefined;
    let error: unknown;
    let failed = false;
    try {
      value = fn(...args);
    } catch (err) {
      error = err;
      failed = true;
    }
    this._finish(value, error, failed);
  }

  private _finish(value: T | undefined, error: unknown, failed: boolean): void {
    this._state = DEAD;
    this._fn = null;
    this._args = null;
    this._party.pending.length = 0;
    if (!failed) {
      this.value = value;
    } else if (isFiberExit(error)) {
      this.value = error as FiberExit;
    } else {
      this.exception = error;
      this._failed = true;
      getHub().handleError(this, error);
    }
    const links = this._links;
    this._links = [];
    if (links.length > 0) {
      const hub = getHub();
      for (const cb of links) hub.call(() => cb(this));
    }
  }
}

/** Whether `error` is a FiberExit; false for values that throw when asked (a revoked Proxy). */
function isFiberExit(error: unknown): boolean {
  try {
    return error instanceof FiberExit;
  } catch {
    return false;
  }
}

/** Creates a greenlet running `fn(...args)` and starts it on the Hub's next turn. */
export function spawn<A extends unknown[], T>(fn: (...args: A) => T, ...args: A): Greenlet<T> {
  return new Greenlet<T>(fn as (...a: any[]) => T, ...args).start();
}

/** Like spawn(), but starts it after `ms` milliseconds. */
export function spawnLater<A extends unknown[], T>(ms: number, fn: (...args: A) => T, ...args: A): Greenlet<T> {
  return new Greenlet<T>(fn as (...a: any[]) => T, ...args).startLater(ms);
}

/** The running Greenlet, or the running plain Fiber, or undefined on the main thread. */
export function getCurrent(): Greenlet<unknown> | Fiber | undefined {
  const fiber = Fiber.current;
  if (fiber === undefined) return undefined;
  const owner = getHub().findParty(fiber)?.owner;
  return owner instanceof Greenlet ? owner : fiber;
}

/** A delay in ms where `null` makes no sense (sleep, startLater): a number >= 0, Infinity meaning forever. */
function checkDelay(ms: unknown, name: string): number {
  const delay = checkTimeout(ms, name);
  if (delay === null) throw invalidArgType(name, 'of type number (milliseconds)', ms);
  return delay;
}

/**
 * Parks the caller for `ms` milliseconds. sleep(0) (the default) goes to the
 * end of the Hub's queue, as gevent's does: what was queued before it runs
 * first; the event loop runs first only if the switch interval ran out.
 */
export function sleep(ms = 0): void {
  const delay = checkDelay(ms, 'ms');
  const hub = getHub();
  if (delay === 0) {
    hub.wait<void>({
      start(w) {
        hub.scheduleSwitch(w);
      },
      stop() {},
      describeWait: () => ({ kind: 'sleep', detail: 'sleep(0): until what the Hub queued before it has run' }),
    });
    return;
  }
  let timer: Timer | null = null;
  const deadline = performance.now() + delay;
  hub.wait<void>({
    start(w) {
      timer = startTimer(() => w.switch(undefined), delay);
    },
    stop() {
      stopTimer(timer);
    },
    describeWait: () => ({
      kind: 'sleep',
      detail: `sleep(${delay} ms), ${delay === Infinity ? 'for ever' : `${Math.max(0, Math.round(deadline - performance.now()))} ms left`}`,
    }),
  });
}

/**
 * Waits for the greenlets to finish (or `count` of them, or until `timeout`);
 * returns the finished ones in completion order. With `raiseError`, throws the
 * first failure instead.
 */
export function joinAll<G extends Greenlet<any>>(greenlets: Iterable<G>, options?: JoinAllOptions): G[] {
  const list = Array.from(greenlets);
  if (!options?.raiseError) return wait(list, { timeout: options?.timeout, count: options?.count });
  const done: G[] = [];
  for (const g of iwait(list, { timeout: options.timeout, count: options.count })) {
    if (!g.successful()) throw g.exception;
    done.push(g);
  }
  return done;
}

/**
 * Kills every greenlet with `err` (default: a new FiberExit each). With
 * `block` (default true, where the caller may block) waits for all of them,
 * throwing TimeoutError if `timeout` passes first.
 */
export function killAll(greenlets: Iterable<Greenlet<any>>, err?: unknown, options?: KillOptions): void {
  const list = Array.from(greenlets);
  for (const g of list) g.kill(err, { block: false });
  if (!(options?.block ?? true) || !canBlock()) return;
  const done = wait(list, { timeout: options?.timeout });
  if (done.length < list.length) throw new TimeoutError();
}
