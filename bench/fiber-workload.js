'use strict';
// The fiber micro-benchmarks, in plain JavaScript that Node 14 also runs, so
// the old `fibers` package and fibernet execute the very same loops.
// Usage: node fiber-workload.js <fibernet|fibers> <test> [n]
//   tests: roundTrip <iterations>, createRunFinish <count>, roundRobin <resumes>,
//          parkedRss <count>, maxParked <cap>
// Prints one JSON line with the result; fibernet's carries the backend that ran
// (bench/backend-info.js; choose it with FIBERNET_BACKEND=stacks|threads).
const which = process.argv[2];
const test = process.argv[3];
const n = Number(process.argv[4] || 0);
const Fiber = which === 'fibers' ? require('fibers') : require('../dist/lib/compat/fibers.js');

function now() {
  return Number(process.hrtime.bigint()) / 1e3; // µs
}

function roundTrip(iterations) {
  const f = Fiber(function () {
    for (;;) Fiber.yield();
  });
  f.run();
  for (let i = 0; i < 10000; i++) f.run();
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const t0 = now();
    for (let i = 0; i < iterations; i++) f.run();
    best = Math.min(best, (now() - t0) / iterations);
  }
  return { usPerRoundTrip: best };
}

function createRunFinish(count) {
  const body = function () {
    return 1;
  };
  for (let i = 0; i < 10000; i++) Fiber(body).run();
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const t0 = now();
    for (let i = 0; i < count; i++) Fiber(body).run();
    best = Math.min(best, (now() - t0) / count);
  }
  return { usPerFiber: best };
}

// 100 fibers parked in Fiber.yield(), resumed in turn: µs per resume (one
// switch in and one out, each into a different, recently parked fiber).
function roundRobin(resumes) {
  const fibers = [];
  const body = function () {
    for (;;) Fiber.yield();
  };
  for (let i = 0; i < 100; i++) {
    const f = Fiber(body);
    f.run();
    fibers.push(f);
  }
  const rounds = Math.max(1, Math.ceil(resumes / 100));
  for (let r = 0; r < 100; r++) for (let i = 0; i < 100; i++) fibers[i].run();
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const t0 = now();
    for (let r = 0; r < rounds; r++) for (let i = 0; i < 100; i++) fibers[i].run();
    best = Math.min(best, (now() - t0) / (rounds * 100));
  }
  return { usPerResume: best, fibers: fibers.length, resumes: rounds * 100 };
}

function parkedRss(count) {
  if (global.gc) global.gc();
  const before = process.memoryUsage().rss;
  const keep = [];
  for (let i = 0; i < count; i++) {
    const f = Fiber(function () {
      Fiber.yield();
    });
    f.run();
    keep.push(f);
  }
  if (global.gc) global.gc();
  const after = process.memoryUsage().rss;
  return { kbPerParkedFiber: (after - before) / 1024 / count, parked: keep.length };
}

function maxParked(cap) {
  const keep = [];
  let error = null;
  for (let i = 0; i < cap; i++) {
    const f = Fiber(function () {
      Fiber.yield();
    });
    try {
      f.run();
    } catch (err) {
      error = (err && (err.code || err.message)) || String(err);
      break;
    }
    keep.push(f);
  }
  return { parked: keep.length, cap: cap, error: error };
}

const tests = {
  roundTrip: roundTrip,
  createRunFinish: createRunFinish,
  roundRobin: roundRobin,
  parkedRss: parkedRss,
  maxParked: maxParked,
};
if (!tests[test]) throw new Error('unknown test ' + test + ' (one of ' + Object.keys(tests).join(', ') + ')');
const result = tests[test](n);
result.node = process.version;
if (which !== 'fibers') Object.assign(result, require('./backend-info.js')());
process.stdout.write(JSON.stringify(result) + '\n');
// The old package cannot exit with parked fibers on every Node; neither
// needs to wait for them here.
process.exit(0);
