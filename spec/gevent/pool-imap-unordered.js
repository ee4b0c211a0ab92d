'use strict';
// Twin of pool-imap-unordered.py (see there).
const { Group, Pool, spawn, sleep, getHub } = require('../..');

// Lets everything the Hub has queued run out, with sleep(0)s rather than a
// timer: if the machine stalls past the Hub's switch interval, the event loop
// turns and a due timer can resume this fiber before the queued ones ran.
function settle() {
  for (let i = 0; i < 10; i++) sleep(0);
}

getHub().handleError = (context, err) => console.log('reported:', err.message);

const delays = [120, 20, 80, 40, 160];

function work(i) {
  console.log('work', i, 'starts');
  sleep(delays[i]);
  if (i === 3) throw new Error('item 3 failed');
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

function quick(i) {
  console.log('quick', i, 'runs');
  return i;
}

function driver() {
  console.log('-- Group');
  readAll(new Group().imapUnordered(work, [0, 1, 2, 3, 4]));
  console.log('-- Pool(2)');
  readAll(new Pool(2).imapUnordered(work, [0, 1, 2, 3, 4]));
  console.log('-- maxsize=2');
  const it = new Group().imapUnordered(quick, [0, 1, 2, 3, 4], { maxsize: 2 });
  settle();
  console.log('before reading');
  for (const value of it) {
    console.log('read:', value);
    settle();
  }
  console.log('-- empty');
  readAll(new Pool(1).imapUnordered(work, []));
}

spawn(driver).join();
console.log('end');
