'use strict';
// Twin of queue-sequence.py (see there).
const { JoinableQueue, Queue, spawn, sleep, joinAll } = require('../..');

const py = (x) => (x ? 'True' : 'False');
const jobs = new JoinableQueue();
const results = new Queue();
const other = new Queue(1);

function joiner(name) {
  console.log(name, 'joins');
  jobs.join();
  console.log(name, 'joined; results qsize', results.qsize(), 'other full', py(other.full()));
  results.put(`${name}-note`);
  console.log(name, 'put a note; results qsize', results.qsize());
}

function reader(name, n) {
  for (let i = 0; i < n; i++) console.log(name, 'reads', results.get());
}

function worker() {
  const job = jobs.get();
  console.log('W works on', job);
  jobs.taskDone();
  results.put(`${job}-result`);
  other.put('o1');
  console.log('W queued a result; results qsize', results.qsize());
  other.put('o2');
  console.log('W put o2');
}

function otherGetter() {
  console.log('O got', other.get());
}

jobs.put('job');
const gs = [spawn(joiner, 'J1'), spawn(joiner, 'J2'), spawn(reader, 'R1', 2), spawn(reader, 'R2', 1), spawn(otherGetter)];
sleep(0);
gs.push(spawn(worker));
joinAll(gs);
console.log('results qsize', results.qsize(), 'other qsize', other.qsize());
