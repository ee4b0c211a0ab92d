'use strict';
// Line-based chat server: every line a client sends goes to all the other
// clients as "<name>: <line>". One greenlet per client, blocking I/O.
//
//   node examples/chat-server.js [port]      (0 picks a free port)
//
// Prints "listening on <port>". Try it with `nc 127.0.0.1 <port>` twice.
const net = require('net');
const { once } = require('events');
const { patchAll, spawn, waitFor } = require('..');

patchAll();

const clients = new Set();
let nextId = 1;

function broadcast(from, text) {
  for (const c of clients) {
    if (c === from) continue;
    try {
      c.sendall(text, { timeout: 1000 }); // a stuck client must not stall everyone for long
    } catch {
      c.close(); // its own greenlet notices at its next recv()
    }
  }
}

function handle(conn) {
  const name = `client${nextId++}`;
  clients.add(conn);
  conn.sendall(`welcome, ${name}\n`);
  broadcast(conn, `* ${name} joined\n`);
  let pending = '';
  try {
    for (;;) {
      const data = conn.recv();
      if (data.length === 0) break;
      pending += data.toString('utf8');
      let nl;
      while ((nl = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        if (line) broadcast(conn, `${name}: ${line}\n`);
      }
    }
  } catch (err) {
    if (err.code !== 'EBADF') console.error(`${name}: ${err.code || err.message}`);
  } finally {
    clients.delete(conn);
    conn.close();
    broadcast(null, `* ${name} left\n`);
  }
}

const server = net.createServer();
server.listen(Number(process.argv[2] || 0), '127.0.0.1');
waitFor(once(server, 'listening'));
console.log(`listening on ${server.address().port}`);

for (;;) spawn(handle, server.accept());
