'use strict';
// Twin of lock-semaphore.py (see there). In fibernet the thief woken by the
// kill runs between the notification and the waiter it woke (the Hub resumes
// woken fibers later); it still cannot take the permit, which is reserved.
const { Event, Semaphore, spawn, sleep, joinAll, FiberExit } = require('../..');

const tf = (x) => (x ? 'true' : 'false');
const sem = new Semaphore(0);
const go = new Event();
const thiefResults = [];

function worker(name) {
  console.log(name, 'waits, counter', sem.counter);
  sem.acquire();
  console.log(name, 'acquired, counter', sem.counter);
  go.wait();
  console.log(name, 'releases');
  sem.release();
}

function thiefAfterKill() {
  try {
    new Event().wait();
  } catch (err) {
    if (!(err instanceof FiberExit)) throw err;
    thiefResults.push(sem.acquire(0));
  }
}

function spawnedThief() {
  console.log('spawned thief tries', tf(sem.acquire(0)));
}

function driver() {
  console.log('Semaphore(0) locked', tf(sem.locked()), 'ready', tf(sem.ready()));
  console.log('acquire(timeout) on Semaphore(0):', tf(sem.acquire(10)));
  console.log('acquire(blocking=False):', tf(sem.acquire(0)));
  const gs = ['A', 'B', 'C', 'D'].map((n) => spawn(worker, n));
  sleep(0);

  console.log('-- two releases: the two longest waiters get them');
  sem.release();
  sem.release();
  console.log('counter before the notification', sem.counter);
  sleep(0);
  console.log('counter after', sem.counter);

  console.log('-- released, then taken before the notification ran');
  sem.release();
  console.log('driver takes it back:', tf(sem.acquire(0)), 'counter', sem.counter);
  sleep(0);
  console.log('C and D still wait:', tf(!gs[2].dead && !gs[3].dead), 'counter', sem.counter);

  console.log('-- released, the notification runs, then someone tries');
  const t = spawn(thiefAfterKill);
  sleep(0);
  sem.release();
  t.kill(undefined, { block: false });
  sleep(0);
  t.join();
  console.log('thief after the notification got it:', tf(thiefResults[0]), 'counter', sem.counter);

  console.log('-- released, then a greenlet spawned by the releaser tries');
  sem.release();
  spawn(spawnedThief);
  sleep(0);
  sleep(0);

  console.log('-- everybody releases in turn');
  go.set();
  joinAll(gs);
  console.log('counter', sem.counter, 'locked', tf(sem.locked()));
}

spawn(driver).join();
console.log('end');
