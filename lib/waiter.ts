// Waiter: one value (or error) handed from whoever produces it to the one
// fiber (or the root) that waits for it (gevent's hub.Waiter).
//
// switch()/throw() may be called from anywhere: an event-loop callback,
// another fiber, before or after get(). They never run the waiting fiber
// themselves: they queue it for the Hub, which resumes it when it next runs
// (at once when the waker is main-thread code outside the Hub's own run).
// The first switch()/throw() wins; later ones are ignored.
import { ConcurrentObjectUseError } from './errors';
import { assertCanBlock, describeParty, getHub, type Party } from './hub';

const EMPTY = 0;
const VALUE = 1;
const ERROR = 2;

export class Waiter<T = unknown> {
  private _state: 0 | 1 | 2 = EMPTY;
  private _value: unknown = undefined;
  private _party: Party | null = null;
  private _links: Array<(w: Waiter<T>) => void> | null = null;
  /** @internal The watcher Hub.wait() started with this Waiter (what a dump says it waits on). */
  source: unknown = undefined;

  /** Hands `value` to the waiting party (or keeps it for the next get()). */
  switch(value: T): void {
    if (this._state !== EMPTY) return;
    this._state = VALUE;
    this._value = value;
    this._notify();
  }

  /** Makes the waiting party's get() throw `err` (or the next get()). */
  throw(err: unknown): void {
    if (this._state !== EMPTY) return;
    this._state = ERROR;
    this._value = err;
    this._notify();
  }

  /** @internal The party parked in get(), or null. */
  get party(): Party | null {
    return this._party;
  }

  /**
   * @internal switch() for the Hub itself, which resumes the parked party
   * at once: nothing is queued. Only for a Waiter no one links to (sleep(0)'s).
   */
  settle(value: T): void {
    this._state = VALUE;
    this._value = value;
  }

  /** Whether switch() or throw() has happened. */
  ready(): boolean {
    return this._state !== EMPTY;
  }

  /**
   * Returns the value (or throws the error) once switch()/throw() happened,
   * parking the current fiber (or the root) until then. Throws
   * ConcurrentObjectUseError when another party already waits on this Waiter,
   * BlockingSwitchOutError in an event-loop callback on the main thread, and
   * InvalidSwitchError when the parked fiber is resumed by anything else.
   */
  get(): T {
    if (this._state === EMPTY) {
      if (this._party !== null) {
        throw new ConcurrentObjectUseError(`This Waiter is already used by ${describeParty(this._party)}`);
      }
      assertCanBlock('Waiter.get()');
      const hub = getHub();
      this._party = hub.currentParty();
      try {
        hub.park(this);
      } finally {
        this._party = null;
      }
    }
    if (this._state === ERROR) throw this._value;
    return this._value as T;
  }

  /** Calls `cb(this)` on the Hub once the Waiter is ready (wait()/iwait() use this). */
  rawlink(cb: (w: Waiter<T>) => void): void {
    if (typeof cb !== 'function') throw new TypeError('rawlink() expects a function');
    if (this._state !== EMPTY) {
      getHub().call(() => cb(this));
      return;
    }
    (this._links ??= []).push(cb);
  }

  unlink(cb: (w: Waiter<T>) => void): void {
    if (this._links !== null) this._links = this._links.filter((l) => l !== cb);
  }

  toString(): string {
    const state = this._state === EMPTY ? (this._party ? `waited on by ${describeParty(this._party)}` : 'empty') : this._state === VALUE ? 'value' : 'error';
    return `<Waiter ${state}>`;
  }

  private _notify(): void {
    const p = this._party;
    if (p !== null) getHub().wake(p);
    const links = this._links;
    if (links !== null) {
      this._links = null;
      const hub = getHub();
      for (const cb of links) hub.call(() => cb(this));
    }
  }
}
