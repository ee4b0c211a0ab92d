'use strict';
// Twin of udp-queue.py (see there): the receive queue, truncation, EAGAIN,
// ConcurrentObjectUseError and close().
const dgram = require('dgram');
const { once } = require('events');
const { patchAll, spawn, sleep, waitFor, joinAll, ConcurrentObjectUseError } = require('../..');

patchAll();
// Lets the readers spawned just before start and park, with sleep(0)s
// rather than a timer, which a stall of the machine could let run first.
function settle() {
  for (let i = 0; i < 10; i++) sleep(0);
}
const show = (data) => JSON.stringify(data.toString('latin1'));

const server = dgram.createSocket('udp4');
server.bind(0, '127.0.0.1');
waitFor(once(server, 'listening'));
const { port } = server.address();
const client = dgram.createSocket('udp4');

for (let i = 0; i < 4; i++) client.sendto(`datagram ${i}`, port, '127.0.0.1');
sleep(50);
console.log('main: recvfrom(4)', show(server.recvfrom(4).data));
console.log('main: recvfrom(100)', show(server.recvfrom(100).data));
console.log('main: recvfrom(0)', show(server.recvfrom(0).data));
const last = server.recvfrom(100);
console.log('main: recvfrom(100)', show(last.data), 'from the client:', last.port === client.address().port ? 'True' : 'False');

server.blockingTimeout = 0;
try {
  server.recvfrom(100);
} catch (err) {
  console.log('main: non-blocking recvfrom:', err.code);
}
server.blockingTimeout = null;

function reader(name) {
  try {
    console.log(name, 'got', show(server.recvfrom(100).data));
  } catch (err) {
    if (err instanceof ConcurrentObjectUseError) console.log(name, 'ConcurrentObjectUseError');
    else console.log(name, err.code);
  }
}

const first = spawn(reader, 'first');
const second = spawn(reader, 'second');
settle();
console.log('main: sends one datagram');
client.sendto('for the first', port, '127.0.0.1');
joinAll([first, second]);

const third = spawn(reader, 'third');
settle();
console.log('main: closes the socket');
server.close();
third.join();
try {
  server.recvfrom(1);
} catch (err) {
  console.log('main: recvfrom after close:', err.code);
}
client.close();
