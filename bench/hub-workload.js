'use strict';
// The Hub benchmarks as plain JavaScript that Node 14 also runs, so fibernet
// and the old `fibers@5.0.3` package (with the smallest hand-written "hub"
// the old package needs: setImmediate + fiber.run()) do the same work.
// Usage: node hub-workload.js <fibernet|fibers> <test> [n] [m]
// Prints one JSON line with the result (fibernet's carries the backend that ran,
// see bench/backend-info.js; choose it with FIBERNET_BACKEND=stacks|threads).
// fibernet runs at the script's top level: the root blocks and the Hub runs the
// event loop.
const which = process.argv[2];
const test = process.argv[3];
const n = Number(process.argv[4] || 0);
const m = Number(process.argv[5] || 0);

function now() {
  return Number(process.hrtime.bigint()) / 1e3; // µs
}

function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function printResult(result) {
  result.node = process.version;
  if (which === 'fibernet') Object.assign(result, require('./backend-info.js')());
  console.log(JSON.stringify(result));
}

if (which === 'fibernet') {
  const { spawn, sleep, joinAll, Waiter } = require('../dist/lib/index.js');
  const tests = {
    // Waiter.switch() in an event-loop callback -> the parked greenlet runs.
    wakeLatency(count) {
      const g = spawn(() => {
        const lat = [];
        for (let i = 0; i < count; i++) {
          const w = new Waiter();
          let t0 = 0;
          setImmediate(() => {
            t0 = now();
            w.switch();
          });
          w.get();
          lat.push(now() - t0);
        }
        return { usMedian: median(lat.slice(100)) };
      });
      return g.get();
    },
    // spawn(noop) then join() it, one after another, from a greenlet.
    spawnJoin(count) {
      const g = spawn(() => {
        const noop = () => {};
        for (let i = 0; i < 1000; i++) spawn(noop).join();
        const t0 = now();
        for (let i = 0; i < count; i++) spawn(noop).join();
        return { usPerGreenlet: (now() - t0) / count };
      });
      return g.get();
    },
    // spawn `count` greenlets, then joinAll() them.
    spawnJoinAll(count) {
      const noop = () => {};
      const t0 = now();
      const gs = [];
      for (let i = 0; i < count; i++) gs.push(spawn(noop));
      joinAll(gs);
      return { usPerGreenlet: (now() - t0) / count };
    },
    // `count` greenlets each doing `rounds` sleep(0).
    sleep0(count, rounds) {
      const t0 = now();
      const gs = [];
      const body = () => {
        for (let j = 0; j < rounds; j++) sleep(0);
      };
      for (let i = 0; i < count; i++) gs.push(spawn(body));
      joinAll(gs);
      const us = now() - t0;
      return { msTotal: us / 1e3, usPerSleep: us / (count * rounds) };
    },
  };
  if (!tests[test]) throw new Error('unknown test ' + test);
  printResult(tests[test](n, m));
} else {
  const Fiber = require('fibers');
  const tests = {
    wakeLatency(count, _m, done) {
      Fiber(() => {
        const f = Fiber.current;
        const lat = [];
        for (let i = 0; i < count; i++) {
          let t0 = 0;
          setImmediate(() => {
            t0 = now();
            f.run();
          });
          Fiber.yield();
          lat.push(now() - t0);
        }
        done({ usMedian: median(lat.slice(100)) });
      }).run();
    },
    spawnJoin(count, _m, done) {
      // spawn = start on the next turn; join = park until it finished.
      Fiber(() => {
        const me = Fiber.current;
        const noop = () => {};
        const one = () => {
          const child = Fiber(noop);
          setImmediate(() => {
            child.run();
            setImmediate(() => me.run());
          });
          Fiber.yield();
        };
        for (let i = 0; i < 1000; i++) one();
        const t0 = now();
        for (let i = 0; i < count; i++) one();
        done({ usPerGreenlet: (now() - t0) / count });
      }).run();
    },
    spawnJoinAll(count, _m, done) {
      const t0 = now();
      let left = count;
      const noop = () => {};
      for (let i = 0; i < count; i++) {
        const f = Fiber(noop);
        setImmediate(() => {
          f.run();
          if (--left === 0) done({ usPerGreenlet: (now() - t0) / count });
        });
      }
    },
    sleep0(count, rounds, done) {
      const t0 = now();
      let left = count;
      const sleep0 = () => {
        const f = Fiber.current;
        setImmediate(() => f.run());
        Fiber.yield();
      };
      for (let i = 0; i < count; i++) {
        const f = Fiber(() => {
          for (let j = 0; j < rounds; j++) sleep0();
          if (--left === 0) {
            const us = now() - t0;
            done({ msTotal: us / 1e3, usPerSleep: us / (count * rounds) });
          }
        });
        setImmediate(() => f.run());
      }
    },
  };
  tests[test](n, m, printResult);
}
