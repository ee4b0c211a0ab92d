// Blocking-style sockets: gevent's socket API on net.Socket and net.Server.
//
// patchAll() adds recv/recvInto/send/sendall/close/shutdown/blockingTimeout to
// net.Socket.prototype (tls.TLSSocket inherits them) and accept/blockingTimeout
// to net.Server.prototype. Nothing existing changes behaviour. Two internal
// methods are wrapped; each calls the original first: Server.prototype._listen2
// (where listen() ends up once the handle exists) adds a 'connection' listener
// that queues connections for accept(), and Server.prototype._emitCloseIfDrained
// (which server.close() calls synchronously) wakes a fiber parked in accept().
//
// Model (gevent's _socketcommon, in Node's idiom): a socket used blocking-style
// stays in paused mode, so incoming bytes collect in its readable buffer.
// recv() takes them with read() and never switches when something is there;
// otherwise it parks the fiber on the socket's read watcher, which the
// 'readable'/'end'/'error'/'close' events wake. sendall() writes and returns at
// once when the write went to the kernel synchronously; otherwise it parks on
// the write watcher until its write callback (or 'drain', 'error', 'close').
// Errors are kept on the socket and thrown at the next blocking call, after
// any bytes that arrived before them.
import * as net from 'net';
import { constants as osConstants } from 'os';
import * as stream from 'stream';
import * as tls from 'tls';
import { getHub, assertCanBlock } from '../lib/hub';
import { ConcurrentObjectUseError, TimeoutError } from '../lib/errors';
import { describeReceived, invalidArgType, invalidArgValue, outOfRange } from '../lib/args';
import { binding } from '../lib/binding';
import { ListenerPause } from '../lib/listener-pause';
import { type BlockingOptions, type ErrnoError, SlotWatcher, callTimeout, checkTimeout, closedError, sysError, wake } from './blocking';

export type { BlockingOptions };

export interface ConnectOptions extends BlockingOptions {
  /**
   * Connect over TLS: connect() returns the TLSSocket once its handshake is done. The
   * object is handed to tls.connect() (ca, servername, rejectUnauthorized, ALPNProtocols, ...);
   * `true` takes tls.connect()'s defaults.
   */
  tls?: tls.ConnectionOptions | true;
  /** Any other option is handed to net.connect() (localAddress, family, noDelay, keepAlive, ...). */
  [option: string]: unknown;
}

/** ConnectOptions that ask for TLS. */
export type TlsConnectOptions = ConnectOptions & { tls: tls.ConnectionOptions | true };

export type ShutdownHow = 'read' | 'write' | 'both' | 0 | 1 | 2;

declare module 'net' {
  interface Socket {
    /** Up to `max` bytes (default 65536); an empty Buffer at EOF. Blocks the fiber until data, EOF or an error. */
    recv(max?: number, options?: BlockingOptions): Buffer;
    /** Reads up to `n` bytes (default buf.byteLength) into `buf`; returns the count (0 at EOF). */
    recvInto(buf: NodeJS.ArrayBufferView, n?: number, options?: BlockingOptions): number;
    /** Hands `data` to the socket, waiting at most for one 'drain'; returns the bytes accepted. */
    send(data: string | NodeJS.ArrayBufferView, options?: BlockingOptions): number;
    /** Returns when all of `data` was handed to the kernel; throws the write's error. */
    sendall(data: string | NodeJS.ArrayBufferView, options?: BlockingOptions): void;
    /** Closes the socket (idempotent); fibers waiting on it wake with an EBADF error. */
    close(): void;
    /** Shuts down reading, writing or both. */
    shutdown(how?: ShutdownHow): void;
    /** ms; `null` (default) waits forever; `0` makes blocking calls non-blocking (code EAGAIN). */
    blockingTimeout: number | null;
  }
  interface Server {
    /** The next connection on a TLS server: its TLSSocket, once the handshake is done. */
    accept(this: import('tls').Server, options?: BlockingOptions): import('tls').TLSSocket;
    /** The next connection, in arrival order, as a paused net.Socket. */
    accept(options?: BlockingOptions): Socket;
    /** ms; `null` (default) waits forever; `0` makes accept() non-blocking (code EAGAIN). */
    blockingTimeout: number | null;
  }
}

