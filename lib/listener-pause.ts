// Stops and restarts a net.Server's accepts, so that connections nobody is
// ready for wait in the kernel's backlog, as they do for a gevent server
// (native/accept.cc says how). Used where fibernet would otherwise pull
// connections into memory ahead of their use: accept() with nobody calling it,
// and a spawn-limited StreamServer whose pool is full.
//
// While a fiber waits in accept() (or for a StreamServer without a spawn
// limit), the listener is greedy instead: each readiness takes everything the
// kernel holds, and the connections are handed to Node 10 ms' worth at a
// time, the rest from the next loop turns (native/accept.cc), so a burst
// never overflows the backlog.
//
// A listener without a descriptor of its own (a cluster worker's round-robin
// handle: the primary accepts for it) cannot be paused; pause() says so and
// the caller keeps what arrives.
import type * as net from 'net';
import { binding, type AcceptToken } from './binding';

type ListeningHandle = { fd?: unknown };
type Listener = net.Server & { _handle?: ListeningHandle | null };

export class ListenerPause {
  /** The listening handle the token is for: a new listen() makes a new one, never paused. */
  private handle: ListeningHandle | null = null;
  private token: AcceptToken | undefined = undefined;
  private paused = false;
  private deliverQueued = false;
  private greedy = false;

  constructor(private readonly server: net.Server) {}

  /** Whether accepts are paused now. */
  get isPaused(): boolean {
    return this.paused && this.current() === this.handle;
  }

  /**
   * Puts the listener's accepts under fibernet's control (native/accept.cc),
   * which also takes up to 1,000 connections per readiness instead of libuv's
   * one per loop iteration; false when this listener cannot be controlled.
   */
  control(): boolean {
    const handle = this.current();
    if (handle !== this.handle) {
      // The listener of the old token is closed: what it took and never
      // handed over goes with it.
      this.release();
      this.handle = handle;
      this.paused = false;
      this.greedy = false;
      const fd = handle?.fd;
      this.token = typeof fd === 'number' && fd >= 0 ? binding.acceptControl(fd) : undefined;
    }
    return this.token !== undefined;
  }

  /** Stops accepting; false when this listener cannot be paused (it keeps accepting). */
  pause(): boolean {
    if (!this.control()) return false;
    if (!this.paused) {
      binding.acceptPause(this.token!, true);
      this.paused = true;
    }
    return true;
  }

  /**
   * Accepts again; what waited (the connections taken while greedy, then the
   * one libuv kept while paused) arrives from the next loop turn's check phase.
   */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const token = this.token;
    if (token === undefined || this.current() !== this.handle) return;
    if (binding.acceptPause(token, false)) this.deliverLater(token);
  }

  /** A fiber waits in accept(), or every connection gets a handler at once (true); or no longer (false). */
  setGreedy(greedy: boolean): void {
    if (greedy === this.greedy && this.current() === this.handle) return;
    if (!this.control()) return;
    this.greedy = greedy;
    binding.acceptGreedy(this.token!, greedy);
  }

  /**
   * To be called at each 'connection' Node emits (a TLS server's too, not
   * only once its handshake is done): what the listener took and has not
   * handed over goes on arriving from the next loop turn.
   */
  handOverRest(): void {
    const token = this.token;
    if (token === undefined || this.deliverQueued || this.paused) return;
    if (binding.acceptTaken(token) > 0) this.deliverLater(token);
  }

  /** The listener was closed: the connections it took and never handed over are closed. */
  release(): void {
    if (this.token === undefined) return;
    binding.acceptRelease(this.token);
    this.token = undefined;
  }

  private deliverLater(token: AcceptToken): void {
    if (this.deliverQueued) return;
    this.deliverQueued = true;
    // Node's connection callback runs JavaScript and expects to be called by
    // the loop, not from inside a fiber: an immediate is a loop callback.
    setImmediate(() => {
      this.deliverQueued = false;
      if (!this.paused && this.current() === this.handle) binding.acceptDeliver(token);
    });
  }

  private current(): ListeningHandle | null {
    return (this.server as Listener)._handle ?? null;
  }
}
