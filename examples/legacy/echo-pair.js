// A blocking echo server and client in one legacy-style script: the server
// accepts in a greenlet, the client talks to it from the top level.
// Run it with: fibernet examples/legacy/echo-pair.js   (or node, it calls patchAll itself)
'use strict';
const net = require('net');
const { once } = require('events');
const { patchAll, spawn, connect, waitFor } = require('fibernet');
patchAll();

const server = net.createServer().listen(0, '127.0.0.1');
waitFor(once(server, 'listening'));
const acceptor = spawn(() => {
  const conn = server.accept();
  for (;;) {
    const data = conn.recv();
    if (data.length === 0) break;
    conn.sendall(data);
  }
  conn.close();
});

const sock = connect(server.address().port, '127.0.0.1');
for (const word of ['alpha', 'beta', 'gamma']) {
  sock.sendall(word);
  let echoed = '';
  while (echoed.length < word.length) echoed += sock.recv().toString();
  console.log('echo:', echoed);
}
sock.shutdown('write');
console.log('server closed after our EOF:', sock.recv().length === 0);
sock.close();
acceptor.join();
server.close();
