// What StreamServer and DatagramServer share (gevent's BaseServer in Node's
// idiom): the lifecycle (start, serveForever, stop, close), one greenlet per
// connection or datagram spawned through a Group or a Pool, and the pause
// while that pool is full.
//
// Connections and datagrams arrive as Node events, on the main thread; each
// is handed to `pool.spawn()` there, which never blocks because the server
// spawns only while the pool has a free slot. While it is full the server
// stops taking new work: what arrives waits in the server's own FIFO and is
// spawned in arrival order as slots free (the pool calls the server back in
// its turn among the parties waiting for a slot). A subclass may also stop
// its listener meanwhile (_pauseIntake): StreamServer stops accepting, so
// new connections wait in the kernel's backlog, as gevent's do; what was
// accepted in the same loop turn before the pool filled waits in the FIFO,
// paused: nothing reads it and no handler sees it until a slot frees.
import type { AddressInfo } from 'net';
import { invalidArgType, invalidArgValue, outOfRange } from '../args';
import { assertCanBlock, checkTimeout, getHub } from '../hub';
import { Greenlet } from '../greenlet';
import { Group, Pool } from '../pool';
import type { Waiter } from '../waiter';

/** start() on a server already started (or starting). */
export class ServerStartedError extends Error {
  readonly code = 'ERR_SERVER_ALREADY_STARTED';
  constructor(message = 'The server is already started') {
    super(message);
    this.name = 'ServerStartedError';
  }
}

/** start(), serveForever() or sendto() on a server that was closed (close() or stop()). */
export class ServerClosedError extends Error {
  readonly code = 'ERR_SERVER_CLOSED';
  constructor(message = 'The server is closed') {
    super(message);
    this.name = 'ServerClosedError';
  }
}

/** A call that needs a started server (DatagramServer#sendto) before start(). */
export class ServerNotStartedError extends Error {
  readonly code = 'ERR_SERVER_NOT_STARTED';
  constructor(message = 'The server is not started') {
    super(message);
    this.name = 'ServerNotStartedError';
  }
}

/** Options every server takes. */
export interface BaseServerOptions {
  /**
   * Where handlers run: a number N (a new Pool of N slots, N >= 1), a Pool
   * or a Group to share, or absent for a new Group (no limit). While a Pool
   * is full the server stops taking connections (datagrams) until a slot frees.
   */
  spawn?: number | Group;
}

/** The default stop() timeout: gevent's stop_timeout, 1 s. */
export const STOP_TIMEOUT_MS = 1000;
/** How long stop() waits for handlers that were killed to finish. */
const KILL_TIMEOUT_MS = 1000;

const NEW = 0;
const STARTING = 1;
const STARTED = 2;
const CLOSED = 3;

/** Throws ERR_INVALID_ARG_VALUE for keys of `options` not in `known`. */
export function checkOptionKeys(options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw invalidArgValue(`options.${key}`, key, `is not an option (known: ${known.join(', ')})`);
  }
}

