'use strict';
const v8 = require('v8');
const { expect } = require('chai');
const path = require('path');
const { Fiber, fiberStats } = require('../..');
const { runNode, collect } = require('../helpers');

const fixture = (name) => path.join(__dirname, '..', 'fixtures', name);

describe('Fiber lifecycle', () => {
  it('reuses pooled stacks or threads: 1,000,000 fibers in a row keep their count bounded and RSS flat', function () {
    this.timeout(120000);
    const poolSize = Fiber.poolSize;
    const { live, alive } = fiberStats();
    const run = (n) => {
      for (let i = 0; i < n; i++) Fiber(() => i).run();
    };
    // Memory outside V8's heap: V8 may grow its young generation while this
    // runs (more so after other specs), which is not what a leaked stack,
    // thread or runner record would cost.
    const native = () => process.memoryUsage().rss - v8.getHeapStatistics().total_physical_size;
    run(100000);
    global.gc();
    const rss0 = native();
    run(450000);
    global.gc();
    const rss1 = native();
    run(450000);
    global.gc();
    const rss2 = native();
    const stats = fiberStats();
    expect(stats.alive).to.be.at.most(Math.max(alive, live + poolSize + 1));
    expect(stats.live).to.equal(live);
    // Flat: a leak of even 32 bytes a fiber grows both halves by 14 MB. A
    // one-off step (malloc taking a new arena for another thread while this
    // runs) shows in one half only, so the smaller growth is what is judged.
    const growth = Math.min(rss1 - rss0, rss2 - rss1);
    expect(growth, `RSS outside V8's heap grew ${rss1 - rss0} then ${rss2 - rss1} bytes`).to.be.below(450000 * 32);
  });

  it('keeps at most poolSize idle threads once many fibers finish', () => {
    const before = Fiber.poolSize;
    Fiber.poolSize = 5;
    const { live } = fiberStats();
    try {
      const fibers = [];
      for (let i = 0; i < 50; i++) {
        const f = Fiber(() => Fiber.yield());
        f.run();
        fibers.push(f);
      }
      expect(fiberStats().live).to.equal(live + 50);
      for (const f of fibers) f.run();
      const stats = fiberStats();
      expect(stats.live).to.equal(live);
      expect(stats.pooled).to.be.at.most(5);
    } finally {
      Fiber.poolSize = before;
    }
  });

  it('throws RangeError on deep recursion at the default stack size', () => {
    const f = Fiber(() => {
      const deeper = (n) => deeper(n + 1) + 1;
      return deeper(0);
    });
    expect(() => f.run()).to.throw(RangeError, 'Maximum call stack size exceeded');
  });

  it('throws RangeError on deep recursion at a small stack size, and the fiber keeps working after', () => {
    let depth = 0;
    const f = new Fiber(
      () => {
        const deeper = () => {
          depth++;
          deeper();
        };
        try {
          deeper();
        } catch (err) {
          Fiber.yield(err);
        }
        return 'still alive';
      },
      { stackSize: 64 * 1024 },
    );
    const err = f.run();
    expect(err).to.be.instanceOf(RangeError);
    expect(depth).to.be.greaterThan(100);
    expect(f.run()).to.equal('still alive');
  });

  it('a smaller stack allows less recursion than the default', () => {
    const measure = (options) => {
      let depth = 0;
      const body = () => {
        const deeper = () => {
          depth++;
          deeper();
        };
        try {
          deeper();
        } catch {
          // measured
        }
      };
      (options ? new Fiber(body, options) : new Fiber(body)).run();
      return depth;
    };
    const small = measure({ stackSize: 128 * 1024 });
    const normal = measure();
    expect(small).to.be.below(normal);
  });

  it('unwinds a parked fiber whose Fiber object became unreachable: finally runs, thread returns', async () => {
    const log = [];
    (() => {
      const f = Fiber(() => {
        try {
          Fiber.yield();
        } finally {
          log.push('unwound');
        }
      });
      f.run();
    })();
    const liveBefore = fiberStats().live;
    for (let i = 0; i < 10 && log.length === 0; i++) await collect();
    expect(log).to.deep.equal(['unwound']);
    expect(fiberStats().live).to.equal(liveBefore - 1);
  });

  it('survives garbage collection on a fiber that has just resumed another fiber', () => {
    const res = runNode(fixture('gc-nested-run.js'), [], { nodeArgs: ['--expose-gc'] });
    expect(res.stderr).to.equal('');
    expect(res.stdout).to.equal('outer survived\n');
    expect(res.status).to.equal(0);
  });

  it('exits with its own exit code and no V8 error while 10,000 fibers are parked', function () {
    this.timeout(120000);
    const res = runNode(fixture('exit-parked.js'), ['10000']);
    expect(res.stderr).to.equal('');
    expect(res.stdout).to.equal('parked 10000\nfinally blocks run at exit: 10000\n');
    expect(res.status).to.equal(3);
  });

  it('process.exit() called inside a fiber exits with that code', () => {
    const res = runNode(fixture('exit-in-fiber.js'));
    expect(res.stdout).to.equal('before\nparked fiber unwound\n');
    expect(res.stderr).to.equal('');
    expect(res.status).to.equal(7);
  });

  it('an uncaught error with fibers parked exits 1 with the error printed', () => {
    const res = runNode(fixture('exit-parked.js'), ['100', 'throw']);
    expect(res.status).to.equal(1);
    expect(res.stderr).to.contain('Error: thrown at top level');
    expect(res.stderr).to.not.contain('FATAL');
    expect(res.stdout).to.equal('parked 100\nfinally blocks run at exit: 100\n');
  });

  it('works inside a worker_threads Worker, which may end with fibers parked', () => {
    const res = runNode(fixture('worker-fibers.js'));
    expect(res.stderr).to.equal('');
    expect(res.stdout).to.equal('worker: 0,1,2 parked=50\nmain: worker exited 0\nmain fibers live 0\n');
    expect(res.status).to.equal(0);
  });
});