// ---------------------------------------------------------------- errors




function checkData(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (ArrayBuffer.isView(data)) return data.byteLength;
  throw invalidArgType('data', 'of type string or an instance of Buffer, TypedArray, or DataView', data);
}

// ---------------------------------------------------------------- socket state

interface ReadableInternals {
  length: number;
  ended: boolean;
  destroyed: boolean;
  needReadable: boolean;
}

type InternalSocket = net.Socket & { _readableState: ReadableInternals };

const EMPTY = Buffer.alloc(0);
/** How long close() keeps flushing bytes send() accepted before it gives the socket up. */
const CLOSE_LINGER_MS = 30_000;
const kState = Symbol('fibernet.net.socket');
const readablePush = stream.Readable.prototype.push;

/**
 * A blocking-mode socket's push (the handle's onread calls it for every
 * chunk, and for EOF): wakes a fiber waiting in recv() as the bytes land,
 * instead of through a 'readable' event, which Readable emits a tick later.
 */
function pushAndWake(this: InternalSocket, chunk: unknown, encoding?: BufferEncoding): boolean {
  const more = readablePush.call(this, chunk, encoding);
  const st = (this as unknown as { [kState]?: SocketState })[kState];
  if (st !== undefined) wake(st.reader.waiter);
  return more;
}
const kServerState = Symbol('fibernet.net.server');

/**
 * The socket's error: the one its 'error' event reported, else the one
 * destroy(err) recorded (its 'error' event may still be queued: on the root,
 * a handle's 'close' can come before the 'error' nextTick).
 */
function errorOf(st: SocketState): Error | null {
  if (st.error !== null) return st.error;
  const err = (st.socket as { errored?: Error | null }).errored;
  if (err) st.error = err;
  return st.error;
}


class SocketState {
  timeout: number | null = null;
  closed = false;
  readShut = false;
  /** recv() has seen EOF once, and asked the kernel whether it was a reset. */
  eofChecked = false;
  writeShut = false;
  /** First error the socket reported; thrown at every blocking call after the buffered bytes. */
  error: Error | null = null;
  readonly reader = new SlotWatcher();
  readonly writer = new SlotWatcher();
  /** A sendall() ended before its bytes reached the kernel: close() drops what is still queued. */
  unsentDropped = false;
  /** push() wakes the reader itself (pushAndWake), so take() may spare Readable its 'readable' tick. */
  readonly wakesOnPush: boolean;

  constructor(readonly socket: InternalSocket) {
    const reader = this.reader;
    reader.target = this.writer.target = socket;
    const writer = this.writer;
    const wakeReader = () => wake(reader.waiter);
    const wakeBoth = () => {
      wake(reader.waiter);
      wake(writer.waiter);
    };
    // A 'readable' listener keeps the stream paused: bytes wait in its buffer
    // (and it still wakes the reader where push() is not ours).
    socket.on('readable', wakeReader);
    this.wakesOnPush = socket.push === readablePush;
    if (this.wakesOnPush) Object.defineProperty(socket, 'push', { value: pushAndWake, writable: true, configurable: true });
    socket.on('end', wakeReader);
    socket.on('drain', () => wake(writer.waiter));
    socket.on('connect', () => wake(writer.waiter));
    socket.on('error', (err: Error) => {
      if (this.error === null) this.error = err;
      wakeBoth();
    });
    socket.on('close', wakeBoth);
  }
}

/**
 * The state fibernet keeps on `target` under `key`, made by `make` on first
 * use; `target` must be an instance of `cls` (named `what` in the error).
 */
function attachedState<T extends object, S>(
  target: T,
  key: symbol,
  cls: abstract new (...args: never[]) => object,
  what: string,
  make: (target: T) => S,
): S {
  const holder = target as unknown as Record<symbol, S | undefined>;
  let st = holder[key];
  if (st === undefined) {
    if (!(target instanceof cls)) throw invalidArgType('this', `an instance of ${what}`, target);
    st = make(target);
    Object.defineProperty(target, key, { value: st, configurable: true });
  }
  return st;
}

