// DatagramServer: a UDP server that runs `handle(data, address)` in a
// greenlet of its own for every datagram (gevent.server.DatagramServer in
// Node's idiom), and replies with the blocking sendto().
//
// Datagrams arrive as the dgram socket's 'message' events. While a Pool
// given as `spawn` is full they wait in the server, in arrival order, up to
// the socket's receive buffer size in bytes, as they would wait in the
// kernel for gevent's server; beyond that they are dropped, as the kernel
// drops what does not fit.
import * as dgram from 'dgram';
import * as net from 'net';
import { invalidArgType, outOfRange } from '../args';
import { assertCanBlock, getHub } from '../hub';
import { BaseServer, checkHostPort, checkOptionKeys, checkPort, ServerClosedError, ServerNotStartedError, type BaseServerOptions } from './base';

/** Where a datagram came from (or goes to). */
export interface DatagramAddress {
  /** An IP address. */
  address: string;
  port: number;
  /** 'IPv4' or 'IPv6'. */
  family: string;
}

/** What a DatagramServer binds to: a port, `{ host, port }`, or a dgram.Socket of your own. */
export type DatagramListener = number | { host?: string; port: number } | dgram.Socket;

/** Called in a greenlet of its own for each datagram. */
export type DatagramHandler = (data: Buffer, address: DatagramAddress) => void;

/** Options of DatagramServer. */
export type DatagramServerOptions = BaseServerOptions;

const OPTIONS = ['spawn'] as const;

interface Datagram {
  data: Buffer;
  address: DatagramAddress;
}

function isBound(socket: dgram.Socket): boolean {
  try {
    socket.address();
    return true;
  } catch {
    return false;
  }
}

function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // Closed already (ERR_SOCKET_DGRAM_NOT_RUNNING).
  }
}

/**
 * A UDP server running `handle(data, address)` in a greenlet per datagram;
 * see the top of this file.
 */
export class DatagramServer extends BaseServer<Datagram> {
  private readonly _handler: DatagramHandler;
  private _socket: dgram.Socket | null;
  private readonly _own: boolean;
  private readonly _host: string | undefined;
  private readonly _port: number;
  private _address: net.AddressInfo | null = null;
  private _limit = Infinity;
  private _listenCleanup: (() => void) | null = null;
  private _socketClosed = false;

  private readonly _onMessage = (data: Buffer, rinfo: dgram.RemoteInfo): void => {
    this._offer({ data, address: { address: rinfo.address, port: rinfo.port, family: rinfo.family } });
  };
  private readonly _onError = (err: Error): void => this._report(err);
  private readonly _onClose = (): void => {
    this._socketClosed = true;
    this._listenerClosed();
  };

  /**
   * A server for `listener` (a port, `{ host, port }`, or a dgram.Socket of
   * your own, bound or about to be) that calls `handle` for each datagram
   * once started. A port alone binds '::' (both IPv6 and IPv4) where IPv6
   * is available, else '0.0.0.0'. Throws ERR_INVALID_ARG_TYPE,
   * ERR_OUT_OF_RANGE and ERR_INVALID_ARG_VALUE for bad arguments.
   */
  constructor(listener: DatagramListener, handle: DatagramHandler, options?: DatagramServerOptions) {
    if (typeof handle !== 'function') throw invalidArgType('handle', 'of type function', handle);
    if (options !== undefined && (options === null || typeof options !== 'object')) throw invalidArgType('options', 'of type object', options);
    if (options !== undefined) checkOptionKeys(options, OPTIONS);
    let host: string | undefined;
    let port = 0;
    let socket: dgram.Socket | null = null;
    if (listener instanceof dgram.Socket) socket = listener;
    else if (typeof listener === 'number') port = checkPort(listener, 'listener');
    else if (listener !== null && typeof listener === 'object') ({ host, port } = checkHostPort(listener));
    else throw invalidArgType('listener', 'a port number, a { host, port } object, or an instance of dgram.Socket', listener);
    super(options?.spawn, handle.name);
    this._handler = handle;
    this._socket = socket;
    this._own = socket === null;
    this._host = host;
    this._port = port;
    if (socket !== null && isBound(socket)) this._address = socket.address();
  }

  /** The address the server is bound to once started (kept after close); null before. */
  override get address(): net.AddressInfo | null {
    return this._address;
  }

  /** The dgram.Socket the server receives on: yours, or the one start() made; null before that. */
  get socket(): dgram.Socket | null {
    return this._socket;
  }

