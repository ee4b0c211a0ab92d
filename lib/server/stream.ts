// StreamServer: a TCP (or TLS) server that runs `handle(socket, address)` in
// a greenlet of its own for every connection (gevent.server.StreamServer in
// Node's idiom).
//
// The handler gets a blocking-style net.Socket (recv, sendall, close ...;
// the methods patchAll() adds, given to the socket itself when net is not
// patched) and the socket is closed when the handler returns or throws. An
// error from a handler is its greenlet's failure: Greenlet reports it with
// getHub().handleError, and the server goes on serving.
//
// With `tls`, the server is a tls.Server: the handler gets a TLSSocket whose
// handshake is done (a client that fails it never reaches a handler; the
// failure is reported with handleError).
import * as net from 'net';
import * as tls from 'tls';
import { invalidArgType, invalidArgValue, outOfRange } from '../args';
import { isPatched } from '../../patches';
import { netPatches } from '../../patches/net';
import { ListenerPause } from '../listener-pause';
import { BaseServer, checkHostPort, checkOptionKeys, checkPort, type BaseServerOptions } from './base';

/** What a StreamServer listens on: a port, `{ host, port }`, or a net.Server / tls.Server of your own. */
export type StreamListener = number | { host?: string; port: number } | net.Server;

/** Called in a greenlet of its own for each connection; the socket is closed when it returns or throws. */
export type StreamHandler = (socket: net.Socket, address: net.AddressInfo) => void;

/** Options of StreamServer. */
export interface StreamServerOptions extends BaseServerOptions {
  /** The listen backlog (for a port or `{ host, port }` listener only); Node's default when absent. */
  backlog?: number;
  /**
   * TLS options (key, cert, ca, requestCert, ALPNProtocols ... as for
   * tls.createServer()) for a port or `{ host, port }` listener: each
   * handler then gets a handshaken tls.TLSSocket. With a tls.Server as the
   * listener, leave this out.
   */
  tls?: tls.TlsOptions;
}

const OPTIONS = ['spawn', 'backlog', 'tls'] as const;

/** The blocking methods patchAll() puts on net.Socket.prototype, to give a socket when net is not patched. */
let socketMethods: Array<[string, PropertyDescriptor]> | null = null;

/** Gives `socket` recv/sendall/close ... if patchAll() has not put them on every socket. */
function blockingStyle(socket: net.Socket): void {
  if (isPatched('net')) return;
  if (socketMethods === null) {
    socketMethods = netPatches()
      .filter(([target]) => target === net.Socket.prototype)
      .map(([, key, descriptor]) => [key, descriptor]);
  }
  for (const [key, descriptor] of socketMethods) Object.defineProperty(socket, key, descriptor);
}

function ignoreError(): void {
  // A connection's errors are kept by the socket (socket.errored) and
  // thrown by its blocking calls; this listener only keeps an error on a
  // connection no handler has picked up yet from crashing the process.
}

/** Where the client of `socket` is. */
function remoteOf(socket: net.Socket): net.AddressInfo {
  return { address: socket.remoteAddress ?? '', family: socket.remoteFamily ?? '', port: socket.remotePort ?? 0 };
}

function addressOf(server: net.Server): net.AddressInfo | null {
  const a = server.address();
  if (a === null) return null;
  if (typeof a === 'string') return { address: a, family: 'unix', port: 0 };
  return a;
}

/** A connection, with its client's address as it was when it arrived. */
interface Accepted {
  socket: net.Socket;
  address: net.AddressInfo;
}

/**
 * A TCP or TLS server running `handle(socket, address)` in a greenlet per
 * connection; see the top of this file.
 */