/** The blocking-mode state of `socket`, set up on first use (or at accept()/connect()). */
function stateOf(socket: net.Socket): SocketState {
  // The common case first, without a call: every blocking call asks.
  const st = (socket as unknown as { [kState]?: SocketState })[kState];
  return st !== undefined ? st : attachedState(socket, kState, net.Socket, 'net.Socket', newSocketState);
}

function newSocketState(socket: net.Socket): SocketState {
  return new SocketState(socket as InternalSocket);
}

function busy(what: string): ConcurrentObjectUseError {
  return new ConcurrentObjectUseError(`This socket is already used by another fiber (${what}() found another fiber waiting on it)`);
}

function park(st: SocketState, watcher: SlotWatcher, timeout: number | null, what: string): void {
  if (watcher.waiter !== null) throw busy(what);
  if (timeout === 0) throw sysError('EAGAIN', 'Resource temporarily unavailable', what);
  assertCanBlock(what);
  watcher.op = what;
  const hub = getHub();
  if (timeout === null) hub.wait(watcher);
  else hub.wait(watcher, { timeout });
}

// ---------------------------------------------------------------- read side

/**
 * At the first EOF: the reset the kernel holds for the socket, if any (see
 * native/sockopt.cc), as the error Node gives a read that fails with it.
 */
function resetAtEof(socket: InternalSocket): ErrnoError | null {
  const fd = (socket as unknown as { _handle: { fd?: unknown } | null })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return null;
  if (binding.pendingSocketError(fd) !== osConstants.errno.ECONNRESET) return null;
  return sysError('ECONNRESET', 'read ECONNRESET', 'read');
}

/** What recv() and recvInto() share: up to `max` bytes, EMPTY at EOF. */
function take(socket: net.Socket, max: number, timeout: number | null, what: string): Buffer {
  const st = stateOf(socket);
  const rs = st.socket._readableState;
  for (;;) {
    if (st.closed) throw closedError(what);
    if (st.readShut) return EMPTY;
    const buffered = rs.length;
    if (buffered > 0) {
      const chunk = (buffered <= max ? socket.read() : socket.read(max)) as Buffer | string | null;
      // An emptied buffer asks for a 'readable' event at the next push;
      // pushAndWake wakes us anyway, so that tick is spared.
      if (rs.length === 0 && st.wakesOnPush) rs.needReadable = false;
      if (chunk !== null) return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    }
    if (rs.ended) {
      if (!st.eofChecked) {
        st.eofChecked = true;
        // Kept like an error Node reported: every later call throws it too.
        const reset = resetAtEof(st.socket);
        if (reset !== null && st.error === null) st.error = reset;
      }
      if (st.error !== null && (st.error as ErrnoError).code === 'ECONNRESET') throw st.error;
      return EMPTY;
    }
    if (errorOf(st) !== null) throw st.error;
    if (rs.destroyed) throw closedError(what);
    park(st, st.reader, timeout, what);
  }
}

function recv(this: net.Socket, max?: number, options?: BlockingOptions): Buffer {
  if (max === undefined) max = 65536;
  else if (typeof max !== 'number') throw invalidArgType('max', 'of type number', max);
  else if (!(max >= 0) || max > 0x7fffffff || max !== Math.floor(max)) throw outOfRange('max', 'an integer >= 0 and <= 2147483647', max);
  const st = stateOf(this);
  const timeout = options === undefined ? st.timeout : callTimeout(options, st.timeout);
  if (max === 0) {
    if (st.closed) throw closedError('recv');
    return EMPTY;
  }
  return take(this, max, timeout, 'recv');
}

function recvInto(this: net.Socket, buf: NodeJS.ArrayBufferView, n?: number, options?: BlockingOptions): number {
  if (!ArrayBuffer.isView(buf)) throw invalidArgType('buf', 'an instance of Buffer, TypedArray, or DataView', buf);
  const size = buf.byteLength;
  if (n === undefined) n = size;
  else if (typeof n !== 'number') throw invalidArgType('n', 'of type number', n);
  else if (!(n >= 0) || n > size || n !== Math.floor(n)) throw outOfRange('n', `an integer >= 0 and <= ${size}`, n);
  const st = stateOf(this);
  const timeout = options === undefined ? st.timeout : callTimeout(options, st.timeout);
  if (n === 0) {
    if (st.closed) throw closedError('recvInto');
    return 0;
  }
  const chunk = take(this, n, timeout, 'recvInto');
  const target = buf instanceof Uint8Array ? buf : new Uint8Array(buf.buffer, buf.byteOffset, size);
  target.set(chunk, 0);
  return chunk.length;
}

