'use strict';
// Twin of server-datagram.py (see there).
const dgram = require('dgram');
const { DatagramServer, getHub, sleep, waitFor } = require('../..');

getHub().handleError = (context, err) => console.log('reported:', err.message);
const py = (x) => (x ? 'True' : 'False');
const active = [];

function handle(data, address) {
  const text = data.toString();
  active.push(text);
  console.log('handler got', text, 'active', active.length);
  sleep(20);
  active.splice(active.indexOf(text), 1);
  if (text === 'bad') throw new Error('bad datagram');
  server.sendto(`re ${text}`, address);
}

const server = new DatagramServer({ host: '127.0.0.1', port: 0 }, handle, { spawn: 1 });
server.start();
const port = server.address.port;
console.log('started', py(server.started));

// An evented UDP client: datagrams land in an inbox that recvfrom() reads, blocking.
const client = dgram.createSocket('udp4');
const inbox = [];
let wake = null;
client.on('message', (msg, rinfo) => {
  inbox.push([msg, rinfo]);
  if (wake) wake();
});
const recvfrom = () => {
  while (inbox.length === 0) waitFor(new Promise((resolve) => (wake = resolve)));
  return inbox.shift();
};
waitFor(new Promise((resolve) => client.bind(0, '127.0.0.1', resolve)));
for (const text of ['d0', 'd1', 'bad', 'd2']) {
  waitFor(new Promise((resolve) => client.send(text, port, '127.0.0.1', resolve)));
}
for (let i = 0; i < 3; i++) {
  const [data, address] = recvfrom();
  console.log('client got', data.toString(), 'from the server port', py(address.port === port));
}
client.close();
server.stop();
console.log('stopped: closed', py(server.closed));
