// Stops and restarts a net.Server's accepts, so that connections nobody is
// ready for wait in the kernel's backlog, as they do for a gevent server
// (native/accept.cc says how). Used where fibernet would otherwise pull
// connections into memory ahead of their use: accept() with nobody calling it,
// and a spawn-limited StreamServer whose pool is full.
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
      this.handle = handle;
      this.paused = false;
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

  /** Accepts again; the one connection libuv kept while paused arrives from the next loop turn's check phase. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const token = this.token;
    if (token === undefined || this.current() !== this.handle) return;
    if (!binding.acceptPause(token, false) || this.deliverQueued) return;
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
