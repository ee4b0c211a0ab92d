'use strict';
// Twin of pool-join-kill.py (see there).
const { Group, FiberExit, spawn, sleep, getHub } = require('../..');

getHub().handleError = (context, err) => console.log('reported:', err.message);

const tf = (x) => (x ? 'true' : 'false');
const list = (a) => `[${a.map((x) => `'${x}'`).join(', ')}]`;
const group = new Group();
let killed = [];

function sleeper(name, ms) {
  try {
    sleep(ms);
  } catch (err) {
    if (err instanceof FiberExit) killed.push(name);
    throw err;
  }
  console.log(name, 'woke up');
  return name;
}

function stubborn() {
  try {
    sleep(10000);
  } catch (err) {
    if (!(err instanceof FiberExit)) throw err;
    console.log('stubborn ignores the kill');
  }
  sleep(200);
  console.log('stubborn ends');
}

function fails() {
  sleep(20);
  throw new Error('member failed');
}

function watch(g, name) {
  g.join();
  console.log(name, 'saw its greenlet finish');
}

function driver() {
  const a = group.spawn(sleeper, 'a', 40);
  const b = group.spawn(sleeper, 'b', 80);
  console.log('length', group.length, 'has a', tf(group.has(a)), 'full', tf(group.full()));
  spawn(watch, b, 'watcher of b');
  console.log('join(0.02) ->', tf(group.join(20)));
  console.log('join() ->', tf(group.join()), 'length', group.length, 'has a', tf(group.has(a)));
  console.log('join() on empty ->', tf(group.join()));

  group.spawn(fails);
  group.spawn(sleeper, 'c', 60);
  try {
    group.join(null, { raiseError: true });
  } catch (err) {
    console.log('join raise_error ->', err.message);
  }
  console.log('length after', group.length);

  const gs = ['d', 'e', 'f'].map((n) => group.spawn(sleeper, n, 10000));
  sleep(0);
  group.kill();
  console.log('kill() -> length', group.length, 'killed', list([...killed].sort()));
  console.log('values are GreenletExit:', gs.every((g) => g.value instanceof FiberExit) ? 'True' : 'False');

  killed = [];
  const s = group.spawn(stubborn);
  group.spawn(sleeper, 'g', 10000);
  sleep(0);
  group.kill(undefined, { timeout: 50 });
  console.log('kill(timeout) -> length', group.length, 'stubborn in group', tf(group.has(s)), 'killed', list(killed));
  group.join();
  console.log('after stubborn: length', group.length);

  const h = group.spawn(sleeper, 'h', 10000);
  const i = group.spawn(sleeper, 'i', 300);
  sleep(0);
  group.killOne(h);
  console.log('killone(h) -> length', group.length, 'h dead', tf(h.dead));
  group.discard(i);
  console.log('discard(i) -> length', group.length, 'has i', tf(group.has(i)));
  i.join();
  console.log('i finished outside the group, length', group.length);

  const done = spawn(() => 'x');
  done.join();
  group.add(done);
  console.log('added a finished greenlet: length', group.length);
  sleep(0);
  console.log('after a turn: length', group.length);
}

spawn(driver).join();
console.log('end');
