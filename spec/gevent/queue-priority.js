'use strict';
// Twin of queue-priority.py (see there).
const { PriorityQueue, LifoQueue, IncomparableError, spawn, sleep, joinAll } = require('../..');

const py = (x) => (x ? 'True' : 'False');
// Python's repr of the tuples and strings used here.
const repr = (v) =>
  Array.isArray(v) ? `(${v.map(repr).join(', ')}${v.length === 1 ? ',' : ''})` : typeof v === 'string' ? `'${v}'` : v === null ? 'None' : String(v);
// Python's ascii() of a string.
const ascii = (s) =>
  `'${Array.from(s)
    .map((ch) => {
      const cp = ch.codePointAt(0);
      if (cp < 0x80) return ch;
      if (cp <= 0xff) return `\\x${cp.toString(16).padStart(2, '0')}`;
      if (cp <= 0xffff) return `\\u${cp.toString(16).padStart(4, '0')}`;
      return `\\U${cp.toString(16).padStart(8, '0')}`;
    })
    .join('')}'`;
const drain = (q) => Array.from({ length: q.qsize() }, () => q.get());

let pq = new PriorityQueue();
for (const item of [[3, 'c'], [1, 'b'], [2, 'x', 1], [1, 'a'], [2, 'x'], [0, 'z', 'late'], [2, 'w', 5]]) pq.put(item);
console.log('peek', repr(pq.peek()));
console.log(drain(pq).map(repr).join(' '));

pq = new PriorityQueue();
for (const word of ['b', 'B', 'ab', 'a', '\u00e9', 'zz', '\u{1f600}', '\uffff', '']) pq.put(word);
console.log(drain(pq).map(ascii).join(' '));

const jobs = new PriorityQueue(null, { compare: (a, b) => a.p - b.p });
[2, 1, 2, 1, 2, 1, 0, 2].forEach((p, i) => jobs.put({ p, name: `j${i}` }));
console.log(drain(jobs).map((j) => `${j.name}:${j.p}`).join(' '));

for (const bad of ['x', [1, 2], null]) {
  pq = new PriorityQueue();
  pq.put([1, 'one']);
  pq.put([2, 'two']);
  try {
    pq.put(bad);
  } catch (err) {
    if (!(err instanceof IncomparableError)) throw err;
    console.log('put', repr(bad), 'TypeError');
  }
}

function getter(q, name) {
  console.log(name, 'got', q.get());
}

for (const q of [new PriorityQueue(), new LifoQueue()]) {
  console.log('--', q.constructor.name);
  const gs = [0, 1, 2].map((i) => spawn(getter, q, `G${i}`));
  sleep(0);
  for (const item of [5, 3, 9, 4]) q.put(item);
  console.log('put 5 3 9 4');
  joinAll(gs);
  console.log('left', q.get());
}

const lq = new LifoQueue(3);
for (const x of 'abc') lq.put(x);
console.log('lifo full', py(lq.full()), 'peek', lq.peek(), 'order', lq.get(), lq.get(), lq.get());
