'use strict';
// Twin of pool-map.py (see there).
const { Pool, spawn, sleep, getHub, getCurrent } = require('../..');

getHub().handleError = (context, err) => console.log('reported:', err.message);

const list = (a) => `[${a.join(', ')}]`;
const pool = new Pool(2);
const delays = { 1: 300, 2: 60, 3: 120, 4: 240, 5: 30 };

function square(x) {
  console.log('square', x, 'starts');
  sleep(delays[x]);
  console.log('square', x, 'ends');
  return x * x;
}

function picky(x) {
  sleep(delays[x]);
  if (x === 3) throw new Error('no 3');
  console.log('picky', x, 'ok');
  return x;
}

const small = new Pool(1);

function inner() {
  console.log('inner runs in a member of the Pool(1):', small.has(getCurrent()) ? 'True' : 'False');
  return 'inner result';
}

function driver() {
  console.log('map ->', list(pool.map(square, [1, 2, 3, 4, 5])));
  try {
    pool.map(picky, [1, 2, 3, 4, 5]);
  } catch (err) {
    console.log('map raised:', err.message);
  }
  pool.join();
  console.log('after join, length', pool.length);
  console.log('apply ->', pool.apply(square, [4]));
  console.log('apply from a member ->', small.apply(() => small.apply(inner)));
  console.log('map of nothing ->', list(pool.map(square, [])));
}

spawn(driver).join();
console.log('end');
