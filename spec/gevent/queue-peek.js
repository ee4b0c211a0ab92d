'use strict';
// Twin of queue-peek.py (see there).
const { Queue, spawn, sleep, joinAll } = require('../..');

const tf = (x) => (x ? 'true' : 'false');
const q = new Queue(1);

function getter(name, n) {
  for (let i = 0; i < n; i++) {
    const it = q.get();
    console.log(name, 'got', it, 'qsize', q.qsize());
  }
  console.log(name, 'done');
}

function peeker(name) {
  let it = q.peek();
  console.log(name, 'peeked', it, 'qsize', q.qsize());
  it = q.peek();
  console.log(name, 'peeked again', it);
}

let gs = [spawn(peeker, 'K1'), spawn(getter, 'G1', 2), spawn(peeker, 'K2'), spawn(getter, 'G2', 2)];
sleep(0);
console.log('main puts x');
q.put('x');
console.log('main put x, full', tf(q.full()), 'peek', q.peekNowait());
q.put('v');
console.log('main put v, qsize', q.qsize());
q.put('w');
console.log('main put w, qsize', q.qsize());
q.put('u');
console.log('main put u, qsize', q.qsize());
joinAll(gs);
console.log('qsize', q.qsize());

console.log('-- a peeker behind a getter');
gs = [spawn(getter, 'G3', 1), spawn(peeker, 'K3'), spawn(getter, 'G4', 1)];
sleep(0);
q.put('y');
console.log('main put y');
sleep(0);
console.log('main slept, qsize', q.qsize());
q.put('z');
console.log('main put z');
joinAll(gs);
console.log('empty', tf(q.empty()));