// ---------------------------------------------------------------- write side

function checkWritable(st: SocketState, what: string): void {
  if (st.closed) throw closedError(what);
  if (errorOf(st) !== null) throw st.error;
  if (st.writeShut) throw sysError('EPIPE', 'The socket was shut down for writing', what);
  if (st.socket.destroyed) throw closedError(what);
}

function send(this: net.Socket, data: string | NodeJS.ArrayBufferView, options?: BlockingOptions): number {
  const length = checkData(data);
  const st = stateOf(this);
  const timeout = options === undefined ? st.timeout : callTimeout(options, st.timeout);
  checkWritable(st, 'send');
  if (st.writer.waiter !== null) throw busy('send');
  if (length === 0) return 0;
  if (this.writableNeedDrain) {
    // Wait for one write readiness at most, as gevent's send() does.
    park(st, st.writer, timeout, 'send');
    checkWritable(st, 'send');
  }
  // No write callback: a write error also errors the stream, which the
  // 'error' listener records (and a callback would cost an object and a
  // nextTick per write).
  this.write(data as string | Uint8Array);
  // A write the kernel refused at once (EPIPE after the peer's RST) has
  // errored the stream already; its 'error' event comes a tick later.
  if (errorOf(st) !== null) throw st.error;
  return length;
}

/**
 * Makes the stream emit 'drain' once everything queued in it has gone to the
 * kernel (Writable does so after a write that left needDrain set), which is
 * what a sendall() waiting on a write that did not complete at once wakes on.
 */
function requestDrain(socket: net.Socket): void {
  (socket as unknown as { _writableState: { needDrain: boolean } })._writableState.needDrain = true;
}

function sendall(this: net.Socket, data: string | NodeJS.ArrayBufferView, options?: BlockingOptions): void {
  const length = checkData(data);
  const st = stateOf(this);
  const timeout = options === undefined ? st.timeout : callTimeout(options, st.timeout);
  checkWritable(st, 'sendall');
  if (st.writer.waiter !== null) throw busy('sendall');
  if (length === 0) return;
  if (timeout === 0 && this.writableNeedDrain) throw sysError('EAGAIN', 'Resource temporarily unavailable', 'sendall');
  this.write(data as string | Uint8Array);
  // Fast path: the write went to the kernel synchronously (and was not
  // refused at once: that errors the stream before write() returns).
  if (this.writableLength === 0 && errorOf(st) === null && !this.destroyed) return;
  if (timeout === 0) {
    if (errorOf(st) !== null) throw st.error;
    return; // accepted into the socket's buffer; non-blocking sockets do not wait
  }
  // Done once the stream has nothing queued: our bytes (and any written
  // before them) are then the kernel's.
  const deadline = timeout === null ? 0 : Date.now() + timeout;
  while (this.writableLength > 0) {
    if (st.closed) throw closedError('sendall');
    if (errorOf(st) !== null) throw st.error;
    if (this.destroyed) throw closedError('sendall');
    let left: number | null = null;
    if (timeout !== null) {
      left = deadline - Date.now();
      if (left <= 0) {
        st.unsentDropped = true;
        throw new TimeoutError(); // one deadline for the whole call, as in gevent
      }
    }
    requestDrain(this);
    try {
      park(st, st.writer, left, 'sendall');
    } catch (err) {
      st.unsentDropped = true;
      throw err;
    }
  }
  if (errorOf(st) !== null) throw st.error;
}

// ---------------------------------------------------------------- close / shutdown

