'use strict';
// Blocking-style echo server, gevent's StreamServer echo in fibernet: an
// accept loop on the main fiber, one greenlet per connection.
//
//   node examples/echo-server.js [port]      (0 picks a free port)
//
// Prints "listening on <port>", then echoes every connection until killed.
const net = require('net');
const { once } = require('events');
const { patchAll, spawn, waitFor } = require('..');

patchAll();

function handle(conn) {
  try {
    for (;;) {
      const data = conn.recv(); // blocks this greenlet only
      if (data.length === 0) break; // the client closed its side
      conn.sendall(data);
    }
  } catch (err) {
    console.error(`connection error: ${err.code || err.message}`);
  } finally {
    conn.close();
  }
}

const server = net.createServer();
server.listen(Number(process.argv[2] || 0), '127.0.0.1');
waitFor(once(server, 'listening'));
console.log(`listening on ${server.address().port}`);

for (;;) spawn(handle, server.accept());