/** A port: an integer 0..65535, named `name` in errors. */
export function checkPort(port: unknown, name: string): number {
  if (typeof port !== 'number') throw invalidArgType(name, 'of type number', port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw outOfRange(name, 'an integer >= 0 and <= 65535', port);
  return port;
}

/** A `{ host?, port }` listener: the host (undefined: every interface) and port. */
export function checkHostPort(listener: { host?: unknown; port?: unknown }): { host: string | undefined; port: number } {
  const port = checkPort(listener.port, 'listener.port');
  const host = listener.host;
  if (host !== undefined && typeof host !== 'string') throw invalidArgType('listener.host', 'of type string', host);
  return { host, port };
}

function poolFor(spawn: unknown): Group {
  if (spawn === undefined) return new Group();
  if (spawn instanceof Group) return spawn;
  if (typeof spawn === 'number') {
    if (!Number.isSafeInteger(spawn) || spawn < 1) throw outOfRange('options.spawn', 'an integer >= 1 (a Pool of that size)', spawn);
    return new Pool(spawn);
  }
  throw invalidArgType('options.spawn', 'a number, or an instance of Pool or Group', spawn);
}

/**
 * @internal The lifecycle and the dispatch of one unit of work (`Item`: a
 * connection, a datagram) to a handler greenlet. Subclasses open and close
 * the listener and run the handler.
 */
export abstract class BaseServer<Item> {
  /** The Group or Pool the handlers run in (the `spawn` option; a new Group by default). */
  readonly pool: Group;
  private _state = NEW;
  /** The start() in progress: close() wakes it. */
  private _starter: Waiter<void> | null = null;
  /** Parties in serveForever(), woken when the server closes (or its start fails). */
  private _serving: Array<Waiter<void>> = [];
  /** Work that arrived while the pool was full, in arrival order. */
  private _pending: Item[] = [];
  private _pendingHead = 0;
  private _pendingBytes = 0;
  /** The pool will call _onAvailable once a slot frees. */
  private _waitingForSlot = false;
  // A gevent server that was full starts accepting (reading) again, and its
  // next connection (datagram) comes with the loop's next poll: so does
  // the waiting work here, after what that poll brings to others.
  private readonly _onAvailable = (): void => getHub().scheduleNextTurn(this._drainSoon);
  private readonly _drainSoon = (): void => this._drainPending();
  /** Items spawned whose greenlet has not begun: one killed before it runs drops its item. */
  private readonly _unstarted = new Set<Item>();
  /** The function each handler greenlet runs (named after the handler, for messages). */
  private readonly _body: (item: Item) => void;

  protected constructor(spawn: unknown, handlerName: string) {
    this.pool = poolFor(spawn);
    const body = (item: Item): void => this._run(item);
    Object.defineProperty(body, 'name', { value: handlerName || 'handle', configurable: true });
    this._body = body;
  }

  /** Whether the server is started (listening and serving) and not closed yet. */
  get started(): boolean {
    return this._state === STARTED;
  }

  /** Whether close() (or stop()) has been called, or the listener was closed under the server. */
  get closed(): boolean {
    return this._state === CLOSED;
  }

  /** The address the server listens on, once started (kept after close); null before. */
  abstract get address(): AddressInfo | null;

  /** Whether every connection or datagram gets its handler at once (no Pool's limit). */
  protected get unlimited(): boolean {
    return !(this.pool instanceof Pool);
  }

  /**
   * Starts listening and serving; blocks until the listener is ready, so
   * `address` is set when it returns. Throws the listen error (EADDRINUSE,
   * EACCES, ...; the server can then be started again), ServerStartedError
   * if already started, ServerClosedError after close(), and
   * BlockingSwitchOutError in an event-loop callback. Killed or timed out
   * while it waits, it leaves the server not started.
   */
  start(): void {
    if (this._state === STARTED || this._state === STARTING) throw new ServerStartedError(`${this} is already started`);
    if (this._state === CLOSED) throw new ServerClosedError(`${this} is closed: create a new server`);
    assertCanBlock(`${this.constructor.name}.start()`);
    this._state = STARTING;
    let ok = false;
    try {
      this._waitListening();
      ok = true;
    } catch (err) {
      // serveForever() calls that found the start under way fail with it.
      const serving = this._serving;
      this._serving = [];
      for (const w of serving) w.throw(err);
      throw err;
    } finally {
      if (this._state === STARTING) {
        if (ok) this._state = STARTED;
        else {
          this._state = NEW;
          this._unlisten();
        }
      }
    }
    if (this._state !== STARTED) throw new ServerClosedError(`${this} was closed while it started`);
    this._attach();
  }

  /** Blocks until _listen() reports the listener ready (or failed), or close() interrupts. */
  private _waitListening(): void {
    getHub().wait<void>({
      start: (w) => {
        this._starter = w;
        this._listen((err) => {
          if (err === null) w.switch(undefined);
          else w.throw(err);
        });
      },
      stop: () => {
        this._starter = null;
      },
    });
  }

  /**
   * Starts the server if it is not started, then blocks until it is
   * closed (by close(), stop(), or its listener closing); then stops it:
   * waits for the handlers up to `stopTimeout` ms (default 1000) and kills
   * those left, in a greenlet of its own, so this runs even when the caller
   * is killed. Throws ServerClosedError if the server is closed already, and
   * what start() throws.
   */
  serveForever(stopTimeout?: number | null): void {
    const timeout = stopTimeout === undefined ? STOP_TIMEOUT_MS : checkTimeout(stopTimeout, 'stopTimeout');
    if (this._state === CLOSED) throw new ServerClosedError(`${this} is closed: create a new server`);
    assertCanBlock(`${this.constructor.name}.serveForever()`);
    if (this._state === NEW) this.start();
    try {
      if (this._state !== CLOSED) {
        let waiter: Waiter<void> | null = null;
        getHub().wait<void>({
          start: (w) => {
            waiter = w;
            this._serving.push(w);
          },
          stop: () => {
            const i = this._serving.indexOf(waiter!);
            if (i >= 0) this._serving.splice(i, 1);
          },
        });
      }
    } finally {
      const stopper = new Greenlet(() => this.stop(timeout));
      stopper.start();
      stopper.join();
      if (!stopper.successful()) throw stopper.exception;
    }
  }

  /**
   * Closes the server (see close()), then waits for the running handlers to
   * return, at most `ms` milliseconds (default 1000, gevent's stop_timeout;
   * `null` waits forever), and kills those still running (waiting at most
   * one more second for them). With a Pool or Group given in `spawn`, that
   * is every greenlet in it. Throws BlockingSwitchOutError in an
   * event-loop callback (close() works there).
   */
  stop(ms?: number | null): void {
    const timeout = ms === undefined ? STOP_TIMEOUT_MS : checkTimeout(ms, 'ms');
    assertCanBlock(`${this.constructor.name}.stop()`);
    this.close();
    this.pool.join(timeout);
    this.pool.kill(undefined, { block: true, timeout: KILL_TIMEOUT_MS });
  }

  /**
   * Stops accepting and closes the listener (a net.Server or dgram.Socket
   * given as the listener too). Work that was waiting for a free slot is
   * dropped (connections are destroyed); running handlers go on. Wakes
   * serveForever(). Idempotent; never blocks, so it may be called anywhere.
   */
  close(): void {
    if (this._state === CLOSED) return;
    const was = this._state;
    this._state = CLOSED;
    if (this._waitingForSlot) {
      this._waitingForSlot = false;
      if (this.pool instanceof Pool) this.pool._unlinkAvailable(this._onAvailable);
    }
    while (this._pendingHead < this._pending.length) {
      const item = this._pending[this._pendingHead++];
      this._drop(item);
    }
    this._pending = [];
    this._pendingHead = 0;
    this._pendingBytes = 0;
    if (was === STARTED) this._detach();
    if (was !== NEW) this._unlisten();
    this._closeListener();
    const starter = this._starter;
    if (starter !== null) starter.throw(new ServerClosedError(`${this} was closed while it started`));
    const serving = this._serving;
    this._serving = [];
    for (const w of serving) w.switch(undefined);
  }

  // ---- for subclasses -------------------------------------------------------

  /** Begins listening; calls `done(null)` once ready, `done(err)` if it fails. */
  protected abstract _listen(done: (err: Error | null) => void): void;
  /** Undoes what _listen() set up for a start that failed or was interrupted. */
  protected abstract _unlisten(): void;
  /** Starts delivering work to _offer() (after a successful start). */
  protected abstract _attach(): void;
  /** Stops delivering work (close()). */
  protected abstract _detach(): void;
  /** Closes the listener for good. */
  protected abstract _closeListener(): void;
  /** The greenlet body for one item: runs the handler. */
  protected abstract _handle(item: Item): void;
  /** Releases an item that will never be handled (close() with work still waiting). */
  protected abstract _drop(item: Item): void;

  /** The pool is full and work waits: stop taking more from the listener, if it can be stopped. */
  protected _pauseIntake(): void {}
  /** A slot is free and nothing waits: take work from the listener again. */
  protected _resumeIntake(): void {}

  /** How many bytes of waiting work the server keeps at most (beyond that it is dropped). */
  protected _pendingLimit(): number {
    return Infinity;
  }

  /** The size of an item, counted against _pendingLimit(). */
  protected _sizeOf(_item: Item): number {
    return 0;
  }

  /** Hands a new item to a handler, or queues it while the pool is full. Called from event callbacks. */
  protected _offer(item: Item): void {
    if (this._state !== STARTED) {
      this._drop(item);
      return;
    }
    if (this._pendingHead < this._pending.length || this.pool.full()) {
      const size = this._sizeOf(item);
      if (this._pendingBytes + size > this._pendingLimit()) {
        this._drop(item);
        return;
      }
      this._pending.push(item);
      this._pendingBytes += size;
      this._pauseIntake();
      this._waitForSlot();
      return;
    }
    this._spawn(item);
  }

  /** Reports an error of the listener (after start) without stopping the server. */
  protected _report(err: unknown): void {
    getHub().handleError(this, err);
  }

  /** The listener closed under the server (cluster disconnect, closed by its owner): the server is closed. */
  protected _listenerClosed(): void {
    this.close();
  }

  // ---- internals ------------------------------------------------------------

  private _run(item: Item): void {
    this._unstarted.delete(item);
    this._handle(item);
  }

  private _spawn(item: Item): void {
    this._unstarted.add(item);
    try {
      const g = this.pool.spawn(this._body, item);
      // Killed before it began (stop() right after it was spawned): nobody
      // will close its connection but this.
      g.link(() => {
        if (this._unstarted.delete(item)) this._drop(item);
      });
    } catch (err) {
      this._unstarted.delete(item);
      this._drop(item);
      this._report(err);
    }
  }

  private _waitForSlot(): void {
    if (this._waitingForSlot || !(this.pool instanceof Pool)) return;
    this._waitingForSlot = true;
    this.pool._linkAvailable(this._onAvailable);
  }

  /** A slot is free (called on the Hub): spawn waiting work while slots last. */
  private _drainPending(): void {
    this._waitingForSlot = false;
    if (this._state !== STARTED) return;
    while (this._pendingHead < this._pending.length && !this.pool.full()) {
      const item = this._pending[this._pendingHead];
      this._pending[this._pendingHead++] = undefined as unknown as Item;
      this._pendingBytes -= this._sizeOf(item);
      this._spawn(item);
    }
    if (this._pendingHead === this._pending.length) {
      this._pending = [];
      this._pendingHead = 0;
      if (!this.pool.full()) this._resumeIntake();
      else this._waitForSlot();
    } else this._waitForSlot();
  }
}