function close(this: net.Socket): void {
  const st = stateOf(this);
  if (st.closed) return;
  st.closed = true;
  const r = st.reader.waiter;
  const w = st.writer.waiter;
  if (r !== null && !r.ready()) r.throw(sysError('EBADF', 'The socket was closed while this fiber was waiting on it', 'recv'));
  if (w !== null && !w.ready()) {
    // The send()/sendall() it wakes reports its bytes as not sent.
    st.unsentDropped = true;
    w.throw(sysError('EBADF', 'The socket was closed while this fiber was waiting on it', 'send'));
  }
  if (this.destroyed) return;
  // Bytes of a sendall() that did not finish (it timed out, or a Timeout or
  // kill() interrupted it) were reported as not sent: drop them, as gevent's
  // close() does with what never reached the kernel. Bytes send() accepted
  // are flushed, then FIN, then the handle is released, but for at most
  // CLOSE_LINGER_MS, so a peer that stops reading cannot pin the socket.
  if (this.connecting || this.writableLength === 0 || st.unsentDropped) {
    this.destroy();
    return;
  }
  this.destroySoon();
  const linger = setTimeout(() => this.destroy(), CLOSE_LINGER_MS).unref();
  this.once('close', () => clearTimeout(linger));
}

function shutdown(this: net.Socket, how: ShutdownHow = 'both'): void {
  let read: boolean;
  let write: boolean;
  switch (how) {
    case 'read':
    case 0:
      read = true;
      write = false;
      break;
    case 'write':
    case 1:
      read = false;
      write = true;
      break;
    case 'both':
    case 2:
      read = write = true;
      break;
    default:
      throw invalidArgValue('how', how, "must be one of 'read', 'write', 'both' (or 0, 1, 2)");
  }
  const st = stateOf(this);
  if (st.closed) throw closedError('shutdown');
  if (read && !st.readShut) {
    st.readShut = true;
    wake(st.reader.waiter); // the reader sees EOF
  }
  if (write && !st.writeShut) {
    st.writeShut = true;
    const w = st.writer.waiter;
    if (w !== null && !w.ready()) w.throw(sysError('EPIPE', 'The socket was shut down for writing', 'send'));
    if (!this.destroyed) this.end();
  }
}

// ---------------------------------------------------------------- timeouts

/** The `blockingTimeout` accessor of objects whose state lives under `key` (made by `stateFor`). */
function blockingTimeoutProperty<T>(key: symbol, stateFor: (target: T) => { timeout: number | null }): PropertyDescriptor {
  return {
    get(this: T): number | null {
      const st = (this as unknown as Record<symbol, { timeout: number | null } | undefined>)[key];
      return st === undefined ? null : st.timeout;
    },
    set(this: T, value: number | null): void {
      const t = checkTimeout(value, 'blockingTimeout');
      stateFor(this).timeout = t;
    },
    configurable: true,
    enumerable: false,
  };
}

// ---------------------------------------------------------------- server

type InternalServer = net.Server & { _handle: unknown; _connectionKey?: string };

/**
 * How many connections a server queues for accept() before it stops taking
 * them from the kernel: the rest wait in the listen backlog, as they would
 * for a Python socket that nobody calls accept() on.
 */
export const ACCEPT_AHEAD = 64;

class ServerState {
  timeout: number | null = null;
  readonly queue: net.Socket[] = [];
  head = 0;
  error: Error | null = null;
  readonly acceptor = new SlotWatcher('accept');
  /** accept() has been called: from now on every connection is queued for it. */
  accepting = false;
  /** Stops the listener's accepts while ACCEPT_AHEAD connections wait for accept(). */
  readonly intake: ListenerPause;

  constructor(readonly server: InternalServer) {
    this.intake = new ListenerPause(server);
    this.acceptor.target = server;
    // Installed when the server starts listening, so a connection that
    // arrives before the first accept() waits for it, the way the kernel's
    // backlog would. A connection some other 'connection' listener takes
    // (an evented server) is left alone unless accept() is in use.
    // (A TLS server hands out its TLSSockets once their handshake is done.)
    const event = server instanceof tls.Server ? 'secureConnection' : 'connection';
    // A TLS server's connections reach us after their handshakes; what a
    // greedy listener took goes on to Node from each TCP connection.
    if (event !== 'connection') server.prependListener('connection', () => this.intake.handOverRest());
    server.on(event, (socket: net.Socket) => {
      if (!this.accepting && server.listenerCount(event) > 1) return;
      stateOf(socket); // paused, errors captured from the start
      // Like a Python socket: after recv() returns EOF it can still send,
      // until close(); Node would end it on its own otherwise.
      socket.allowHalfOpen = true;
      this.queue.push(socket);
      this.intake.control();
      // The bound is for a server that has stopped calling accept(): while a
      // fiber waits in accept() (woken, about to take the queue), everything
      // the kernel has is taken, as Node's own server does, so that a burst
      // cannot overflow the listen backlog while the Hub runs handlers.
      if (this.acceptor.waiter === null && this.queue.length - this.head >= ACCEPT_AHEAD) this.intake.pause();
      else if (event === 'connection') this.intake.handOverRest();
      wake(this.acceptor.waiter);
    });
  }

