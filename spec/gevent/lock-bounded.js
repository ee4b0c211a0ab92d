'use strict';
// Twin of lock-bounded.py (see there).
const { BoundedSemaphore, OverReleaseError, spawn, sleep } = require('../..');

const tf = (x) => (x ? 'true' : 'false');
const b = new BoundedSemaphore(2);

function overRelease(label) {
  try {
    b.release();
    console.log(label, 'released, counter', b.counter);
  } catch (err) {
    if (!(err instanceof OverReleaseError)) throw err;
    console.log(label, 'raised:', err.message, '- counter', b.counter);
  }
}

function waiter(name) {
  console.log(name, 'waits');
  b.acquire();
  console.log(name, 'acquired, counter', b.counter);
}

function driver() {
  console.log('counter', b.counter, 'locked', tf(b.locked()));
  overRelease('release at the bound');
  b.acquire();
  b.acquire();
  console.log('both taken: counter', b.counter, 'locked', tf(b.locked()));
  const g = spawn(waiter, 'W');
  sleep(0);
  b.release();
  console.log('released one for W, before the notification: counter', b.counter);
  b.release();
  console.log('released the other: counter', b.counter);
  overRelease('third release before the notification');
  sleep(0);
  g.join();
  console.log('after W ran: counter', b.counter);
  spawn(overRelease, 'release by another greenlet').join();
  overRelease('one more');
  console.log('counter', b.counter, 'locked', tf(b.locked()));
}

spawn(driver).join();
console.log('end');
