'use strict';
// Twin of event-asyncresult.py (see there).
const { AsyncResult, TimeoutError, spawn, sleep, joinAll } = require('../..');

const tf = (x) => (x ? 'true' : 'false');

function getter(r, name) {
  console.log(name, 'gets');
  try {
    console.log(name, 'got', r.get());
  } catch (err) {
    console.log(name, 'raised', err.message);
  }
}

function waiter(r, name) {
  console.log(name, 'waits');
  r.wait();
  console.log(name, 'woke, ready', tf(r.ready()));
}

function driver() {
  const r = new AsyncResult();
  console.log('ready', tf(r.ready()), 'successful', tf(r.successful()));
  try {
    r.getNowait();
  } catch (err) {
    if (err instanceof TimeoutError) console.log('get_nowait: not ready');
  }
  try {
    r.get(10);
  } catch (err) {
    if (err instanceof TimeoutError) console.log('get(timeout): timed out');
  }
  console.log('wait(timeout) on unset', tf(r.wait(10)));

  let gs = [spawn(getter, r, 'A'), spawn(waiter, r, 'B'), spawn(getter, r, 'C')];
  sleep(0);
  r.set(42);
  console.log('set 42; ready', tf(r.ready()), 'successful', tf(r.successful()), 'value', r.value);
  console.log('driver get', r.get());
  joinAll(gs);
  console.log('get_nowait', r.getNowait());

  const e = new AsyncResult();
  gs = [spawn(getter, e, 'D'), spawn(getter, e, 'E')];
  sleep(0);
  e.setException(new Error('boom'));
  console.log('set_exception; ready', tf(e.ready()), 'successful', tf(e.successful()), 'exception', e.exception.message);
  joinAll(gs);
  try {
    e.getNowait();
  } catch (err) {
    console.log('get_nowait raised', err.message);
  }

  const t = new AsyncResult();
  const timedGetter = (name, secs) => {
    try {
      console.log(name, 'got', t.get(secs * 1000));
    } catch (err) {
      if (!(err instanceof TimeoutError)) throw err;
      console.log(name, 'timed out');
    }
  };
  gs = [spawn(timedGetter, 'F', 0.01), spawn(timedGetter, 'G', 5)];
  sleep(100);
  t.set('late');
  joinAll(gs);
}

spawn(driver).join();
console.log('end');
