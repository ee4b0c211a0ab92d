'use strict';
// Twin of pool-root.py (see there).
const { Pool, FiberExit, sleep } = require('../..');

const tf = (x) => (x ? 'true' : 'false');
const pool = new Pool(2);

function work(name, ms) {
  try {
    sleep(ms);
  } catch (err) {
    if (err instanceof FiberExit) console.log(name, 'killed');
    throw err;
  }
  console.log(name, 'done');
  return name;
}

pool.spawn(work, 'a', 40);
pool.spawn(work, 'b', 200);
console.log('full', tf(pool.full()));
pool.spawn(work, 'c', 300);
console.log('c spawned after a finished');
console.log('wait_available(0.01) ->', pool.waitAvailable(10));
console.log('join(0.01) ->', tf(pool.join(10)));
console.log('join() ->', tf(pool.join()));
console.log('map ->', `[${pool.map((x) => x + 1, [1, 2, 3]).join(', ')}]`);
const names = [...pool.imapUnordered((ms) => work(`u${ms / 10}`, ms), [60, 20])];
console.log('imap_unordered ->', `[${names.map((n) => `'${n}'`).join(', ')}]`);
pool.spawn(work, 'forever', 10000);
sleep(0);
pool.kill();
console.log('after kill: length', pool.length, 'free', pool.freeCount());
