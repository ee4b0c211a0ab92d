// Blocking-style UDP: gevent's recvfrom/recv/sendto on dgram.Socket.
//
// patchAll() adds recvfrom/recv/blockingTimeout to dgram.Socket.prototype,
// replaces sendto (Node's own undocumented sendto(buf, offset, length, port,
// address, cb) is still what a call of that shape gets) and wraps bind() and
// close() (each runs the original first; see below for what they add).
//
// Model: a kernel socket buffers the datagrams that arrive while nobody
// reads; Node instead emits each one as a 'message' event at once, and drops
// it when nobody listens. So fibernet queues datagrams, FIFO, bounded the way
// the kernel's receive buffer bounds them (see DatagramQueue):
// - from the first blocking call on a socket (recvfrom, recv or sendto)
//   every datagram is queued ("blocking mode");
// - before it, from bind() on (bind() is wrapped: the original runs first),
//   only a datagram no other 'message' listener receives, one Node would
//   drop: a server that binds and then starts its recvfrom() loop in a
//   greenlet loses nothing that came in between, as with a kernel socket,
//   and evented code is left alone (its listeners get every datagram, and
//   the queue is emptied as soon as a datagram has a listener of its own).
//
// sendto() waits for the send's callback (Node never completes a send
// synchronously), on a watcher of its own: unlike gevent's write watcher,
// which is waited on only while the kernel buffer is full, every Node send
// waits, so several fibers may send on one socket at once.
import * as dgram from 'dgram';
import { getHub, assertCanBlock } from '../lib/hub';
import type { Watcher } from '../lib/hub';
import type { Waiter } from '../lib/waiter';
import { ConcurrentObjectUseError } from '../lib/errors';
import { invalidArgType, outOfRange } from '../lib/args';
import { type BlockingOptions, SlotWatcher, callTimeout, checkTimeout, closedError, sysError, wake } from './blocking';

/** What recvfrom() returns: one datagram and where it came from. */
export interface ReceivedDatagram {
  /** The datagram's bytes, truncated to recvfrom()'s `max`. */
  data: Buffer;
  /** The sender's IP address. */
  address: string;
  /** The sender's port. */
  port: number;
  /** 'IPv4' or 'IPv6'. */
  family: 'IPv4' | 'IPv6';
}

declare module 'dgram' {
  interface Socket {
    /**
     * The next datagram, in arrival order, and its sender. Blocks the fiber
     * until one arrives; a datagram longer than `max` (default 65536) is
     * truncated to `max` bytes and the rest of it is discarded.
     */
    recvfrom(max?: number, options?: BlockingOptions): ReceivedDatagram;
    /** recvfrom()'s data alone. */
    recv(max?: number, options?: BlockingOptions): Buffer;
    /** Sends one datagram to `port` on `address` (default 'localhost'); returns the bytes sent. */
    sendto(data: string | NodeJS.ArrayBufferView, port: number, address?: string | BlockingOptions, options?: BlockingOptions): number;
    /** ms; `null` (default) waits forever; `0` makes the blocking calls non-blocking (code EAGAIN). */
    blockingTimeout: number | null;
  }
}

// ---------------------------------------------------------------- errors and arguments
//
// The error shapes and timeouts of patches/blocking.ts, as net's.



function checkMax(max: unknown): number {
  if (max === undefined) return 65536;
  if (typeof max !== 'number') throw invalidArgType('max', 'of type number', max);
  if (!(max >= 0) || max > 0x7fffffff || max !== Math.floor(max)) throw outOfRange('max', 'an integer >= 0 and <= 2147483647', max);
  return max;
}

// ---------------------------------------------------------------- the receive queue

/**
 * What each queued datagram is charged on top of its bytes: the kernel
 * charges a datagram's whole buffer (its truesize), several hundred bytes
 * even for an empty one, so a flood of tiny datagrams is bounded too.
 */
const DATAGRAM_OVERHEAD = 256;
/** The bound when the socket cannot report its own (Linux's default net.core.rmem_default). */
const DEFAULT_RCVBUF = 212992;

