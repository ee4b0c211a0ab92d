// gevent.server for fibernet: StreamServer (TCP/TLS) and DatagramServer
// (UDP), one greenlet per connection or datagram. The lifecycle they share is
// in server/base.ts, each server in its own file.
export { ServerStartedError, ServerClosedError, ServerNotStartedError } from './server/base';
export type { BaseServerOptions } from './server/base';
export { StreamServer } from './server/stream';
export type { StreamListener, StreamHandler, StreamServerOptions } from './server/stream';
export { DatagramServer } from './server/datagram';
export type { DatagramAddress, DatagramListener, DatagramHandler, DatagramServerOptions } from './server/datagram';
