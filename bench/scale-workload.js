'use strict';
// The scale workloads of bench/scale.ts, in plain JavaScript so they run unchanged
// under Node 20, 22 and 24 (each from a tree whose addon is built for that Node:
// scripts/build-on-node.sh). Run with --expose-gc.
//
//   node --expose-gc scale-workload.js park <count> [cap]
//       Parks <count> fibers at once (at most <cap> when given), each in Fiber.yield():
//       time to create them, RSS per parked fiber, then resumes each once to check
//       they are intact.
//   node --expose-gc scale-workload.js minorGc <parked> [reps]
//       Mean and median duration of gc({type:'minor'}) over <reps> calls (default 20) (a scavenge) with no fiber
//       parked, then with <parked> fibers parked in a three-deep JS call chain
//       (a calls b calls c, which yields); full GCs too.
//
// Prints one JSON line with the result (and the backend that ran, see
// bench/backend-info.js; choose it with FIBERNET_BACKEND=stacks|threads).
// Progress goes to stderr as "progress <parked>" lines, so the driver can tell
// how far a run got when it dies. FIBERNET_BENCH_STACK_KB=<n> gives every fiber
// a stackSize of <n> KiB (default: fibernet's default).
const { Fiber } = require('../dist/lib/index.js');
const backendInfo = require('./backend-info.js');

const test = process.argv[2];
const n = Number(process.argv[3] || 0);
const m = Number(process.argv[4] || 0);

const stackKB = Number(process.env.FIBERNET_BENCH_STACK_KB || 0);
// Fiber() takes exactly one argument unless options are given.
const makeFiber =
  stackKB > 0
    ? function (fn) {
        return Fiber(fn, { stackSize: stackKB * 1024 });
      }
    : function (fn) {
        return Fiber(fn);
      };

if (typeof global.gc !== 'function') throw new Error('run with --expose-gc');

function now() {
  return Number(process.hrtime.bigint()) / 1e3; // µs
}

function rss() {
  return process.memoryUsage.rss();
}

function mb(bytes) {
  return bytes / 1048576;
}

/** Memory mappings of this process (each guarded stack adds one; the kernel caps them). */
function mappings() {
  try {
    const maps = require('fs').readFileSync('/proc/self/maps', 'utf8');
    let lines = 0;
    for (let i = 0; i < maps.length; i++) if (maps.charCodeAt(i) === 10) lines++;
    return lines;
  } catch (err) {
    return null;
  }
}

function describe(err) {
  if (err && typeof err === 'object') return String(err.code ? err.code + ': ' + err.message : err.message).slice(0, 300);
  return String(err).slice(0, 300);
}

function progressEvery(total) {
  return Math.max(1000, Math.min(50000, Math.floor(total / 20)));
}

/** Parks up to `target` fibers running `entry`; stops at the first error. */
function parkMany(target, entry) {
  const keep = [];
  const step = progressEvery(target);
  let error = null;
  for (let i = 0; i < target; i++) {
    try {
      const f = makeFiber(entry);
      f.run();
      keep.push(f);
    } catch (err) {
      error = describe(err);
      break;
    }
    if (keep.length % step === 0) process.stderr.write('progress ' + keep.length + '\n');
  }
  if (error || keep.length % step !== 0) process.stderr.write('progress ' + keep.length + (error ? ' error ' + error : '') + '\n');
  return { keep: keep, error: error };
}

/** Resumes each parked fiber once (they then finish); counts those that returned `expect`. */
function resumeAll(keep, expect) {
  const t0 = now();
  let ok = 0;
  for (let i = 0; i < keep.length; i++) {
    try {
      if (keep[i].run() === expect) ok++;
    } catch (err) {
      // counted as not intact
    }
  }
  return { resumedOk: ok, usPerResumeToFinish: keep.length ? (now() - t0) / keep.length : 0 };
}

