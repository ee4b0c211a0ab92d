// Line and exact-length reads on blocking-mode net.Sockets: recvLine()
// (gevent's socket.makefile().readline()) and recvExactly() (asyncio's
// readexactly()).
//
// Both are built on the recv() that patches/net.ts installs, and keep the
// bytes they do not return in the socket's own readable buffer: recvExactly()
// asks recv() for no more than it needs, and recvLine(), which cannot see
// where a line ends before reading it, gives what it read past the newline
// back with unshift(). So the next recv(), recvLine(), recvExactly() or
// 'data' gets exactly the next byte, whichever is used.
//
// Unlike Python's buffered reader, an interrupted call (its timeout, a
// Timeout, kill(), EAGAIN) loses nothing: the bytes of the line it had
// started are given back too, and the next call reads them again.
//
// A socket that failed or was destroyed refuses unshift() (Readable drops
// the chunk), so there recvLine() reads what is left one byte at a time,
// and bytes an interrupted call could not give back are kept aside, on the
// socket, for the next recvLine()/recvExactly().
import * as net from 'net';
import { performance } from 'perf_hooks';
import { TimeoutError } from '../lib/errors';
import { invalidArgType, outOfRange } from '../lib/args';
import type { BlockingOptions } from './net';

declare module 'net' {
  interface Socket {
    /**
     * The next line: the bytes up to and including the next `\n` (a `\r`
     * before it is kept). Shorter at EOF, or when `maxBytes` bytes came
     * without a newline; empty at EOF.
     */
    recvLine(maxBytes?: number, options?: BlockingOptions): Buffer;
    /** Exactly `n` bytes; at EOF first, throws IncompleteReadError with what came on `.partial`. */
    recvExactly(n: number, options?: BlockingOptions): Buffer;
  }
}

/**
 * recvExactly() met EOF (or a socket error) before `expected` bytes came.
 * `partial` holds the bytes it did read; they are not returned to the socket.
 */
export class IncompleteReadError extends Error {
  readonly code = 'ERR_INCOMPLETE_READ';
  /** The bytes read before EOF (or the error): fewer than `expected`. */
  readonly partial: Buffer;
  /** How many bytes were asked for. */
  readonly expected: number;

  constructor(partial: Buffer, expected: number, cause?: unknown) {
    super(
      `recvExactly() read ${partial.length} of ${expected} bytes before ${cause === undefined ? 'EOF' : 'the socket failed'}`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'IncompleteReadError';
    this.partial = partial;
    this.expected = expected;
  }
}

const EMPTY = Buffer.alloc(0);
const NEWLINE = 0x0a;
const MAX_READ = 0x7fffffff;
/** Bytes an interrupted call read but could not give back (only on a socket that refuses unshift()). */
const kHeld = Symbol('fibernet.net.held');

type Recv = (this: net.Socket, max?: number, options?: BlockingOptions) => Buffer;

/** The recv() patches/net.ts installed (recvLine and recvExactly are installed with it). */
function netRecv(): Recv {
  const recv = (net.Socket.prototype as { recv?: Recv }).recv;
  if (typeof recv !== 'function') throw new Error("recvLine()/recvExactly() need patchAll()'s net patches");
  return recv;
}

// ---------------------------------------------------------------- arguments

function checkCount(value: unknown, name: string, allowInfinity: boolean): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (allowInfinity && value === Infinity) return MAX_READ;
  if (!(value >= 0) || value > MAX_READ || value !== Math.floor(value)) {
    throw outOfRange(name, `an integer >= 0 and <= ${MAX_READ}${allowInfinity ? ', or Infinity' : ''}`, value);
  }
  return value;
}

function checkTimeout(value: unknown): number | null {
  if (value === null) return null;
  if (typeof value !== 'number') throw invalidArgType('options.timeout', 'of type number or null', value);
  if (!(value >= 0)) throw outOfRange('options.timeout', '>= 0 (Infinity or null: forever)', value);
  return value;
}

function checkSocket(socket: unknown): asserts socket is net.Socket {
  if (!(socket instanceof net.Socket)) throw invalidArgType('this', 'an instance of net.Socket', socket);
}

// ---------------------------------------------------------------- reading

/**
 * One call's reads: recv() under one deadline for the whole call (as
 * sendall() has), the held bytes first, and the giving back.
 */
class Reader {
  private readonly timeout: number | null;
  private readonly deadline: number;
  private readonly recv = netRecv();

  constructor(readonly socket: net.Socket, options: BlockingOptions | undefined) {
    let timeout = socket.blockingTimeout;
    if (options !== undefined) {
      if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
      if (options.timeout !== undefined) timeout = checkTimeout(options.timeout);
    }
    this.timeout = timeout;
    this.deadline = timeout === null || timeout === 0 ? 0 : performance.now() + timeout;
  }

  /** Whether unshift() would keep a chunk (Readable drops it on a destroyed or errored stream). */
  canGiveBack(): boolean {
    return !this.socket.destroyed && !this.socket.errored;
  }

