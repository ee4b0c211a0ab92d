// HTTP handlers in greenlets: with patchAll({ http: true }), every 'request'
// an http or https server emits runs its listeners in a greenlet of its own,
// so a handler may block (read a socket, sleep, wait for a query) the way
// fibers-era Meteor and Express apps did, while the server goes on serving.
//
// A handler that throws is reported through the Hub's handleError, and its
// response gets a 500 (or, once headers went out, its connection is cut), as
// gevent's WSGI server does: an error in one request must not hang its
// client or take the process down.
import * as http from 'http';
import * as https from 'https';
import { EventEmitter } from 'events';
import { Fiber } from '../lib/fiber';
import { Greenlet } from '../lib/greenlet';
import { getHub } from '../lib/hub';

const emit = EventEmitter.prototype.emit;

function failRequest(res: http.ServerResponse, error: unknown, handler: Greenlet<any>): void {
  getHub().handleError(`${String(handler)} handling ${res.req?.method} ${res.req?.url}`, error);
  if (res.writableEnded) return;
  if (!res.headersSent) {
    res.statusCode = 500;
    res.setHeader('content-type', 'text/plain');
    res.setHeader('connection', 'close');
    res.end('Internal Server Error\n');
  } else {
    res.destroy();
  }
}

/** Server#emit: 'request' runs its listeners in a new greenlet; every other event as before. */
function emitInGreenlet(this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
  if (event !== 'request' || Fiber.current !== undefined) return emit.call(this, event, ...args);
  const listeners = this.listenerCount('request') > 0;
  const res = args[1] as http.ServerResponse;
  const handler = new Greenlet(function handleRequest(this: void, server: http.Server) {
    try {
      emit.call(server, event, ...args);
    } catch (err) {
      failRequest(res, err, handler);
    }
  }, this);
  handler.startNow();
  return listeners;
}

const method = (value: unknown): PropertyDescriptor => ({ value, writable: true, configurable: true, enumerable: false });

/** patchAll({ http: true })'s entries: an own emit on http.Server and https.Server. */
export function httpPatches(): Array<[object, string, PropertyDescriptor]> {
  return [
    [http.Server.prototype, 'emit', method(emitInGreenlet)],
    [https.Server.prototype, 'emit', method(emitInGreenlet)],
  ];
}
