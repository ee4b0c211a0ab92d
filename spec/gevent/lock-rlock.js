'use strict';
// Twin of lock-rlock.py (see there).
const { Event, RLock, LockNotOwnedError, spawn, sleep } = require('../..');

const tf = (x) => (x ? 'true' : 'false');
const lock = new RLock();
const handed = new Event();

function tryRelease(label) {
  try {
    lock.release();
    console.log(label, 'released');
  } catch (err) {
    if (!(err instanceof LockNotOwnedError)) throw err;
    console.log(label, 'refused: cannot release un-acquired lock');
  }
}

function other() {
  console.log('other: acquire(timeout)', tf(lock.acquire(10)));
  console.log('other: acquire(blocking=False)', tf(lock.acquire(0)));
  tryRelease('other: release');
  console.log('other: blocks in acquire()');
  lock.acquire();
  console.log('other: acquired');
  console.log('other: again', tf(lock.acquire()));
  handed.set();
  sleep(20);
  lock.release();
  console.log('other: released once, locked', tf(lock.locked()));
  lock.release();
  console.log('other: released twice, locked', tf(lock.locked()));
}

function driver() {
  tryRelease('driver: release before anyone held it');
  for (let i = 0; i < 3; i++) console.log('driver: acquire', i + 1, tf(lock.acquire()));
  console.log('locked', tf(lock.locked()));
  const g = spawn(other);
  sleep(50);
  lock.release();
  lock.release();
  console.log('driver: released twice, still locked', tf(lock.locked()));
  sleep(0);
  console.log('driver: last release');
  lock.release();
  handed.wait();
  console.log('driver: acquire(blocking=False) while other holds it', tf(lock.acquire(0)));
  tryRelease('driver: release');
  g.join();
  console.log('locked', tf(lock.locked()));
  tryRelease('driver: release after all');
}

spawn(driver).join();
console.log('end');
