'use strict';
// A server whose handler sometimes computes for 300 ms without yielding: every
// other connection stalls meanwhile. Run it with the monitor on to find the
// culprit:
//
//   FIBERNET_MONITOR=100 node examples/debugging/blocking.js
//
// It serves three requests from itself and exits.
const { patchAll, spawn, connect, StreamServer, joinAll } = require('../..');

patchAll();

function checksum(text) {
  // Deliberately slow: 300 ms of computing on every "slow" request.
  let sum = 0;
  const end = Date.now() + (text.startsWith('slow') ? 300 : 0);
  do {
    for (let i = 0; i < text.length; i++) sum = (sum * 31 + text.charCodeAt(i)) >>> 0;
  } while (Date.now() < end);
  return sum;
}

function handle(sock) {
  const line = sock.recvLine().toString().trim();
  sock.sendall(`${checksum(line)}\n`);
}

const server = new StreamServer({ host: '127.0.0.1', port: 0 }, handle);
server.start();
const port = server.address.port;
const clients = ['fast 1', 'slow 2', 'fast 3'].map((text) =>
  spawn(function client() {
    const sock = connect(port, '127.0.0.1');
    sock.sendall(`${text}\n`);
    const reply = sock.recvLine().toString().trim();
    sock.close();
    return reply;
  }),
);
joinAll(clients);
console.log(clients.map((g) => g.value).join(' '));
server.stop();
