'use strict';
// Twin of pool-imap.py (see there).
const { Group, Pool, spawn, sleep, getHub } = require('../..');

// Lets everything the Hub has queued run out, with sleep(0)s rather than a
// timer: if the machine stalls past the Hub's switch interval, the event loop
// turns and a due timer can resume this fiber before the queued ones ran.
function settle() {
  for (let i = 0; i < 10; i++) sleep(0);
}

getHub().handleError = (context, err) => console.log('reported:', err.message);

const pool = new Pool(2);
const delays = [100, 20, 40, 80, 10];

class ItemsError extends Error {}

function work(i) {
  console.log('work', i, 'starts');
  sleep(delays[i]);
  if (i === 2) throw new Error('item 2 failed');
  console.log('work', i, 'ends');
  return `r${i}`;
}

function readAll(it) {
  for (;;) {
    let r;
    try {
      r = it.next();
    } catch (err) {
      console.log('read: error', err.message);
      continue;
    }
    if (r.done) {
      console.log('read: done');
      return;
    }
    console.log('read:', r.value);
  }
}

function* itemsThenError() {
  yield 0;
  yield 1;
  throw new ItemsError('items broke');
}

function quick(i) {
  console.log('quick', i, 'runs');
  return i;
}

function driver() {
  readAll(pool.imap(work, [0, 1, 2, 3, 4]));
  try {
    for (const value of pool.imap(quick, itemsThenError())) console.log('read:', value);
  } catch (err) {
    if (!(err instanceof ItemsError)) throw err;
    console.log('read: items error', err.message);
  }
  const group = new Group();
  const it = group.imap(quick, [0, 1, 2, 3], { maxsize: 1 });
  settle();
  console.log('maxsize=1 before reading');
  for (const value of it) {
    console.log('read:', value);
    settle();
  }
}

spawn(driver).join();
console.log('end');
