'use strict';
// Twin of lines-wakeups.py (see there): readers parked in recvLine() on
// several sockets, woken by their lines, a timeout, a Timeout and kill().
const net = require('net');
const { once } = require('events');
const { patchAll, spawn, sleep, waitFor, connect, joinAll, Timeout, FiberExit } = require('../..');

patchAll();
const show = (data) => JSON.stringify(data.toString('latin1'));

const listener = net.createServer();
listener.listen(0, '127.0.0.1');
waitFor(once(listener, 'listening'));
const ends = {};
for (const name of 'ABC') {
  const client = connect(listener.address().port, '127.0.0.1');
  ends[name] = { client, conn: listener.accept() };
}

function reader(who, name) {
  try {
    console.log(who, 'got', show(ends[name].conn.recvLine()));
  } catch (err) {
    if (err instanceof FiberExit) console.log(who, 'killed');
    else if (err.code === 'ETIMEDOUT') console.log(who, 'timed out:', err.message);
    else throw err;
  }
}

function send(name, data) {
  console.log('main: sends', show(Buffer.from(data)), 'to', name);
  ends[name].client.sendall(data);
}

ends.C.conn.blockingTimeout = 100;
const readers = [...'ABC'].map((n) => spawn(reader, `reader ${n}`, n));
sleep(0);
console.log('main: all three wait');
send('B', 'to B\n');
sleep(20);
send('A', 'to ');
sleep(20);
send('A', 'A\n');
joinAll(readers);

const killed = spawn(reader, 'reader D', 'A');
sleep(20);
console.log('main: kills reader D');
killed.kill();
spawn(reader, 'reader E', 'A');
sleep(20);
send('A', 'for E\n');
sleep(20);

const t = Timeout.start(50);
try {
  ends.B.conn.recvLine();
} catch (err) {
  if (err !== t.error) throw err;
  console.log('main: Timeout while waiting on B');
} finally {
  t.cancel();
}
send('B', 'late\n');
console.log('main: then got', show(ends.B.conn.recvLine()));
for (const { client, conn } of Object.values(ends)) {
  client.close();
  conn.close();
}
listener.close();
