'use strict';
// Twin of udp-wakeups.py (see there): readers parked in recvfrom() on two
// sockets, kill(), a Timeout, and a non-blocking sendto().
const dgram = require('dgram');
const { once } = require('events');
const { patchAll, spawn, sleep, waitFor, joinAll, Timeout, FiberExit } = require('../..');

patchAll();
const show = (data) => JSON.stringify(Buffer.from(data).toString('latin1'));

function bound() {
  const s = dgram.createSocket('udp4');
  s.bind(0, '127.0.0.1');
  waitFor(once(s, 'listening'));
  return s;
}

const servers = { one: bound(), two: bound() };
const client = dgram.createSocket('udp4');

function send(data, name) {
  console.log('main: sends', show(data), 'to', name);
  client.sendto(data, servers[name].address().port, '127.0.0.1');
}

function reader(who, name) {
  try {
    console.log(who, 'got', show(servers[name].recvfrom(100).data));
  } catch (err) {
    if (!(err instanceof FiberExit)) throw err;
    console.log(who, 'killed');
  }
}

const readers = ['one', 'two'].map((name) => spawn(reader, `reader of ${name}`, name));
sleep(0);
send('first', 'two');
sleep(20);
send('second', 'one');
joinAll(readers);

const victim = spawn(reader, 'victim', 'one');
sleep(20);
console.log('main: kills the victim');
victim.kill();
send('after the kill', 'one');
console.log('main: recvfrom got', show(servers.one.recvfrom(100).data));

const t = Timeout.start(50);
try {
  servers.two.recvfrom(100);
} catch (err) {
  if (err !== t.error) throw err;
  console.log('main: Timeout in recvfrom');
} finally {
  t.cancel();
}
client.blockingTimeout = 0;
console.log('main: non-blocking sendto returned', client.sendto('after the Timeout', servers.two.address().port, '127.0.0.1'));
client.blockingTimeout = null;
console.log('main: recvfrom got', show(servers.two.recvfrom(100).data));
client.close();
servers.one.close();
servers.two.close();