  /** Called by the first accept(): listen errors and 'close' now go to accept(). */
  startAccepting(): void {
    if (this.accepting) return;
    this.accepting = true;
    this.server.on('error', (err: Error) => {
      if (this.error === null) this.error = err;
      wake(this.acceptor.waiter);
    });
    this.server.on('close', () => wake(this.acceptor.waiter));
  }

  /** Closed after listening (a server not yet listening is waited on). */
  closed(): boolean {
    return this.server._handle == null && this.server._connectionKey !== undefined;
  }
}

function serverStateOf(server: net.Server): ServerState {
  return attachedState(server, kServerState, net.Server, 'net.Server', newServerState);
}

function newServerState(server: net.Server): ServerState {
  return new ServerState(server as InternalServer);
}

function accept(this: net.Server, options?: BlockingOptions): net.Socket {
  const st = serverStateOf(this);
  const timeout = options === undefined ? st.timeout : callTimeout(options, st.timeout);
  st.startAccepting();
  for (;;) {
    const q = st.queue;
    if (st.head < q.length) {
      const socket = q[st.head];
      if (++st.head === q.length) {
        q.length = 0;
        st.head = 0;
      } else if (st.head >= 1024 && st.head * 2 >= q.length) {
        q.splice(0, st.head);
        st.head = 0;
      }
      if (q.length - st.head < ACCEPT_AHEAD) st.intake.resume();
      return socket;
    }
    if (st.error !== null) {
      const err = st.error;
      st.error = null; // a listen error is reported once; listen() may be retried
      throw err;
    }
    if (st.closed()) throw sysError('EBADF', 'The server was closed', 'accept');
    if (st.acceptor.waiter !== null) {
      throw new ConcurrentObjectUseError('This server is already used by another fiber: accept() is already waiting on it');
    }
    if (timeout === 0) throw sysError('EAGAIN', 'Resource temporarily unavailable', 'accept');
    assertCanBlock('accept');
    const hub = getHub();
    // While we wait, the listener takes everything the kernel holds at each
    // readiness (native/accept.cc), so a burst never overflows its backlog.
    st.intake.setGreedy(true);
    try {
      if (timeout === null) hub.wait(st.acceptor);
      else hub.wait(st.acceptor, { timeout });
    } finally {
      st.intake.setGreedy(false);
    }
  }
}

// ---------------------------------------------------------------- connect

/**
 * Connects to `port` on `host` (default 'localhost') and blocks the fiber
 * until the socket is connected (with `options.tls`, until the TLS handshake
 * is done); throws the connection error (ECONNREFUSED, ENOTFOUND, a
 * certificate error, ...) or TimeoutError. `options.timeout: 0` returns the
 * socket while it is still connecting. The name lookup is Node's own
 * (dns.lookup on libuv's thread pool): it never blocks the event loop.
 */
