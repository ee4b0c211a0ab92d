'use strict';
// Stress for either backend: the collector and the deoptimizer with many
// fibers parked, nesting, exceptions, stack overflow, yielding out of
// callbacks V8 itself calls, workers, exit with thousands parked, and the
// runner (stack or thread) pool under churn and bursts. Everything here runs
// in this process on whichever backend it loaded (CI runs the suite on both),
// except what needs a process of its own.
const { expect } = require('chai');
const fs = require('fs');
const path = require('path');
const v8 = require('v8');
const { Fiber, fiberStats } = require('../..');
const { runNode } = require('../helpers');

const fixture = (name) => path.join(__dirname, '..', 'fixtures', name);
const tick = () => new Promise((resolve) => setImmediate(resolve));
const KiB = 1024;

function makeGarbage(n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push({ i, s: `g${i}`, a: [i, i + 1] });
  return out.length;
}

/** Memory mappings of this process (stacks and threads each take one or two). */
function mappings() {
  return fs.readFileSync('/proc/self/maps', 'utf8').split('\n').length;
}

describe('Fiber stress', () => {
  describe('the collector with many fibers parked', () => {
    it('keeps objects held only by 2,000 parked stacks alive through full and minor GCs, from main and from fibers', async function () {
      this.timeout(60000);
      const N = 2000;
      const refs = new Array(N);
      const live0 = fiberStats().live;
      const fibers = [];
      for (let k = 0; k < N; k++) {
        const f = Fiber(() => {
          // `mine` and `young` live only in this frame, never in a closure or on the heap elsewhere.
          const mine = { k, tag: `only-on-stack-${k}`, list: Array.from({ length: 20 }, (_, i) => k * 100 + i) };
          const young = [k, `y${k}`];
          refs[k] = new WeakRef(mine);
          let cmd = Fiber.yield('parked');
          let rounds = 0;
          while (cmd !== 'end') {
            if (mine.k !== k || mine.tag !== `only-on-stack-${k}` || mine.list[19] !== k * 100 + 19 || young[1] !== `y${k}`) {
              throw new Error(`fiber ${k}: its objects changed while parked`);
            }
            if (cmd === 'full') global.gc();
            else if (cmd === 'minor') global.gc({ type: 'minor' });
            makeGarbage(50);
            rounds++;
            cmd = Fiber.yield(rounds);
          }
          return `${mine.tag}|${mine.list.reduce((a, b) => a + b, 0)}|${young.join('')}|${rounds}`;
        });
        expect(f.run()).to.equal('parked');
        fibers.push(f);
      }
      expect(fiberStats().live).to.equal(live0 + N);
      // A control: an object nothing holds must go at the same collections.
      let control = new WeakRef({ control: true });
      // WeakRef targets are kept until the current job ends: let it end.
      await tick();
      for (let i = 0; i < 3; i++) {
        global.gc();
        global.gc({ type: 'minor' });
        makeGarbage(20000);
      }
      expect(control.deref()).to.equal(undefined);
      expect(refs.filter((r) => r.deref() === undefined).length, 'objects collected while parked').to.equal(0);

      // Collections from inside fibers, full and minor, while the others stay parked.
      for (let round = 1; round <= 3; round++) {
        for (let k = 0; k < N; k++) {
          const cmd = k % 250 === round ? 'full' : k % 100 === round ? 'minor' : 'go';
          expect(fibers[k].run(cmd)).to.equal(round);
        }
        global.gc({ type: 'minor' });
      }
      control = new WeakRef({ control: true });
      await tick();
      global.gc();
      expect(control.deref()).to.equal(undefined);
      expect(refs.filter((r) => r.deref() === undefined).length, 'objects collected while parked').to.equal(0);

      for (let k = 0; k < N; k++) {
        const sum = 20 * k * 100 + 190;
        expect(fibers[k].run('end')).to.equal(`only-on-stack-${k}|${sum}|${k}y${k}|3`);
      }
      expect(fiberStats().live).to.equal(live0);
      // Finished, the fibers no longer hold them (a pooled runner may keep a stale one at most).
      await tick();
      global.gc();
      const kept = refs.filter((r) => r.deref() !== undefined).length;
      expect(kept).to.be.at.most(Fiber.poolSize);
    });

    it('deoptimizes optimized code that fibers are parked in', () => {
      v8.setFlagsFromString('--allow-natives-syntax');
      // Compiled after the flag is set, so it may use V8's natives syntax.
      // eslint-disable-next-line no-new-func
      const natives = new Function(
        'f',
        `return {
          prepare() { %PrepareFunctionForOptimization(f); },
          // Lets a tier-up V8 started by itself finish first, or it would win.
          optimize() { %FinalizeOptimization(); %OptimizeFunctionOnNextCall(f); },
          status() { return %GetOptimizationStatus(f); },
        };`,
      );
      const kOptimized = 1 << 4;
      const proto = {
        m() {
          return 1;
        },
      };
      const objs = Array.from({ length: 100 }, () => Object.create(proto));
      function hot(arr, at) {
        let s = 0;
        for (let i = 0; i < arr.length; i++) {
          s += arr[i].m();
          if (i === at) Fiber.yield('parked');
        }
        return s;
      }
      const v8hot = natives(hot);
      v8hot.prepare();
      // Feedback for both paths (the yield included), on fibers.
      for (let i = 0; i < 20; i++) {
        const f = Fiber(() => hot(objs, i));
        f.run();
        expect(f.run()).to.equal(100);
      }
      v8hot.optimize();
      const parked = [];
      for (let j = 0; j < 10; j++) {
        const at = j * 10 + 5;
        const f = Fiber(() => hot(objs, at));
        expect(f.run()).to.equal('parked');
        parked.push({ f, at });
      }
      expect(v8hot.status() & kOptimized, 'hot() was optimized when the fibers parked in it').to.not.equal(0);
      // Invalidates what the optimized code assumed about m().
      proto.m = function m() {
        return 2;
      };
      global.gc();
      expect(v8hot.status() & kOptimized, 'hot() was deoptimized while the fibers were parked in it').to.equal(0);
      for (const { f, at } of parked) {
        expect(f.run()).to.equal((at + 1) * 1 + (100 - at - 1) * 2);
      }
      expect(hot(objs, -1)).to.equal(200);
    });
  });

  describe('nesting', () => {
    it('runs fibers three deep, and a fiber started by one resumer is resumed by another', () => {
      const trace = [];
      const C = Fiber((v) => {
        trace.push(`C${v}`);
        v = Fiber.yield('c1');
        trace.push(`C${v}`);
        global.gc();
        v = Fiber.yield('c2');
        trace.push(`C${v}`);
        return 'cdone';
      });
      const B = Fiber((v) => {
        trace.push(`B${v}`);
        trace.push(`B<${C.run(1)}`);
        const w = Fiber.yield('b1');
        trace.push(`B${w}`);
        trace.push(`B<${C.run(3)}`);
        return 'bdone';
      });
      const A = Fiber((v) => {
        trace.push(`A${v}`);
        trace.push(`A<${B.run(1)}`);
        const w = Fiber.yield('a1');
        trace.push(`A${w}`);
        trace.push(`A<${B.run(2)}`);
        return 'adone';
      });
      expect(A.run(0)).to.equal('a1');
      // C was started by B (parked inside A); main resumes it now.
      expect(C.run(2)).to.equal('c2');
      trace.push('main');
      expect(A.run(9)).to.equal('adone');
      expect(trace).to.deep.equal(['A0', 'B1', 'C1', 'B<c1', 'A<b1', 'C2', 'main', 'A9', 'B2', 'C3', 'B<cdone', 'A<bdone']);

      // Started by main, resumed by a fiber, then by main again.
      const X = Fiber(() => {
        let n = 0;
        for (;;) n += Fiber.yield(n);
      });
      X.run();
      const Y = Fiber(() => {
        let s = 0;
        for (let i = 0; i < 5; i++) s = X.run(1);
        return s;
      });
      expect(Y.run()).to.equal(5);
      expect(X.run(10)).to.equal(15);

      // Ping-pong three deep, with collections at the bottom.
      let bottom = 0;
      const L3 = Fiber(() => {
        for (;;) {
          bottom++;
          if (bottom % 2500 === 0) global.gc({ type: bottom % 5000 === 0 ? 'major' : 'minor' });
          Fiber.yield(bottom);
        }
      });
      const L2 = Fiber(() => {
        for (;;) Fiber.yield(L3.run() * 2);
      });
      const L1 = Fiber(() => {
        for (;;) Fiber.yield(L2.run() + 1);
      });
      let last;
      for (let i = 0; i < 10000; i++) last = L1.run();
      expect(bottom).to.equal(10000);
      expect(last).to.equal(20001);
      // Unwound here rather than by the collector during some later test.
      for (const f of [X, L1, L2, L3]) f.reset();
      expect([X, L1, L2, L3].map((f) => f.started)).to.deep.equal([false, false, false, false]);
    });
  });

  describe('exceptions', () => {
    // Every kind of value a fiber can throw, as [label, value].
    const throwables = [
      ['an Error', new Error('plain')],
      ['a TypeError', new TypeError('typed')],
      ['a number', 42],
      ['a string', 'thrown string'],
      ['an object', { odd: true }],
      ['null', null],
      ['undefined', undefined],
      ['a symbol', Symbol('thrown')],
    ];

    for (const [label, value] of throwables) {
      it(`carries ${label} thrown after yields out through two nesting levels, unchanged`, () => {
        const inner = Fiber(() => {
          Fiber.yield('i1');
          Fiber.yield('i2');
          throw value;
        });
        const outer = Fiber(() => {
          const got = [inner.run(), inner.run()];
          Fiber.yield(got.join());
          inner.run();
          return 'not thrown';
        });
        expect(outer.run()).to.equal('i1,i2');
        let caught = false;
        let thrown;
        try {
          outer.run();
        } catch (err) {
          caught = true;
          thrown = err;
        }
        expect(caught).to.equal(true);
        expect(thrown).to.equal(value);
        expect(inner.started).to.equal(false);
        expect(outer.started).to.equal(false);
      });
    }

    it('keeps stacks, catches across levels, and throwInto() non-Errors', () => {
      function thrower() {
        Fiber.yield();
        throw new RangeError('deep');
      }
      const inner = Fiber(thrower);
      const outer = Fiber(() => {
        inner.run();
        Fiber.yield('outer parked');
        try {
          inner.run();
        } catch (err) {
          return `caught ${err.name} ${err.message} ${/thrower/.test(err.stack)}`;
        }
      });
      expect(outer.run()).to.equal('outer parked');
      expect(outer.run()).to.equal('caught RangeError deep true');

      for (const [, value] of throwables) {
        const f = Fiber(() => {
          try {
            Fiber.yield();
          } catch (err) {
            Fiber.yield(err);
            throw err;
          }
        });
        f.run();
        expect(f.throwInto(value)).to.equal(value);
        let thrown = 'nothing';
        try {
          f.run();
        } catch (err) {
          thrown = err;
        }
        expect(thrown).to.equal(value);
      }
    });

    it('keeps each fiber\'s pending exception and finally blocks apart (10,000 throws)', () => {
      const log = [];
      const p = Fiber(() => {
        try {
          Fiber.yield(1);
        } finally {
          log.push('finally');
        }
        return 2;
      });
      p.run();
      try {
        Fiber(() => {
          throw new Error('other');
        }).run();
      } catch (err) {
        log.push(err.message);
      }
      expect(p.run()).to.equal(2);
      expect(log).to.deep.equal(['other', 'finally']);

      let caught = 0;
      for (let i = 0; i < 10000; i++) {
        const e = Fiber((k) => {
          Fiber.yield(k);
          throw new Error(`e${k}`);
        });
        expect(e.run(i)).to.equal(i);
        try {
          e.run();
        } catch (err) {
          if (err.message === `e${i}`) caught++;
        }
      }
      expect(caught).to.equal(10000);
    });
  });

  describe('stack overflow', () => {
    const deepObject = (depth) => {
      let o = { leaf: true };
      for (let i = 0; i < depth; i++) o = { o };
      return o;
    };

    function overflowing() {
      let depth = 0;
      const down = () => {
        depth++;
        down();
      };
      try {
        down();
      } catch (err) {
        return { depth, name: err.constructor.name };
      }
      return { depth, name: 'none' };
    }

    for (const [label, options] of [
      ['a 64 KiB', { stackSize: 64 * KiB }],
      ['the default 1 MiB', undefined],
    ]) {
      it(`throws RangeError on ${label} stack, from JavaScript and from JSON.stringify, and keeps working`, () => {
        const nested = deepObject(200000);
        const body = () => {
          const first = overflowing();
          let json;
          try {
            json = `${JSON.stringify(nested).length}`;
          } catch (err) {
            json = err.constructor.name;
          }
          const resumed = Fiber.yield([first, json]);
          // After the overflows, this stack still runs, yields and recurses.
          const second = overflowing();
          return `${resumed} ${second.name} ${second.depth > 100} ${JSON.stringify({ small: [1, 2] })}`;
        };
        const f = options ? new Fiber(body, options) : new Fiber(body);
        const [first, json] = f.run();
        expect(first.name).to.equal('RangeError');
        expect(first.depth).to.be.greaterThan(100);
        expect(json).to.equal('RangeError');
        expect(f.run('again')).to.equal('again RangeError true {"small":[1,2]}');
        // Uncaught, the RangeError leaves run(); the fiber runs again from the start.
        const stringify = () => JSON.stringify(nested);
        const u = options ? new Fiber(stringify, options) : new Fiber(stringify);
        expect(() => u.run()).to.throw(RangeError);
        expect(() => u.run()).to.throw(RangeError);
        expect(Fiber(() => 'fine').run()).to.equal('fine');
        expect(JSON.stringify(deepObject(100)).length).to.be.greaterThan(100);
      });
    }

    it('a 64 KiB stack allows less recursion than the 1 MiB default', () => {
      const small = new Fiber(overflowing, { stackSize: 64 * KiB }).run();
      const normal = new Fiber(overflowing).run();
      expect(small.name).to.equal('RangeError');
      expect(normal.name).to.equal('RangeError');
      expect(small.depth).to.be.below(normal.depth);
    });
  });

  describe('yielding out of callbacks V8 calls', () => {
    it('JSON.parse revivers, Array#sort comparators and String#replace functions yield and resume, interleaved', () => {
      const make = (k) => {
        const data = { k, list: Array.from({ length: 300 }, (_, i) => ({ i, name: `n${i}` })) };
        const text = JSON.stringify(data);
        const numbers = Array.from({ length: 300 }, (_, i) => (i * 7919 + k * 13) % 1000);
        const words = Array.from({ length: 300 }, (_, i) => `w${i}x${k}`).join(' ');
        return { k, text, numbers, words };
      };
      const replaceExpected = (words) => words.replace(/w(\d+)x(\d+)/g, (m, a, b) => `W${b}-${a}`);
      const inputs = [0, 1, 2].map(make);
      const yields = inputs.map(() => ({ reviver: 0, sort: 0, replace: 0 }));
      const fibers = inputs.map(({ k, text, numbers, words }) =>
        Fiber(() => {
          const parsed = JSON.parse(text, (key, value) => {
            if (key === 'i' && value % 25 === 0) Fiber.yield('reviver');
            return key === 'i' ? value * 2 : value;
          });
          let calls = 0;
          const sorted = numbers.slice().sort((a, b) => {
            if (++calls % 97 === 0) Fiber.yield('sort');
            return a - b;
          });
          const replaced = words.replace(/w(\d+)x(\d+)/g, (m, a, b) => {
            if (a % 40 === 0) Fiber.yield('replace');
            return `W${b}-${a}`;
          });
          return { k, parsed, sorted, replaced };
        }),
      );
      const results = new Array(fibers.length);
      let running = fibers.length;
      while (running > 0) {
        fibers.forEach((f, i) => {
          if (results[i]) return;
          const r = f.run();
          if (typeof r === 'string') yields[i][r]++;
          else {
            results[i] = r;
            running--;
          }
        });
      }
      for (const [i, { k, numbers, words }] of inputs.entries()) {
        const r = results[i];
        expect(r.k).to.equal(k);
        expect(r.parsed.k).to.equal(k);
        expect(r.parsed.list.map((e) => e.i)).to.deep.equal(Array.from({ length: 300 }, (_, j) => j * 2));
        expect(r.parsed.list[299].name).to.equal('n299');
        expect(r.sorted).to.deep.equal(numbers.slice().sort((a, b) => a - b));
        expect(r.replaced).to.equal(replaceExpected(words));
        // They did yield from inside each callback.
        expect(yields[i].reviver).to.equal(12);
        expect(yields[i].sort).to.be.greaterThan(0);
        expect(yields[i].replace).to.equal(8);
      }
    });
  });

  describe('worker_threads (child process)', () => {
    it('each worker runs fibers of its own at the same time as main, and may end with fibers parked', () => {
      const res = runNode(fixture('backend-workers.js'), [], { nodeArgs: ['--expose-gc'] });
      const backend = fiberStats().backend;
      // Each fiber k of the ring adds round + k for rounds 1..99; main gets the last one's total.
      const total = 4950 + 99 * 19;
      const line = (who) => `${who}: ${backend} seq=0,1,2,3,4 total=${total} met=true live=71`;
      expect(res.stderr).to.equal('');
      expect(res.stdout).to.equal(
        [
          'main: live 71',
          line('main'),
          'worker 1 exited 0',
          line('worker 1'),
          'worker 2 exited 4',
          line('worker 2'),
          '',
        ].join('\n'),
      );
      expect(res.status).to.equal(0);
    });
  });

  describe('exit with thousands of fibers parked (child process)', () => {
    it('ends on its own with 5,000 parked: every finally block runs, exit code as set', function () {
      this.timeout(60000);
      const res = runNode(fixture('backend-exit.js'), ['5000', 'natural']);
      expect(res.stderr).to.equal('');
      expect(res.stdout).to.equal('parked 5000\nexit 3: finally blocks run 5000 of 5000\n');
      expect(res.status).to.equal(3);
    });

    it('process.exit() from a nested fiber with 5,000 parked: their finally blocks run, exit code as given', function () {
      this.timeout(60000);
      const res = runNode(fixture('backend-exit.js'), ['5000', 'exit']);
      expect(res.stderr).to.equal('');
      expect(res.stdout).to.equal('parked 5000\nexiting from a nested fiber\nexit 5: finally blocks run 5000 of 5000\n');
      expect(res.status).to.equal(5);
    });
  });

  describe('the runner pool', () => {
    it('1,000,000 fibers created and finished in a row reuse runners: alive stays within poolSize + live + 1, RSS flat', function () {
      this.timeout(120000);
      const poolSize = Fiber.poolSize;
      const start = fiberStats();
      // How far alive ever went beyond poolSize + live + 1 (sampled from main and from inside fibers).
      let worst = -Infinity;
      const sample = () => {
        const s = fiberStats();
        worst = Math.max(worst, s.alive - (s.poolSize + s.live + 1));
      };
      const parking = (x) => {
        if (x % 50000 === 0) sample();
        return Fiber.yield(x) + 1;
      };
      const plain = (x) => x + 1;
      const run = (from, to) => {
        for (let i = from; i < to; i++) {
          // One in ten parks once before finishing.
          const f = Fiber(i % 10 === 0 ? parking : plain);
          let v = f.run(i);
          if (i % 10 === 0) v = f.run(v);
          if (v !== i + 1) throw new Error(`fiber ${i} returned ${v}`);
          if (i % 50000 === 0) sample();
        }
      };
      // Memory outside V8's heap after each 100,000 (V8 resizes its own
      // generations while this runs, which is not what a leaked stack or
      // runner would cost); the first half is warm-up, the second must be flat.
      const rss = [];
      for (let from = 0; from < 1000000; from += 100000) {
        run(from, from + 100000);
        global.gc();
        rss.push(process.memoryUsage().rss - v8.getHeapStatistics().total_physical_size);
      }
      const end = fiberStats();
      expect(worst, 'alive beyond poolSize + live + 1 at some point').to.be.at.most(0);
      expect(end.alive).to.be.at.most(poolSize + end.live + 1);
      expect(end.pooled).to.be.at.most(poolSize);
      expect(end.live).to.equal(start.live);
      // Runners were reused, not made per fiber.
      expect(end.created - start.created).to.be.at.most(poolSize + 1);
      // Flat: growth over the last 500k fibers stays below what a leak of even 32 bytes each would cost.
      const growth = rss[9] - rss[4];
      expect(growth, `RSS per 100k fibers (MB): ${rss.map((r) => (r / 1e6).toFixed(1)).join(' ')}`).to.be.below(500000 * 32);
    });

    it('gives back the runners beyond the pool once a burst of parked fibers finishes', function () {
      this.timeout(120000);
      // 20,000 stacks; on the threads backend each is an OS thread (and
      // pid_max is often 32768), so a smaller burst takes the same path there.
      const N = fiberStats().backend === 'stacks' ? 20000 : 5000;
      const poolSize = Fiber.poolSize;
      const before = fiberStats();
      const mapsBefore = mappings();
      const fibers = [];
      for (let i = 0; i < N; i++) {
        const f = Fiber(() => Fiber.yield(i) * 2);
        expect(f.run()).to.equal(i);
        fibers.push(f);
      }
      const during = fiberStats();
      expect(during.live).to.equal(before.live + N);
      expect(during.alive).to.be.at.least(during.live);
      expect(during.created - before.created).to.be.at.least(N - before.pooled);
      expect(during.guarded).to.be.at.most(during.alive);
      for (let i = 0; i < N; i++) expect(fibers[i].run(i)).to.equal(i * 2);
      const after = fiberStats();
      expect(after.live).to.equal(before.live);
      expect(after.pooled).to.be.at.most(poolSize);
      // Nothing runs but us: every runner alive is pooled or holds a parked fiber.
      expect(after.alive).to.be.at.most(poolSize + after.live);
      expect(after.guarded).to.be.at.most(after.alive);
      // Their memory went back too: no mapping left per finished fiber.
      expect(mappings() - mapsBefore).to.be.below(3 * poolSize + 1000);
    });
  });
});