/**
 * Datagrams nobody has received yet, FIFO. Bounded like a kernel receive
 * buffer: its size is the socket's SO_RCVBUF (`getRecvBufferSize()`, so
 * `recvBufferSize` / `setRecvBufferSize()` move it), each datagram counts its
 * length plus DATAGRAM_OVERHEAD, and a datagram that does not fit is dropped
 * on arrival (the newest goes, as Linux drops at the tail), unless the queue
 * is empty: one datagram always fits.
 */
class DatagramQueue {
  private items: Array<{ msg: Buffer; rinfo: dgram.RemoteInfo }> = [];
  private head = 0;
  /** Bytes charged for what is queued. */
  charged = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(socket: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): boolean {
    const cost = msg.length + DATAGRAM_OVERHEAD;
    // The limit is asked only when something is queued: the common case (a
    // reader keeping up) costs no getsockopt.
    if (this.length > 0 && this.charged + cost > recvBufferSize(socket)) return false;
    this.items.push({ msg, rinfo });
    this.charged += cost;
    return true;
  }

  shift(): { msg: Buffer; rinfo: dgram.RemoteInfo } | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    (this.items as unknown[])[this.head] = undefined;
    this.head++;
    this.charged -= item.msg.length + DATAGRAM_OVERHEAD;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.charged = 0;
  }
}

function recvBufferSize(socket: dgram.Socket): number {
  try {
    return socket.getRecvBufferSize();
  } catch {
    return DEFAULT_RCVBUF;
  }
}

// ---------------------------------------------------------------- socket state

const kState = Symbol('fibernet.dgram.socket');


/** One sendto() in flight: the send's callback (or the socket failing) ends the wait. */
class SendOp implements Watcher<number> {
  private waiter: Waiter<number> | null = null;
  private done = false;
  private error: Error | null = null;
  /** Nobody waits for this send any more (timeout 0, or its wait ended early): its error is reported. */
  abandoned = false;
  /** The send's callback, bound to this operation. */
  readonly callback: (err: Error | null, bytes?: number) => void;

  constructor(private readonly st: DgramState, private bytes: number) {
    this.callback = (err, sent) => {
      if (this.done) return;
      if (!err && typeof sent === 'number') this.bytes = sent;
      if (err && this.abandoned) st.report(err);
      else this.finish(err);
    };
  }

  start(waiter: Waiter<number>): void {
    if (this.done) {
      if (this.error !== null) waiter.throw(this.error);
      else waiter.switch(this.bytes);
      return;
    }
    this.waiter = waiter;
  }

  stop(): void {
    this.waiter = null;
  }

  /** Ends the operation: with the send's result, or with `err` (the socket was closed, or failed). */
  finish(err: Error | null): void {
    if (this.done) return;
    this.done = true;
    this.error = err;
    this.st.senders.delete(this);
    const w = this.waiter;
    if (w === null || w.ready()) return;
    if (err !== null) w.throw(err);
    else w.switch(this.bytes);
  }
}

class DgramState {
  timeout: number | null = null;
  closed: boolean;
  /** The first blocking call happened: datagrams are queued, errors kept. */
  blocking = false;
  readonly queue = new DatagramQueue();
  /** An error no caller has received yet: thrown once, by the next blocking call. */
  error: Error | null = null;
  readonly reader = new SlotWatcher('recvfrom');
  /** sendto() calls waiting for their callback. */
  readonly senders = new Set<SendOp>();

  /** The 'message' listener is on the socket (from bind(), or the first blocking call). */
  private queueing = false;

  constructor(readonly socket: dgram.Socket, knownOpen: boolean) {
    this.reader.target = socket;
    this.closed = !knownOpen && isClosed(socket);
  }

