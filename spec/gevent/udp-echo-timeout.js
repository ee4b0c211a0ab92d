'use strict';
// Twin of udp-echo-timeout.py (see there): recvfrom()/sendto() with blockingTimeout.
const dgram = require('dgram');
const { once } = require('events');
const { patchAll, spawn, waitFor } = require('../..');

patchAll();
const show = (data) => JSON.stringify(Buffer.from(data).toString('latin1'));

const server = dgram.createSocket('udp4');
server.bind(0, '127.0.0.1');
waitFor(once(server, 'listening'));
const { port } = server.address();

function serve() {
  for (;;) {
    const { data, address, port: from } = server.recvfrom(1024);
    console.log('server: got', show(data));
    if (data.toString() === 'stop') break;
    if (data.toString() === 'drop') {
      console.log('server: ignores it');
      continue;
    }
    server.sendto(data.toString().toUpperCase(), from, address);
  }
  console.log('server: stops');
}

const serving = spawn(serve);
const client = dgram.createSocket('udp4');
client.blockingTimeout = 100;
for (const message of ['hello', 'drop', 'again', 'stop']) {
  console.log('client: sendto', show(message), 'returned', client.sendto(message, port, '127.0.0.1'));
  try {
    const reply = client.recvfrom(1024);
    console.log('client: reply', show(reply.data), 'from the server:', reply.port === port && reply.address === '127.0.0.1' ? 'True' : 'False');
  } catch (err) {
    if (err.code !== 'ETIMEDOUT') throw err;
    console.log('client: recvfrom', err.message);
  }
}
serving.join();
console.log('end');
client.close();
server.close();
