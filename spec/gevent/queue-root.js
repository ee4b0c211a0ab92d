'use strict';
// Twin of queue-root.py (see there).
const { Queue, spawn, sleep, joinAll } = require('../..');

const py = (x) => (x ? 'True' : 'False');
const q = new Queue(2);

function producer(name, items) {
  for (const it of items) {
    q.put(it);
    console.log(name, 'put', it, 'qsize', q.qsize());
  }
  console.log(name, 'done');
}

const gs = [spawn(producer, 'P1', [1, 2, 3]), spawn(producer, 'P2', [4, 5])];
sleep(0);
for (let i = 0; i < 4; i++) console.log('main got', q.get(), 'qsize', q.qsize());
console.log('main sleeps');
sleep(0);
console.log('main got', q.get(), 'qsize', q.qsize());
joinAll(gs);

function feeder() {
  for (const x of ['a', 'b', 'c', 'd']) {
    q.put(x);
    console.log('fed', x);
  }
  q.put(Queue.STOP);
  console.log('fed StopIteration');
}

console.log('-- iteration');
const f = spawn(feeder);
for (const x of q) console.log('iter', x, 'qsize', q.qsize());
f.join();
console.log('empty', py(q.empty()));
