'use strict';
// Twin of pool-spawn-full.py (see there).
const { Pool, PoolFull, Greenlet, FiberExit, spawn, sleep, joinAll } = require('../..');

const tf = (x) => (x ? 'true' : 'false');
const pool = new Pool(2);

function work(name, ms) {
  console.log(name, 'starts, free', pool.freeCount());
  sleep(ms);
  console.log(name, 'ends');
  return name;
}

function spawner(name, ms) {
  console.log(name, 'waits for a slot, full', tf(pool.full()));
  try {
    pool.spawn(work, name + '-work', ms);
  } catch (err) {
    if (!(err instanceof FiberExit)) throw err;
    console.log(name, 'killed while waiting');
    return;
  }
  console.log(name, 'got a slot, length', pool.length);
}

function driver() {
  pool.spawn(work, 'A', 540);
  pool.spawn(work, 'B', 180);
  console.log('spawned A and B: length', pool.length, 'free', pool.freeCount(), 'full', tf(pool.full()));
  const s1 = spawn(spawner, 'S1', 90);
  const s2 = spawn(spawner, 'S2', 90);
  const s3 = spawn(spawner, 'S3', 90);
  sleep(0);
  s2.kill();
  console.log('S2 killed: free', pool.freeCount());
  try {
    pool.add(new Greenlet(work, 'X', 0), { timeout: 0 });
  } catch (err) {
    if (!(err instanceof PoolFull)) throw err;
    console.log('add X without waiting: PoolFull');
  }
  try {
    pool.add(new Greenlet(work, 'Y', 0), { timeout: 45 });
  } catch (err) {
    if (!(err instanceof PoolFull)) throw err;
    console.log('add Y with a short wait: PoolFull');
  }
  console.log('driver spawns C');
  const c = pool.spawn(work, 'C', 90);
  console.log('driver spawned C: length', pool.length, 'free', pool.freeCount());
  joinAll([s1, s2, s3]);
  console.log('wait_available ->', pool.waitAvailable());
  pool.join();
  console.log('joined: length', pool.length, 'free', pool.freeCount(), 'C value', c.value);
}

spawn(driver).join();
console.log('end');
