'use strict';
// Twin of event-order.py (see there).
const { Event, spawn, sleep, joinAll, wait, FiberExit } = require('../..');

const tf = (x) => (x ? 'true' : 'false');
const ev = new Event();

function waiter(name, again = false) {
  console.log(name, 'waits');
  let r = ev.wait();
  console.log(name, 'woke', tf(r), 'flag', tf(ev.isSet()));
  if (again) {
    r = ev.wait();
    console.log(name, 'woke again', tf(r));
  }
}

function timed(name, secs) {
  console.log(name, 'waits', secs);
  console.log(name, 'returned', tf(ev.wait(secs * 1000)));
}

function killed(name) {
  console.log(name, 'waits');
  try {
    ev.wait();
    console.log(name, 'woke');
  } catch (err) {
    if (!(err instanceof FiberExit)) throw err;
    console.log(name, 'killed while waiting');
  }
}

function driver() {
  console.log('-- FIFO, and latecomers wait behind the notification');
  let gs = [spawn(waiter, 'A', true), spawn(waiter, 'B'), spawn(waiter, 'C')];
  sleep(0);
  ev.set();
  console.log('set; links', gs.length);
  const r = ev.wait();
  console.log('driver woke', tf(r));
  joinAll(gs);

  console.log('-- set then clear before anyone ran');
  ev.clear();
  gs = [spawn(waiter, 'D'), spawn(waiter, 'E')];
  sleep(0);
  ev.set();
  ev.clear();
  console.log('flag after set+clear', tf(ev.isSet()));
  console.log('driver wait after set+clear', tf(ev.wait(1000)));
  joinAll(gs);

  console.log('-- timeouts and kills among waiters');
  gs = [spawn(timed, 'F', 0.01), spawn(waiter, 'G'), spawn(killed, 'H'), spawn(waiter, 'I')];
  sleep(100);
  console.log('F done', tf(gs[0].dead));
  gs[2].kill();
  console.log('H killed', tf(gs[2].dead));
  ev.set();
  joinAll(gs);
  console.log('wait(0) on a set event', tf(ev.wait(0)));
  ev.clear();
  console.log('wait(0) on a clear event', tf(ev.wait(0)));

  console.log('-- wait() on several events');
  const e1 = new Event();
  const e2 = new Event();
  spawn(() => {
    e2.set();
    sleep(50);
    e1.set();
  });
  let done = wait([e1, e2], { count: 1 });
  console.log('first ready', done[0] === e1 ? 'e1' : 'e2', done.length);
  done = wait([e1, e2]);
  console.log('all ready', done.length);
}

spawn(driver).join();
console.log('end');
