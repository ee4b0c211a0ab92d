'use strict';
// Twin of lock-kill-timeout.py (see there).
const { Lock, Timeout, FiberExit, spawn, sleep, joinAll } = require('../..');

const tf = (x) => (x ? 'true' : 'false');
const lock = new Lock();

function use(name) {
  console.log(name, 'has the lock, counter', lock.counter);
  sleep(10);
  lock.release();
  console.log(name, 'released');
}

function waiter(name, timeout = null) {
  console.log(name, 'waits');
  let got;
  try {
    got = lock.acquire(timeout);
  } catch (err) {
    if (!(err instanceof FiberExit)) throw err;
    console.log(name, 'killed while waiting');
    return;
  }
  if (!got) {
    console.log(name, 'timed out');
    return;
  }
  use(name);
}

function underTimeout(name, ms) {
  console.log(name, 'waits under a Timeout');
  const t = Timeout.start(ms);
  try {
    lock.acquire();
  } catch (err) {
    if (err !== t.error) throw err;
    console.log(name, 'Timeout while waiting');
    return;
  } finally {
    t.cancel();
  }
  use(name);
}

function driver() {
  lock.acquire();
  const gs = [spawn(waiter, 'A'), spawn(waiter, 'B', 100), spawn(waiter, 'C'), spawn(underTimeout, 'D', 200), spawn(waiter, 'E'), spawn(waiter, 'F')];
  sleep(0);
  gs[0].kill();
  sleep(400);
  console.log('after kill and timeouts: locked', tf(lock.locked()));
  gs[4].kill();
  console.log('E killed too');
  lock.release();
  console.log('driver released');
  joinAll(gs);
  console.log('locked', tf(lock.locked()), 'counter', lock.counter);
  console.log('driver acquires again', tf(lock.acquire(0)));
  lock.release();
}

spawn(driver).join();
console.log('end');
