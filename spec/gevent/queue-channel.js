'use strict';
// Twin of queue-channel.py (see there).
const { Channel, QueueEmpty, QueueFull, spawn, sleep, joinAll } = require('../..');

const py = (x) => (x ? 'True' : 'False');
const ch = new Channel();

function getter(name, n) {
  for (let i = 0; i < n; i++) {
    console.log(name, 'gets');
    console.log(name, 'got', ch.get());
  }
  console.log(name, 'done');
}

function putter(name, items) {
  for (const it of items) {
    console.log(name, 'puts', it);
    ch.put(it);
    console.log(name, 'put', it, 'balance', ch.balance);
  }
  console.log(name, 'done');
}

console.log('-- getters wait first');
let gs = [spawn(getter, 'G1', 2), spawn(getter, 'G2', 1)];
sleep(0);
console.log('balance', ch.balance);
gs.push(spawn(putter, 'P1', ['a', 'b']), spawn(putter, 'P2', ['c']));
joinAll(gs);

console.log('-- putters wait first');
gs = [spawn(putter, 'P1', ['d', 'e']), spawn(putter, 'P2', ['f'])];
sleep(0);
console.log('balance', ch.balance);
console.log('main got', ch.get());
console.log('main got', ch.get());
console.log('main got', ch.get());
joinAll(gs);

console.log('-- main puts');
const g = spawn(getter, 'G3', 2);
sleep(0);
ch.put('g');
console.log('main put g');
ch.put('h');
console.log('main put h');
g.join();

console.log('-- nobody on the other side');
try {
  ch.putNowait('x');
} catch (err) {
  if (!(err instanceof QueueFull)) throw err;
  console.log('put_nowait: Full');
}
try {
  ch.getNowait();
} catch (err) {
  if (!(err instanceof QueueEmpty)) throw err;
  console.log('get_nowait: Empty');
}
try {
  ch.get(20);
} catch (err) {
  if (!(err instanceof QueueEmpty)) throw err;
  console.log('get timed out');
}
try {
  ch.put('y', 20);
} catch (err) {
  if (!(err instanceof QueueFull)) throw err;
  console.log('put timed out');
}
console.log('balance', ch.balance, 'qsize', ch.qsize(), 'empty', py(ch.empty()), 'full', py(ch.full()));

function feed() {
  for (const x of ['i1', 'i2']) {
    ch.put(x);
    console.log('fed', x);
  }
  ch.put(Channel.STOP);
  console.log('fed stop');
}

console.log('-- iteration');
const f = spawn(feed);
for (const x of ch) console.log('iter', x);
f.join();
console.log('end balance', ch.balance);
