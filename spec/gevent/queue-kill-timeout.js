'use strict';
// Twin of queue-kill-timeout.py (see there).
const { Queue, QueueEmpty, QueueFull, Timeout, FiberExit, spawn, sleep, joinAll } = require('../..');

const tf = (x) => (x ? 'true' : 'false');
const q = new Queue(1);

function putter(name, item, timeout = null) {
  console.log(name, 'puts', item);
  try {
    q.put(item, timeout);
  } catch (err) {
    if (err instanceof QueueFull) {
      console.log(name, 'Full');
      return;
    }
    if (err instanceof FiberExit) console.log(name, 'killed while putting');
    throw err;
  }
  console.log(name, 'put', item);
}

function getter(name, timeout = null, peek = false) {
  console.log(name, peek ? 'peeks' : 'gets');
  let it;
  try {
    it = peek ? q.peek(timeout) : q.get(timeout);
  } catch (err) {
    if (err instanceof QueueEmpty) {
      console.log(name, 'Empty');
      return;
    }
    if (err instanceof FiberExit) console.log(name, 'killed while getting');
    throw err;
  }
  console.log(name, 'got', it);
}

function underTimeout(name, ms, fn, ...args) {
  console.log(name, 'waits under a Timeout');
  const t = Timeout.start(ms);
  try {
    fn(...args);
  } catch (err) {
    if (err !== t.error) throw err;
    console.log(name, 'Timeout');
    return;
  } finally {
    t.cancel();
  }
  console.log(name, 'finished');
}

console.log('-- putters on a full queue');
q.put('a');
let gs = [
  spawn(putter, 'P1', 'p1', 100),
  spawn(putter, 'P2', 'p2'),
  spawn(underTimeout, 'P3', 200, (x) => q.put(x), 'p3'),
  spawn(putter, 'P4', 'p4'),
  spawn(putter, 'P5', 'p5'),
];
sleep(0);
gs[1].kill();
sleep(400);
console.log('full', tf(q.full()), 'qsize', q.qsize());
gs[3].kill();
console.log('main got', q.get());
joinAll(gs);
console.log('main got', q.get(), 'empty', tf(q.empty()));
try {
  q.putNowait('b');
  q.putNowait('c');
} catch (err) {
  if (!(err instanceof QueueFull)) throw err;
  console.log('put_nowait on a full queue: Full; got', q.get());
}

console.log('-- getters on an empty queue');
gs = [
  spawn(getter, 'G1', 100),
  spawn(getter, 'G2'),
  spawn(underTimeout, 'G3', 200, () => q.get()),
  spawn(getter, 'K1', 150, true),
  spawn(getter, 'G4'),
  spawn(getter, 'K2', null, true),
  spawn(getter, 'G5'),
];
sleep(0);
gs[1].kill();
sleep(400);
gs[4].kill();
console.log('main puts x');
q.put('x');
sleep(0);
console.log('qsize', q.qsize());
q.put('y');
joinAll(gs);
console.log('qsize', q.qsize(), 'left', q.get());
for (const [what, fn] of [
  ['get_nowait', () => q.getNowait()],
  ['peek_nowait', () => q.peekNowait()],
]) {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof QueueEmpty)) throw err;
    console.log(`${what} on an empty queue: Empty`);
  }
}
try {
  q.get(10);
} catch (err) {
  if (!(err instanceof QueueEmpty)) throw err;
  console.log('main get timed out');
}