export class StreamServer extends BaseServer<Accepted> {
  private readonly _handler: StreamHandler;
  /** The server given as the listener, or the one start() created (null until then). */
  private _server: net.Server | null;
  private readonly _own: boolean;
  private readonly _host: string | undefined;
  private readonly _port: number;
  private readonly _backlog: number | undefined;
  private readonly _tls: tls.TlsOptions | undefined;
  private _address: net.AddressInfo | null = null;
  private readonly _event: 'connection' | 'secureConnection';
  /** Stops the listener's accepts while the pool is full; made on first use, for the listener it was made for. */
  private _intake: ListenerPause | null = null;
  private _intakeOf: net.Server | null = null;
  private _listenCleanup: (() => void) | null = null;

  private readonly _onConnection = (socket: net.Socket): void => {
    socket.on('error', ignoreError);
    // Like a socket gevent accepts: after recv() returns EOF it can still send.
    socket.allowHalfOpen = true;
    const intake = this._intakeControl();
    if (intake !== null && intake.control()) {
      // Without a spawn limit every connection gets its handler at once, so
      // the listener takes all the kernel holds at each readiness (as for a
      // fiber waiting in accept()): a burst never overflows the backlog. A
      // Pool's limit leaves them in the kernel's backlog instead.
      if (this.unlimited) intake.setGreedy(true);
    }
    this._offer({ socket, address: remoteOf(socket) });
  };
  /**
   * Every TCP connection Node makes (first, and before a TLS handshake):
   * what the listener took ahead goes on to Node from the next loop turn.
   */
  private readonly _onTcpConnection = (): void => this._intake?.handOverRest();
  private readonly _onError = (err: Error): void => this._report(err);
  private readonly _onTlsClientError = (err: Error): void => this._report(err);
  private readonly _onClose = (): void => this._listenerClosed();

  /**
   * A server for `listener` (a port, `{ host, port }`, or a net.Server /
   * tls.Server of your own, listening or about to) that calls `handle` for
   * each connection once started. Throws ERR_INVALID_ARG_TYPE,
   * ERR_OUT_OF_RANGE and ERR_INVALID_ARG_VALUE for bad arguments (`backlog`
   * or `tls` with a server of your own, unknown options).
   */
  constructor(listener: StreamListener, handle: StreamHandler, options?: StreamServerOptions) {
    if (typeof handle !== 'function') throw invalidArgType('handle', 'of type function', handle);
    if (options !== undefined && (options === null || typeof options !== 'object')) throw invalidArgType('options', 'of type object', options);
    if (options !== undefined) checkOptionKeys(options, OPTIONS);
    const backlog = options?.backlog;
    if (backlog !== undefined) {
      if (typeof backlog !== 'number') throw invalidArgType('options.backlog', 'of type number', backlog);
      if (!Number.isSafeInteger(backlog) || backlog < 0) throw outOfRange('options.backlog', 'an integer >= 0', backlog);
    }
    const tlsOptions = options?.tls;
    if (tlsOptions !== undefined && (tlsOptions === null || typeof tlsOptions !== 'object')) {
      throw invalidArgType('options.tls', 'of type object', tlsOptions);
    }
    let host: string | undefined;
    let port = 0;
    let server: net.Server | null = null;
    if (listener instanceof net.Server) {
      if (backlog !== undefined) throw invalidArgValue('options.backlog', backlog, 'must be absent when the listener is a server of your own');
      if (tlsOptions !== undefined) {
        throw invalidArgValue('options.tls', '[object]', 'must be absent when the listener is a server of your own (give a tls.Server for TLS)');
      }
      server = listener;
    } else if (typeof listener === 'number') {
      port = checkPort(listener, 'listener');
    } else if (listener !== null && typeof listener === 'object') {
      ({ host, port } = checkHostPort(listener));
    } else {
      throw invalidArgType('listener', 'a port number, a { host, port } object, or an instance of net.Server', listener);
    }
    super(options?.spawn, handle.name);
    this._handler = handle;
    this._server = server;
    this._own = server === null;
    this._host = host;
    this._port = port;
    this._backlog = backlog;
    this._tls = tlsOptions;
    this._event = (server === null ? tlsOptions !== undefined : server instanceof tls.Server) ? 'secureConnection' : 'connection';
    if (server !== null && server.listening) this._address = addressOf(server);
  }