  /** Starts queueing the datagrams nobody else listens to (called at bind()). */
  startQueueing(): void {
    if (this.queueing) return;
    this.queueing = true;
    const socket = this.socket;
    socket.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
      if (this.closed) return;
      if (!this.blocking && socket.listenerCount('message') > 1) {
        // An evented socket: its own listeners have the datagrams.
        if (this.queue.length > 0) this.queue.clear();
        return;
      }
      if (this.queue.push(socket, msg, rinfo)) wake(this.reader.waiter);
    });
  }

  /** Called by the first blocking call: from now on every datagram is queued and errors kept. */
  enterBlockingMode(): void {
    if (this.blocking) return;
    this.blocking = true;
    this.startQueueing();
    const socket = this.socket;
    // A bind that failed (EADDRINUSE, a lookup error) is reported here,
    // also when it was the implicit bind of a send: Node then never calls
    // that send's callback, so the sender must be woken with the error.
    socket.on('error', (err: Error) => this.report(err));
    socket.on('close', () => this.markClosed());
  }

  /** Hands `err` to whoever waits (the reader and every sender), else keeps it for the next call. */
  report(err: Error): void {
    const r = this.reader.waiter;
    let delivered = false;
    if (r !== null && !r.ready()) {
      r.throw(err);
      delivered = true;
    }
    if (this.senders.size > 0) {
      for (const op of [...this.senders]) op.finish(err);
      delivered = true;
    }
    if (!delivered && this.error === null) this.error = err;
  }

  /** The error no caller has received yet, once. */
  takeError(): Error | null {
    const err = this.error;
    this.error = null;
    return err;
  }

  markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.clear();
    const r = this.reader.waiter;
    if (r !== null && !r.ready()) r.throw(sysError('EBADF', 'The socket was closed while this fiber was waiting on it', 'recvfrom'));
    for (const op of [...this.senders]) op.finish(sysError('EBADF', 'The socket was closed while this fiber was waiting on it', 'sendto'));
  }
}

/** Whether a socket fibernet has not seen before was already closed (it may never have been bound). */
function isClosed(socket: dgram.Socket): boolean {
  try {
    socket.address();
    return false;
  } catch (err) {
    return (err as { code?: unknown }).code === 'ERR_SOCKET_DGRAM_NOT_RUNNING';
  }
}

/** The blocking-mode state of `socket`, made on first use (`knownOpen`: no need to ask whether it was closed). */
function stateOf(socket: dgram.Socket, knownOpen = false): DgramState {
  const holder = socket as unknown as { [kState]?: DgramState };
  let st = holder[kState];
  if (st === undefined) {
    if (!(socket instanceof dgram.Socket)) throw invalidArgType('this', 'an instance of dgram.Socket', socket);
    st = new DgramState(socket, knownOpen);
    Object.defineProperty(socket, kState, { value: st, configurable: true });
  }
  return st;
}

// ---------------------------------------------------------------- receive

function recvfrom(this: dgram.Socket, max?: number, options?: BlockingOptions): ReceivedDatagram {
  const limit = checkMax(max);
  const st = stateOf(this);
  const timeout = callTimeout(options, st.timeout);
  st.enterBlockingMode();
  for (;;) {
    if (st.closed) throw closedError('recvfrom');
    const item = st.queue.shift();
    if (item !== undefined) {
      const { msg, rinfo } = item;
      // Like a datagram socket's recvfrom(bufsize): the rest of a longer datagram is lost.
      const data = msg.length > limit ? msg.subarray(0, limit) : msg;
      return { data, address: rinfo.address, port: rinfo.port, family: rinfo.family };
    }
    const err = st.takeError();
    if (err !== null) throw err;
    if (st.reader.waiter !== null) {
      throw new ConcurrentObjectUseError('This socket is already used by another fiber (recvfrom() found another fiber waiting on it)');
    }
    if (timeout === 0) throw sysError('EAGAIN', 'Resource temporarily unavailable', 'recvfrom');
    assertCanBlock('recvfrom');
    const hub = getHub();
    if (timeout === null) hub.wait(st.reader);
    else hub.wait(st.reader, { timeout });
  }
}

function recv(this: dgram.Socket, max?: number, options?: BlockingOptions): Buffer {
  return recvfrom.call(this, max, options).data;
}

// ---------------------------------------------------------------- send

function checkData(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (ArrayBuffer.isView(data)) return data.byteLength;
  throw invalidArgType('data', 'of type string or an instance of Buffer, TypedArray, or DataView', data);
}

/** Node's own sendto (buf, offset, length, port, address, cb), if this Node has one. */
let legacySendto: Function | undefined;