export function connect(port: number, host: string | undefined, options: TlsConnectOptions): tls.TLSSocket;
export function connect(port: number, options: TlsConnectOptions): tls.TLSSocket;
export function connect(port: number, host?: string | ConnectOptions, options?: ConnectOptions): net.Socket;
export function connect(port: number, host?: string | ConnectOptions, options?: ConnectOptions): net.Socket {
  if (host !== undefined && typeof host === 'object' && host !== null && options === undefined) {
    options = host;
    host = undefined;
  }
  if (typeof port !== 'number') throw invalidArgType('port', 'of type number', port);
  if (!(port >= 0) || port > 65535 || port !== Math.floor(port)) throw outOfRange('port', 'an integer >= 0 and <= 65535', port);
  if (host !== undefined && typeof host !== 'string') throw invalidArgType('host', 'of type string', host);
  if (options !== undefined && (options === null || typeof options !== 'object')) throw invalidArgType('options', 'of type object', options);
  const tlsOptions = options?.tls;
  if (tlsOptions !== undefined && tlsOptions !== true && (tlsOptions === null || typeof tlsOptions !== 'object')) {
    throw invalidArgType('options.tls', 'an object of tls.connect() options, or true', tlsOptions);
  }
  const timeout = callTimeout(options, null);
  if (timeout !== 0) assertCanBlock('connect');
  // allowHalfOpen: as for accepted sockets, EOF from the peer leaves ours writable.
  const netOptions: net.NetConnectOpts = { allowHalfOpen: true, ...(options ?? {}), port, host: host ?? 'localhost' } as net.NetConnectOpts;
  delete (netOptions as { timeout?: unknown }).timeout;
  delete (netOptions as { tls?: unknown }).tls;
  let secured = tlsOptions === undefined;
  const socket =
    tlsOptions === undefined
      ? net.connect(netOptions)
      : tls.connect({ ...(netOptions as tls.ConnectionOptions), ...(tlsOptions === true ? {} : tlsOptions) });
  const st = stateOf(socket);
  if (!secured) {
    socket.once('secureConnect', () => {
      secured = true;
      wake(st.writer.waiter);
    });
  }
  if (timeout === 0) return socket;
  try {
    const deadline = timeout === null ? 0 : Date.now() + timeout;
    const waitUntil = (done: () => boolean): void => {
      while (!done()) {
        if (errorOf(st) !== null) throw st.error;
        if (socket.destroyed) throw closedError('connect');
        let left: number | null = null;
        if (timeout !== null) {
          left = deadline - Date.now();
          if (left <= 0) throw new TimeoutError();
        }
        park(st, st.writer, left, 'connect');
      }
    };
    waitUntil(() => !(socket.connecting || socket.pending));
    // TLS: the handshake, after the TCP connection.
    waitUntil(() => secured);
    if (errorOf(st) !== null) throw st.error;
    if (socket.destroyed) throw closedError('connect');
  } catch (err) {
    socket.destroy();
    throw err;
  }
  return socket;
}

// ---------------------------------------------------------------- patch table

/** What patches/index.ts installs: [target, property, descriptor]. */
export function netPatches(): Array<[object, string, PropertyDescriptor]> {
  const S = net.Socket.prototype;
  const V = net.Server.prototype;
  const method = (fn: Function): PropertyDescriptor => ({ value: fn, writable: true, configurable: true, enumerable: false });
  const originalEmitClose = (V as unknown as { _emitCloseIfDrained: Function })._emitCloseIfDrained;
  const originalListen2 = (V as unknown as { _listen2: Function })._listen2;
  // server.listen() ends here once the handle is set up (also in cluster workers).
  function _listen2(this: net.Server, ...args: unknown[]): unknown {
    const result = originalListen2.apply(this, args);
    serverStateOf(this);
    return result;
  }
  function _emitCloseIfDrained(this: net.Server, ...args: unknown[]): unknown {
    const result = originalEmitClose.apply(this, args);
    const st = (this as unknown as { [kServerState]?: ServerState })[kServerState];
    if (st !== undefined && st.closed()) {
      st.intake.release();
      wake(st.acceptor.waiter);
    }
    return result;
  }
  return [
    [S, 'recv', method(recv)],
    [S, 'recvInto', method(recvInto)],
    [S, 'send', method(send)],
    [S, 'sendall', method(sendall)],
    [S, 'close', method(close)],
    [S, 'shutdown', method(shutdown)],
    [S, 'blockingTimeout', blockingTimeoutProperty(kState, stateOf)],
    [V, 'accept', method(accept)],
    [V, 'blockingTimeout', blockingTimeoutProperty(kServerState, serverStateOf)],
    [V, '_emitCloseIfDrained', method(_emitCloseIfDrained)],
    [V, '_listen2', method(_listen2)],
  ];
}