  /**
   * Sends `data` to `address` (`{ address, port }`) from the server's
   * socket; blocks until the datagram is handed to the kernel and throws
   * the send error, if any. Throws ServerNotStartedError before start(),
   * ServerClosedError after close(), ERR_INVALID_ARG_TYPE /
   * ERR_OUT_OF_RANGE for bad arguments, and BlockingSwitchOutError in an
   * event-loop callback.
   */
  sendto(data: string | NodeJS.ArrayBufferView, address: { address: string; port: number }): void {
    if (typeof data !== 'string' && !ArrayBuffer.isView(data)) {
      throw invalidArgType('data', 'of type string or an instance of Buffer, TypedArray, or DataView', data);
    }
    if (address === null || typeof address !== 'object') throw invalidArgType('address', 'of type object', address);
    const port = checkPort(address.port, 'address.port');
    if (port === 0) throw outOfRange('address.port', 'an integer >= 1 and <= 65535', port);
    if (typeof address.address !== 'string') throw invalidArgType('address.address', 'of type string', address.address);
    if (this.closed) throw new ServerClosedError(`${this} is closed`);
    if (!this.started) throw new ServerNotStartedError(`${this} is not started: sendto() needs start()`);
    assertCanBlock('DatagramServer.sendto()');
    const socket = this._socket!;
    const bytes = typeof data === 'string' ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let active = true;
    getHub().wait<void>({
      start: (w) => {
        socket.send(bytes, port, address.address, (err) => {
          if (!active) return;
          if (err) w.throw(err);
          else w.switch(undefined);
        });
      },
      stop: () => {
        active = false;
      },
    });
  }

  /** `<DatagramServer 127.0.0.1:9000>` */
  override toString(): string {
    const a = this._address;
    const where = a === null ? (this._own ? `${this._host ?? '*'}:${this._port}` : 'not bound') : a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
    return `<DatagramServer ${where}>`;
  }

  protected _listen(done: (err: Error | null) => void): void {
    if (this._socket !== null) {
      const s = this._socket;
      if (isBound(s)) {
        this._bound(s);
        done(null);
        return;
      }
      // A socket of your own that is not bound yet: its bind() ends here.
      this._whenBound(s, done);
      return;
    }
    const host = this._host;
    const v6 = host === undefined || net.isIPv6(host);
    this._bindOwn(v6 ? 'udp6' : 'udp4', host ?? '::', (err) => {
      // No IPv6 here: a port alone falls back to IPv4.
      if (err !== null && host === undefined && (err as { code?: string }).code === 'EAFNOSUPPORT') this._bindOwn('udp4', '0.0.0.0', done);
      else done(err);
    });
  }

  protected _unlisten(): void {
    this._listenCleanup?.();
    if (this._own && this._socket !== null) {
      const s = this._socket;
      this._socket = null;
      closeQuietly(s);
    }
  }

  protected _attach(): void {
    const s = this._socket!;
    s.on('message', this._onMessage);
    s.on('error', this._onError);
    s.on('close', this._onClose);
  }

  protected _detach(): void {
    const s = this._socket!;
    s.removeListener('message', this._onMessage);
    s.removeListener('close', this._onClose);
  }

  protected _closeListener(): void {
    const s = this._socket;
    if (s === null || this._socketClosed) return;
    this._socketClosed = true;
    closeQuietly(s);
  }

  protected _handle({ data, address }: Datagram): void {
    this._handler(data, address);
  }

  protected _drop(_item: Datagram): void {
    // A datagram no handler will see: nothing to release.
  }

  protected override _pendingLimit(): number {
    return this._limit;
  }

  protected override _sizeOf(item: Datagram): number {
    return item.data.length;
  }

  private _bindOwn(type: 'udp4' | 'udp6', address: string, done: (err: Error | null) => void): void {
    const s = dgram.createSocket(type);
    this._socket = s;
    this._whenBound(s, (err) => {
      if (err !== null) {
        this._socket = null;
        closeQuietly(s);
      }
      done(err);
    });
    s.bind({ port: this._port, address });
  }

  private _whenBound(s: dgram.Socket, done: (err: Error | null) => void): void {
    const onListening = (): void => {
      cleanup();
      this._bound(s);
      done(null);
    };
    const onError = (err: Error): void => {
      cleanup();
      done(err);
    };
    const cleanup = (): void => {
      s.removeListener('listening', onListening);
      s.removeListener('error', onError);
      this._listenCleanup = null;
    };
    this._listenCleanup = cleanup;
    s.on('listening', onListening);
    s.on('error', onError);
  }

  private _bound(s: dgram.Socket): void {
    this._address = s.address();
    this._limit = s.getRecvBufferSize();
  }
}