function sendto(
  this: dgram.Socket,
  data: string | NodeJS.ArrayBufferView,
  port: number,
  address?: string | BlockingOptions,
  options?: BlockingOptions,
): number {
  // Node's sendto takes a number third (the length) and validates it: any
  // call it accepts has that shape, and still goes to it.
  if (legacySendto !== undefined && (typeof arguments[2] === 'number' || typeof arguments[arguments.length - 1] === 'function')) {
    return legacySendto.apply(this, arguments);
  }
  if (address !== undefined && address !== null && typeof address === 'object' && options === undefined) {
    options = address;
    address = undefined;
  }
  const length = checkData(data);
  if (typeof port !== 'number') throw invalidArgType('port', 'of type number', port);
  if (!(port >= 1) || port > 65535 || port !== Math.floor(port)) throw outOfRange('port', 'an integer >= 1 and <= 65535', port);
  if (address !== undefined && typeof address !== 'string') throw invalidArgType('address', 'of type string', address);
  const st = stateOf(this);
  const timeout = callTimeout(options, st.timeout);
  if (st.closed) throw closedError('sendto');
  st.enterBlockingMode();
  const err = st.takeError();
  if (err !== null) throw err;
  // Refused before anything is sent: a send this call could not wait for is not made.
  if (timeout !== 0) assertCanBlock('sendto');
  const op = new SendOp(st, length);
  // Registered before send(): a bind or lookup that fails at once (inside
  // send()) is reported to it.
  if (timeout !== 0) st.senders.add(op);
  else op.abandoned = true; // non-blocking: a failure is reported by the next call
  try {
    // An unbound socket is bound by send() itself (port 0, all addresses), as Node does.
    this.send(data as string | Uint8Array, port, address as string | undefined, op.callback);
  } catch (err) {
    st.senders.delete(op);
    throw err;
  }
  if (timeout === 0) return length;
  let finished = false;
  try {
    const bytes = timeout === null ? getHub().wait(op) : getHub().wait(op, { timeout });
    finished = true;
    return bytes;
  } finally {
    if (!finished) {
      // Timed out, killed or failed: the datagram may still go out, but
      // nobody waits for it now.
      st.senders.delete(op);
      op.abandoned = true;
    }
  }
}

// ---------------------------------------------------------------- patch table

/** What patches/index.ts installs: [target, property, descriptor]. */
export function dgramPatches(): Array<[object, string, PropertyDescriptor]> {
  const S = dgram.Socket.prototype;
  const method = (fn: Function): PropertyDescriptor => ({ value: fn, writable: true, configurable: true, enumerable: false });
  const originalClose = S.close as (this: dgram.Socket, ...args: unknown[]) => dgram.Socket;
  const originalBind = S.bind as (this: dgram.Socket, ...args: unknown[]) => dgram.Socket;
  const existingSendto = Object.getOwnPropertyDescriptor(S, 'sendto');
  legacySendto = existingSendto && typeof existingSendto.value === 'function' ? existingSendto.value : undefined;
  function bind(this: dgram.Socket, ...args: unknown[]): dgram.Socket {
    const result = originalBind.apply(this, args);
    stateOf(this, true).startQueueing(); // bind() throws on a closed socket
    return result;
  }
  function close(this: dgram.Socket, ...args: unknown[]): dgram.Socket {
    const result = originalClose.apply(this, args);
    // Closed for fibernet at once, also when Node defers the close until a
    // bind in progress ends: no datagram is received after close().
    const st = (this as unknown as { [kState]?: DgramState })[kState];
    if (st !== undefined) st.markClosed();
    return result;
  }
  const blockingTimeout: PropertyDescriptor = {
    get(this: dgram.Socket): number | null {
      const st = (this as unknown as { [kState]?: DgramState })[kState];
      return st === undefined ? null : st.timeout;
    },
    set(this: dgram.Socket, value: number | null): void {
      const t = checkTimeout(value, 'blockingTimeout');
      stateOf(this).timeout = t;
    },
    configurable: true,
    enumerable: false,
  };
  return [
    [S, 'recvfrom', method(recvfrom)],
    [S, 'recv', method(recv)],
    [S, 'sendto', method(sendto)],
    [S, 'bind', method(bind)],
    [S, 'close', method(close)],
    [S, 'blockingTimeout', blockingTimeout],
  ];
}
