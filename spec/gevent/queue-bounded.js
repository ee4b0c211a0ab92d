'use strict';
// Twin of queue-bounded.py (see there).
const { Queue, spawn, sleep, joinAll } = require('../..');

const tf = (x) => (x ? 'true' : 'false');
const q = new Queue(2);

function putter(name, items) {
  for (const it of items) {
    console.log(name, 'puts', it);
    q.put(it);
    console.log(name, 'put', it, 'qsize', q.qsize());
  }
  console.log(name, 'done');
}

function getter(name, n) {
  for (let i = 0; i < n; i++) {
    console.log(name, 'gets');
    const it = q.get();
    console.log(name, 'got', it, 'qsize', q.qsize());
  }
  console.log(name, 'done');
}

function relay(name) {
  const it = q.get();
  console.log(name, 'got', it, 'and puts', it + it, 'full', tf(q.full()));
  q.put(it + it);
  console.log(name, 'put', it + it, 'qsize', q.qsize());
}

console.log('-- putters park first');
let gs = [spawn(putter, 'P1', ['a', 'b', 'c']), spawn(putter, 'P2', ['d', 'e']), spawn(putter, 'P3', ['f'])];
sleep(0);
console.log('qsize', q.qsize(), 'full', tf(q.full()));
gs.push(spawn(getter, 'G1', 3), spawn(getter, 'G2', 2), spawn(getter, 'G3', 1));
joinAll(gs);
console.log('qsize', q.qsize());

console.log('-- getters park first');
gs = [spawn(getter, 'G1', 2), spawn(relay, 'R'), spawn(getter, 'G2', 2)];
sleep(0);
console.log('empty', tf(q.empty()));
gs.push(spawn(putter, 'P1', ['g', 'h', 'i']), spawn(putter, 'P2', ['j', 'k']));
joinAll(gs);
console.log('qsize', q.qsize(), 'left', q.get());