  /** Up to `max` bytes (the held ones first, possibly more than `max`); empty at EOF. */
  next(max: number): Buffer {
    const socket = this.socket;
    const holder = socket as unknown as { [kHeld]?: Buffer };
    const held = holder[kHeld];
    if (held !== undefined) {
      this.recv.call(socket, 0); // throws EBADF once the socket was closed
      delete holder[kHeld];
      return held;
    }
    const t = this.timeout;
    if (t === null || t === 0) return this.recv.call(socket, max, { timeout: t });
    const left = this.deadline - performance.now();
    if (left > 0) return this.recv.call(socket, max, { timeout: left });
    // The deadline passed: what is buffered still counts, waiting does not.
    try {
      return this.recv.call(socket, max, { timeout: 0 });
    } catch (err) {
      if ((err as { code?: unknown }).code === 'EAGAIN') throw new TimeoutError();
      throw err;
    }
  }

  /** Puts `bytes` back in front of everything not read yet. */
  giveBack(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const socket = this.socket;
    const holder = socket as unknown as { [kHeld]?: Buffer };
    const held = holder[kHeld];
    if (held !== undefined) holder[kHeld] = Buffer.concat([bytes, held]);
    else if (this.canGiveBack()) socket.unshift(bytes);
    else Object.defineProperty(socket, kHeld, { value: bytes, configurable: true, writable: true });
  }

  /**
   * What a failed read leaves: `read` (the bytes the call had) is given
   * back unless the failure is the socket's own lasting state; returns true
   * in that case (the caller then hands `read` out), false after giving back.
   */
  settle(err: unknown, read: Buffer): boolean {
    const socket = this.socket;
    if (read.length === 0) return false;
    if (isClosed(socket, this.recv)) return false; // closed by close(): the bytes went with it
    if (this.canGiveBack()) {
      socket.unshift(read);
      return false;
    }
    // A failed or destroyed socket throws the same error at every call:
    // the bytes before it are the caller's, as recv() would have given them.
    if (err === socket.errored || (err as { code?: unknown }).code === 'EBADF') return true;
    this.giveBack(read); // a Timeout or kill() that came with the failure: keep them aside
    return false;
  }
}

function isClosed(socket: net.Socket, recv: Recv): boolean {
  try {
    recv.call(socket, 0);
    return false;
  } catch {
    return true;
  }
}

function joined(parts: Buffer[], length: number): Buffer {
  if (parts.length === 0) return EMPTY;
  return parts.length === 1 ? parts[0] : Buffer.concat(parts, length);
}

function recvLine(this: net.Socket, maxBytes?: number, options?: BlockingOptions): Buffer {
  checkSocket(this);
  const limit = maxBytes === undefined ? MAX_READ : checkCount(maxBytes, 'maxBytes', true);
  const reader = new Reader(this, options);
  if (limit === 0) {
    netRecv().call(this, 0); // EBADF on a closed socket, as recv(0)
    return EMPTY;
  }
  const parts: Buffer[] = [];
  let got = 0;
  for (;;) {
    let chunk: Buffer;
    try {
      // Where bytes read past the newline could not be given back, read one at a time.
      chunk = reader.next(reader.canGiveBack() ? limit - got : 1);
    } catch (err) {
      if (reader.settle(err, joined(parts, got))) return joined(parts, got);
      throw err;
    }
    if (chunk.length === 0) return joined(parts, got); // EOF
    const room = limit - got;
    const nl = chunk.indexOf(NEWLINE);
    let end = nl === -1 ? chunk.length : nl + 1;
    if (end > room) end = room; // held bytes may run past maxBytes
    if (end < chunk.length) {
      reader.giveBack(chunk.subarray(end));
      chunk = chunk.subarray(0, end);
    }
    parts.push(chunk);
    got += chunk.length;
    if (nl !== -1 && nl < end) return joined(parts, got);
    if (got >= limit) return joined(parts, got);
  }
}

function recvExactly(this: net.Socket, n: number, options?: BlockingOptions): Buffer {
  checkSocket(this);
  const count = checkCount(n, 'n', false);
  const reader = new Reader(this, options);
  if (count === 0) {
    netRecv().call(this, 0);
    return EMPTY;
  }
  const parts: Buffer[] = [];
  let got = 0;
  while (got < count) {
    let chunk: Buffer;
    try {
      chunk = reader.next(count - got);
    } catch (err) {
      const read = joined(parts, got);
      if (reader.settle(err, read)) throw new IncompleteReadError(read, count, err);
      throw err;
    }
    if (chunk.length === 0) throw new IncompleteReadError(joined(parts, got), count);
    if (chunk.length > count - got) {
      reader.giveBack(chunk.subarray(count - got)); // held bytes beyond the count
      chunk = chunk.subarray(0, count - got);
    }
    parts.push(chunk);
    got += chunk.length;
  }
  return joined(parts, got);
}

// ---------------------------------------------------------------- patch table

/** What patches/index.ts installs beside net's own patches: [target, property, descriptor]. */
export function netLinePatches(): Array<[object, string, PropertyDescriptor]> {
  const S = net.Socket.prototype;
  const method = (fn: Function): PropertyDescriptor => ({ value: fn, writable: true, configurable: true, enumerable: false });
  return [
    [S, 'recvLine', method(recvLine)],
    [S, 'recvExactly', method(recvExactly)],
  ];
}