  /** The address the server listens on once started (kept after close); null before. */
  override get address(): net.AddressInfo | null {
    return this._address;
  }

  /** The net.Server (a tls.Server with `tls`) the server accepts on: yours, or the one start() made; null before that. */
  get listener(): net.Server | null {
    return this._server;
  }

  /** `<StreamServer 127.0.0.1:8000>` */
  override toString(): string {
    const a = this._address;
    const where = a === null ? (this._own ? `${this._host ?? '*'}:${this._port}` : 'not listening') : a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
    return `<StreamServer ${where}${this._tls !== undefined || this._event === 'secureConnection' ? ' tls' : ''}>`;
  }

  protected _listen(done: (err: Error | null) => void): void {
    let server = this._server;
    if (server === null) {
      // Paused: a connection waiting for a free slot is not read until its
      // handler reads it.
      server =
        this._tls !== undefined
          ? tls.createServer({ ...this._tls, allowHalfOpen: true })
          : net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
      this._server = server;
    }
    const s = server;
    const onListening = (): void => {
      cleanup();
      this._address = addressOf(s);
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
    if (s.listening) {
      onListening();
      return;
    }
    s.on('listening', onListening);
    s.on('error', onError);
    if (this._own) {
      const opts: net.ListenOptions = { port: this._port };
      if (this._host !== undefined) opts.host = this._host;
      if (this._backlog !== undefined) opts.backlog = this._backlog;
      s.listen(opts);
    }
    // A server of your own that is not listening yet: its listen() call
    // (or a cluster worker's, which goes through the primary) ends here.
  }

  protected _unlisten(): void {
    this._listenCleanup?.();
    if (this._own && this._server !== null) {
      // A failed or interrupted start: the next start() makes a new server.
      const s = this._server;
      this._server = null;
      if (s.listening) s.close();
    }
  }

  protected _attach(): void {
    const s = this._server!;
    s.on(this._event, this._onConnection);
    s.on('error', this._onError);
    s.on('close', this._onClose);
    s.prependListener('connection', this._onTcpConnection);
    if (this._event === 'secureConnection') s.on('tlsClientError', this._onTlsClientError);
  }

  /** The pause control of the current listener (which also batches its accepts). */
  private _intakeControl(): ListenerPause | null {
    const s = this._server;
    if (s === null) return null;
    if (this._intake === null || this._intakeOf !== s) {
      this._intake = new ListenerPause(s);
      this._intakeOf = s;
    }
    return this._intake;
  }

  protected override _pauseIntake(): void {
    this._intakeControl()?.pause();
  }

  protected override _resumeIntake(): void {
    this._intake?.resume();
  }

  protected _detach(): void {
    // A listener of your own is left accepting, as it was given (what it
    // took ahead goes on to its other 'connection' listeners).
    this._resumeIntake();
    this._intake?.setGreedy(false);
    this._intake?.handOverRest();
    const s = this._server!;
    s.removeListener(this._event, this._onConnection);
    s.removeListener('close', this._onClose);
    s.removeListener('tlsClientError', this._onTlsClientError);
    s.removeListener('connection', this._onTcpConnection);
    // The 'error' listener stays: the closing server may still report one.
  }

  protected _closeListener(): void {
    const s = this._server;
    if (s !== null && s.listening) {
      s.close();
      // Connections it took ahead and never handed out are closed with it.
      this._intake?.release();
    }
  }

  protected _handle({ socket, address }: Accepted): void {
    blockingStyle(socket);
    try {
      this._handler(socket, address);
    } finally {
      socket.close();
    }
  }

  protected _drop({ socket }: Accepted): void {
    socket.destroy();
  }
}