function park(count, cap) {
  const target = cap > 0 ? Math.min(count, cap) : count;
  // Load everything a fiber touches first, so the baseline holds it.
  for (let i = 0; i < 10; i++) makeFiber(function () { return 1; }).run();
  global.gc();
  global.gc();
  const rss0 = rss();
  const t0 = now();
  const parked = parkMany(target, function () {
    return Fiber.yield() === undefined ? 7 : 0;
  });
  const us = now() - t0;
  global.gc();
  const rss1 = rss();
  const heap = process.memoryUsage();
  const got = parked.keep.length;
  const result = {
    test: 'park',
    node: process.version,
    count: count,
    cap: cap > 0 ? cap : null,
    target: target,
    parked: got,
    error: parked.error,
    msTotal: us / 1e3,
    usPerFiber: got ? us / got : null,
    rssMbBefore: mb(rss0),
    rssMbAfter: mb(rss1),
    kbPerParkedFiber: got ? (rss1 - rss0) / 1024 / got : null,
    heapUsedMb: mb(heap.heapUsed),
    mappings: mappings(),
  };
  Object.assign(result, backendInfo());
  Object.assign(result, resumeAll(parked.keep, 7));
  return result;
}

function timeGc(options, reps) {
  const t = [];
  for (let i = 0; i < reps; i++) {
    const t0 = now();
    if (options) global.gc(options);
    else global.gc();
    t.push((now() - t0) / 1e3);
  }
  const sorted = t.slice().sort(function (x, y) {
    return x - y;
  });
  const mean = t.reduce(function (a, b) {
    return a + b;
  }, 0) / t.length;
  return { mean: mean, median: sorted[Math.floor(sorted.length / 2)] };
}

// The three-deep chain a parked fiber leaves on its stack; each frame holds an object.
function chainC(o) {
  const local = { up: o, depth: 3 };
  const v = Fiber.yield();
  return v === undefined ? local.depth + local.up.depth + local.up.up.depth : 0;
}
function chainB(o) {
  const local = { up: o, depth: 2 };
  return chainC(local) + local.depth - 2;
}
function chainA() {
  const local = { depth: 1 };
  return chainB(local) + local.depth - 1;
}

function minorGc(parkedCount, reps) {
  reps = reps > 0 ? reps : 20;
  const fullReps = 3;
  // Warm the library (and the chain's code) up, without leaving anything parked.
  for (let i = 0; i < 10; i++) {
    const f = makeFiber(chainA);
    f.run();
    f.run();
  }
  global.gc();
  global.gc();
  const minor0 = timeGc({ type: 'minor' }, reps);
  const full0 = timeGc(null, fullReps);
  const t0 = now();
  const parked = parkMany(parkedCount, chainA);
  const createMs = (now() - t0) / 1e3;
  // Promote what the new fibers allocated, so the scavenges below see steady state.
  global.gc();
  global.gc({ type: 'minor' });
  const minorN = timeGc({ type: 'minor' }, reps);
  const fullN = timeGc(null, fullReps);
  const got = parked.keep.length;
  const result = {
    test: 'minorGc',
    node: process.version,
    target: parkedCount,
    parked: got,
    error: parked.error,
    reps: reps,
    minorMs0: minor0.mean,
    minorMedianMs0: minor0.median,
    minorMsParked: minorN.mean,
    minorMedianMsParked: minorN.median,
    // From the medians: one slow scavenge (a page allocated, the machine busy) moves a mean.
    usPerParkedFiberPerScavenge: got ? ((minorN.median - minor0.median) * 1e3) / got : null,
    fullMs0: full0.mean,
    fullMsParked: fullN.mean,
    createMs: createMs,
  };
  Object.assign(result, backendInfo());
  Object.assign(result, resumeAll(parked.keep, 6));
  return result;
}

const tests = { park: park, minorGc: minorGc };
if (!tests[test]) throw new Error('unknown test ' + test + ' (one of ' + Object.keys(tests).join(', ') + ')');
const result = tests[test](n, m);
process.stdout.write(JSON.stringify(result) + '\n');
process.exit(0);
