// What the blocking socket patches (net, dgram) share: errors with errno
// codes, per-call timeouts, and the waiter slot a socket's listeners wake.
import { constants as osConstants } from 'os';
import type { Watcher, WaitDescription } from '../lib/hub';
import type { Waiter } from '../lib/waiter';
import { invalidArgType, outOfRange } from '../lib/args';

/** Per-call options of the blocking methods. */
export interface BlockingOptions {
  /** ms; `null` waits forever; `0` never waits (throws code EAGAIN). Default: the socket's blockingTimeout. */
  timeout?: number | null;
}

export type ErrnoError = Error & { code: string; errno?: number; syscall?: string };

/**
 * The codes a blocking socket call throws with: fibernet's own (EAGAIN for a
 * call that would block with timeout 0, EBADF on a closed socket, EPIPE for a
 * write after shutdown, ETIMEDOUT from TimeoutError), and the kernel's that
 * Node passes on from a connection or a listen.
 */
export type SocketErrorCode =
  | 'EAGAIN'
  | 'EBADF'
  | 'EPIPE'
  | 'ETIMEDOUT'
  | 'ECONNRESET'
  | 'ECONNREFUSED'
  | 'ECONNABORTED'
  | 'EADDRINUSE'
  | 'EADDRNOTAVAIL'
  | 'EACCES'
  | 'EHOSTUNREACH'
  | 'ENETUNREACH'
  | 'ENETDOWN'
  | 'ENOTCONN'
  | 'EMSGSIZE'
  | 'ENOTFOUND'
  | 'EAI_AGAIN';

const SOCKET_ERROR_CODES: ReadonlySet<string> = new Set<SocketErrorCode>([
  'EAGAIN',
  'EBADF',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EADDRINUSE',
  'EADDRNOTAVAIL',
  'EACCES',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTCONN',
  'EMSGSIZE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** An error a blocking socket call threw: its `code`, and `errno`/`syscall` where the system gave them. */
export interface SocketError<C extends SocketErrorCode = SocketErrorCode> extends Error {
  code: C;
  errno?: number;
  syscall?: string;
  address?: string;
  port?: number;
}

/** Whether `err` is a SocketError (with code `code`, when given): narrows it for TypeScript. */
export function isSocketError<C extends SocketErrorCode = SocketErrorCode>(err: unknown, code?: C): err is SocketError<C> {
  if (!(err instanceof Error)) return false;
  const c = (err as { code?: unknown }).code;
  return typeof c === 'string' && SOCKET_ERROR_CODES.has(c) && (code === undefined || c === code);
}

export function sysError(code: 'EBADF' | 'EAGAIN' | 'EPIPE' | 'ECONNRESET', message: string, syscall: string): ErrnoError {
  const err = new Error(message) as ErrnoError;
  err.code = code;
  err.errno = -osConstants.errno[code];
  err.syscall = syscall;
  return err;
}

export function closedError(syscall: string): ErrnoError {
  return sysError('EBADF', 'The socket was closed', syscall);
}

export function checkTimeout(value: unknown, name: string): number | null {
  if (value === null) return null;
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number or null', value);
  if (!(value >= 0)) throw outOfRange(name, '>= 0 (Infinity or null: forever)', value);
  return value;
}

/** The timeout one call uses: its own `timeout` option, else the object's blockingTimeout. */
export function callTimeout(options: BlockingOptions | undefined, fallback: number | null): number | null {
  if (options === undefined) return fallback;
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  const t = options.timeout;
  return t === undefined ? fallback : checkTimeout(t, 'options.timeout');
}

export function wake(waiter: Waiter<unknown> | null): void {
  if (waiter !== null && !waiter.ready()) waiter.switch(undefined);
}

/** A watcher that only records the waiter; the socket's listeners do the waking. */
export class SlotWatcher implements Watcher<unknown> {
  waiter: Waiter<unknown> | null = null;
  /** The blocking call that waits ('recv', 'accept', ...), for dumpFibers(). */
  op: string;
  /** The socket or server it waits on. */
  target: object | null = null;
  constructor(op = '') {
    this.op = op;
  }
  start(waiter: Waiter<unknown>): void {
    this.waiter = waiter;
  }
  stop(): void {
    this.waiter = null;
  }
  describeWait(): WaitDescription {
    const op = this.op || 'socket';
    return { kind: op, detail: `${op}() on ${describeEndpoint(this.target)}` };
  }
}

/** A socket or server as a dump names it: its addresses (read only when a dump is made). */
export function describeEndpoint(target: object | null): string {
  const t = target as {
    remoteAddress?: string;
    remotePort?: number;
    localAddress?: string;
    localPort?: number;
    address?: () => unknown;
  } | null;
  if (t === null) return 'a socket';
  try {
    if (t.remoteAddress !== undefined) return `socket ${t.localAddress}:${t.localPort} <- ${t.remoteAddress}:${t.remotePort}`;
    const kind = t.constructor?.name === 'Server' ? 'server' : 'socket';
    const addr = typeof t.address === 'function' ? t.address() : null;
    if (addr !== null && typeof addr === 'object') {
      const a = addr as { address?: string; port?: number };
      return `${kind} ${a.address}:${a.port}`;
    }
    if (typeof addr === 'string') return `${kind} ${addr}`;
    return `a ${kind} (not bound)`;
  } catch {
    return 'a socket (closed)';
  }
}
