'use strict';
// A UDP echo server and its client in blocking style, in one script: the
// server is a greenlet looping on recvfrom()/sendto(), the client is the
// script's top level, waiting for each echo with a timeout.
//
//   node examples/udp-echo.js [message ...]
//
// The server answers each datagram with its upper-case copy, and stops
// (without answering) at "quit"; the client's wait for that answer times out.
const dgram = require('dgram');
const { once } = require('events');
const { patchAll, spawn, waitFor } = require('..');

patchAll();

const server = dgram.createSocket('udp4');
server.bind(0, '127.0.0.1');
waitFor(once(server, 'listening'));
const { port } = server.address();

function serve() {
  let echoed = 0;
  for (;;) {
    const { data, address, port: from } = server.recvfrom(); // blocks this greenlet only
    if (data.toString() === 'quit') break;
    server.sendto(data.toString().toUpperCase(), from, address);
    echoed++;
  }
  server.close();
  return echoed;
}

const serving = spawn(serve);

const client = dgram.createSocket('udp4');
client.blockingTimeout = 2000; // every recvfrom() below gives up after 2 s
const messages = process.argv.length > 2 ? process.argv.slice(2) : ['hello', 'udp', 'echo'];
for (const message of messages) {
  client.sendto(message, port, '127.0.0.1'); // the first sendto() binds the client
  const reply = client.recvfrom();
  console.log(`client: ${message} -> ${reply.data} (from the server's port: ${reply.port === port})`);
}
client.sendto('quit', port, '127.0.0.1');
try {
  client.recvfrom(65536, { timeout: 200 });
} catch (err) {
  if (err.code !== 'ETIMEDOUT') throw err;
  console.log(`client: no answer to "quit": ${err.message}`);
}
client.close();
console.log(`server: ${serving.get()} datagrams echoed`);
