'use strict';
// Twin of hub-order.py (see there).
const { Event, Semaphore, Queue, spawn, sleep, getHub } = require('../..');

// Lets everything the Hub has queued run out, with sleep(0)s rather than a
// timer: if the machine stalls past the Hub's switch interval, the event loop
// turns and a due timer can resume this fiber before the queued ones ran.
function settle() {
  for (let i = 0; i < 10; i++) sleep(0);
}

const hub = getHub();

function waiter(ev, name) {
  ev.wait();
  console.log(name, 'woke');
}

function say(name) {
  console.log(name, 'ran');
}

function sleeper(name) {
  console.log(name, 'sleeps');
  sleep(0);
  console.log(name, 'back from sleep(0)');
}

function getter(q, name) {
  console.log(name, 'got', q.get());
}

function acquirer(sem, name) {
  sem.acquire();
  console.log(name, 'acquired');
  sem.release();
}

function driver() {
  console.log('-- set, then spawn');
  let ev = new Event();
  spawn(waiter, ev, 'waiter');
  sleep(0);
  ev.set();
  spawn(say, 'spawned after set');
  settle();

  console.log('-- spawn, then set');
  ev = new Event();
  spawn(waiter, ev, 'waiter');
  sleep(0);
  spawn(say, 'spawned before set');
  ev.set();
  settle();

  console.log('-- two waiters, a callback and a spawn between them');
  ev = new Event();
  spawn(waiter, ev, 'w1');
  spawn(waiter, ev, 'w2');
  sleep(0);
  hub.schedule(() => say('callback before set'));
  ev.set();
  hub.schedule(() => say('callback after set'));
  spawn(say, 'spawned after set');
  settle();

  console.log('-- put, then spawn; spawn, then put');
  const q = new Queue();
  spawn(getter, q, 'g1');
  sleep(0);
  q.put('x');
  spawn(say, 'spawned after put');
  settle();
  spawn(getter, q, 'g2');
  sleep(0);
  spawn(say, 'spawned before put');
  q.put('y');
  settle();

  console.log('-- release, then spawn');
  const sem = new Semaphore(0);
  spawn(acquirer, sem, 'a1');
  spawn(acquirer, sem, 'a2');
  sleep(0);
  sem.release();
  spawn(say, 'spawned after release');
  settle();

  console.log('-- sleep(0) takes its turn among the rest');
  spawn(sleeper, 's1');
  spawn(sleeper, 's2');
  sleep(0);
  hub.schedule(() => say('callback after the sleeps'));
  spawn(say, 'spawned after the sleeps');
  settle();

  console.log('-- a greenlet that dies: its links, then what they queued');
  const g = spawn(say, 'dying');
  ev = new Event();
  spawn(waiter, ev, 'woken by a link');
  g.rawlink(() => {
    console.log('link 1');
    ev.set();
  });
  g.rawlink(() => console.log('link 2'));
  settle();
  console.log('end');
}

spawn(driver).join();
