'use strict';
// Twin of lock-root.py (see there): the primitives used from the root.
const { Event, AsyncResult, Semaphore, RLock, LockNotOwnedError, spawn, sleep } = require('../..');

const tf = (x) => (x ? 'true' : 'false');
const sem = new Semaphore(1);
const ev = new Event();
const result = new AsyncResult();
const rlock = new RLock();

function holder() {
  sem.acquire();
  console.log('holder has the semaphore');
  sleep(20);
  console.log('holder releases');
  sem.release();
}

function setter() {
  sleep(10);
  console.log('setter sets the event');
  ev.set();
  sleep(10);
  console.log('setter sets the result');
  result.set('done');
}

spawn(holder);
sleep(0);
console.log('main: acquire(blocking=False)', tf(sem.acquire(0)));
console.log('main: blocks in acquire()');
console.log('main: acquired', tf(sem.acquire()));
sem.release();

spawn(setter);
console.log('main: waits for the event');
console.log('main: event', tf(ev.wait()));
console.log('main: waits for the result');
console.log('main: result', result.get());

console.log('main: rlock', tf(rlock.acquire()), tf(rlock.acquire()));

function taker() {
  console.log('taker: acquire(timeout)', tf(rlock.acquire(10)));
  try {
    rlock.release();
  } catch (err) {
    if (!(err instanceof LockNotOwnedError)) throw err;
    console.log('taker: release refused');
  }
  console.log('taker: blocks');
  rlock.acquire();
  console.log('taker: has the rlock');
  rlock.release();
}

const g = spawn(taker);
sleep(50);
rlock.release();
console.log('main: released once');
sleep(10);
rlock.release();
console.log('main: released twice');
g.join();
console.log('end');
