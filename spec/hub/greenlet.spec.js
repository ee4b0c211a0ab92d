'use strict';
const { expect } = require('chai');
const fs = require('fs');
const { spawn, spawnLater, sleep, joinAll, killAll, getCurrent, getHub, Greenlet, Fiber, FiberExit, TimeoutError, Waiter } = require('../..');
const { inFiber, captureErrors, runFixture } = require('./helpers');

describe('Greenlet', () => {
  describe('spawn()', () => {
    it('starts on the next Hub turn, not synchronously', async () => {
      let ran = false;
      const g = spawn(() => {
        ran = true;
      });
      expect(ran).to.equal(false);
      expect(g.started).to.equal(true);
      await inFiber(() => g.join());
      expect(ran).to.equal(true);
    });

    it('passes the arguments and keeps the return value', async () => {
      const g = spawn((a, b) => a + b, 2, 3);
      await inFiber(() => g.join());
      expect(g.value).to.equal(5);
      expect(g.successful()).to.equal(true);
    });

    it('starts greenlets in spawn order', async () => {
      const order = [];
      const gs = [1, 2, 3].map((i) => spawn(() => order.push(i)));
      await inFiber(() => joinAll(gs));
      expect(order).to.deep.equal([1, 2, 3]);
    });

    it('rejects a non-function with TypeError', () => {
      expect(() => spawn(42)).to.throw(TypeError);
    });

    it('stores an escaping error in exception, reports it, and the process goes on', async () => {
      const err = new Error('boom');
      let g;
      const seen = await captureErrors(getHub(), async () => {
        g = spawn(() => {
          throw err;
        });
        await inFiber(() => g.join());
      });
      expect(g.dead).to.equal(true);
      expect(g.exception).to.equal(err);
      expect(g.successful()).to.equal(false);
      expect(seen).to.have.length(1);
      expect(seen[0].context).to.equal(String(g));
    });

    it('prints an escaping error once to stderr, with its stack (child process)', () => {
      const res = runFixture('greenlet-error.js');
      expect(res.status).to.equal(0);
      expect(res.stdout).to.equal('still alive\n');
      expect(res.stderr.match(/Error: boom in greenlet/g)).to.have.length(1);
      expect(res.stderr).to.match(/at failing \(/);
      expect(res.stderr).to.match(/Greenlet#\d+\(failing\) failed with Error/);
    });

    it('starts the fiber with its spawner\'s async context', async () => {
      const { AsyncLocalStorage } = require('async_hooks');
      const als = new AsyncLocalStorage();
      const g = als.run('spawner', () => spawn(() => als.getStore()));
      await inFiber(() => g.join());
      expect(g.value).to.equal('spawner');
    });
  });

  describe('spawnLater()', () => {
    it('starts after the delay', async () => {
      const order = [];
      const late = spawnLater(20, () => order.push('late'));
      const soon = spawn(() => order.push('soon'));
      await inFiber(() => joinAll([late, soon]));
      expect(order).to.deep.equal(['soon', 'late']);
    });

    it('never runs if killed before the delay passes', async () => {
      let ran = false;
      const g = spawnLater(5, () => {
        ran = true;
      });
      g.kill();
      await new Promise((r) => setTimeout(r, 15));
      expect(ran).to.equal(false);
      expect(g.dead).to.equal(true);
    });
  });

  describe('state', () => {
    it('is new, then started, then dead', async () => {
      const w = new Waiter();
      const g = new Greenlet(() => w.get());
      expect([g.started, g.dead, g.ready()]).to.deep.equal([false, false, false]);
      g.start();
      expect([g.started, g.dead]).to.deep.equal([true, false]);
      await inFiber(() => {
        sleep(0);
        expect(g.started).to.equal(true);
        w.switch('v');
        g.join();
      });
      expect([g.started, g.dead, g.ready(), g.successful(), g.value]).to.deep.equal([false, true, true, true, 'v']);
    });

    it('start() twice starts once', async () => {
      let runs = 0;
      const g = new Greenlet(() => runs++);
      g.start();
      g.start();
      await inFiber(() => g.join());
      g.start();
      await inFiber(() => sleep(0));
      expect(runs).to.equal(1);
    });

    it('has a readable toString', () => {
      const g = new Greenlet(function worker() {});
      expect(String(g)).to.match(/^Greenlet#\d+\(worker\)$/);
    });
  });

  describe('join() and get()', () => {
    it('join() returns true once dead', async () => {
      const g = spawn(() => sleep(2));
      expect(await inFiber(() => g.join())).to.equal(true);
    });

    it('join(ms) returns false when the greenlet is still running', async () => {
      const w = new Waiter();
      const g = spawn(() => w.get());
      expect(await inFiber(() => g.join(5))).to.equal(false);
      w.switch();
      expect(await inFiber(() => g.join())).to.equal(true);
    });

    it('get() returns the value', async () => {
      const g = spawn(() => 'result');
      expect(await inFiber(() => g.get())).to.equal('result');
    });

    it('get() throws the greenlet\'s error', async () => {
      const err = new Error('failed');
      let g;
      await captureErrors(getHub(), async () => {
        g = spawn(() => {
          throw err;
        });
        const got = await inFiber(() => {
          try {
            g.get();
          } catch (e) {
            return e;
          }
        });
        expect(got).to.equal(err);
      });
    });

    it('get(ms) throws TimeoutError when not ready in time', async () => {
      const w = new Waiter();
      const g = spawn(() => w.get());
      const got = await inFiber(() => {
        try {
          g.get(5);
        } catch (e) {
          return e;
        }
      });
      expect(got).to.be.instanceOf(TimeoutError);
      w.switch();
    });

    it('join() refuses to block in an event-loop callback', () => {
      const g = spawn(() => sleep(1));
      expect(() => g.join()).to.throw(/use spawn\(\)/);
    });
  });

  describe('kill()', () => {
    it('raises FiberExit inside the parked fiber; its finally runs; counts as successful', async () => {
      const log = [];
      const g = spawn(() => {
        try {
          sleep(60000);
        } finally {
          log.push('finally');
        }
      });
      await inFiber(() => {
        sleep(0);
        g.kill();
        log.push(`after kill: dead=${g.dead}`);
      });
      expect(log).to.deep.equal(['finally', 'after kill: dead=true']);
      expect(g.successful()).to.equal(true);
      expect(g.value).to.be.instanceOf(FiberExit);
      expect(g.exception).to.equal(undefined);
    });

    it('a FiberExit kill is not reported', async () => {
      const seen = await captureErrors(getHub(), async () => {
        const g = spawn(() => sleep(60000));
        await inFiber(() => {
          sleep(0);
          g.kill();
        });
      });
      expect(seen).to.deep.equal([]);
    });

    it('the killed fiber can catch the error', async () => {
      const g = spawn(() => {
        try {
          sleep(60000);
        } catch (e) {
          return `caught ${e.name}`;
        }
      });
      await inFiber(() => {
        sleep(0);
        g.kill();
      });
      expect(g.value).to.equal('caught FiberExit');
    });

    it('kills with a custom error, stored as the exception', async () => {
      const err = new Error('custom kill');
      let g;
      const seen = await captureErrors(getHub(), async () => {
        g = spawn(() => sleep(60000));
        await inFiber(() => {
          sleep(0);
          g.kill(err);
        });
      });
      expect(g.exception).to.equal(err);
      expect(g.successful()).to.equal(false);
      expect(seen).to.have.length(1);
    });

    it('a greenlet killed before it starts never runs, and its links fire', async () => {
      let ran = false;
      let linked = null;
      const g = spawn(() => {
        ran = true;
      });
      g.link((x) => {
        linked = x;
      });
      g.kill();
      await inFiber(() => sleep(0));
      expect(ran).to.equal(false);
      expect(linked).to.equal(g);
      expect(g.dead).to.equal(true);
      expect(g.successful()).to.equal(true);
    });

    it('kill() of a dead greenlet does nothing', async () => {
      const g = spawn(() => 1);
      await inFiber(() => g.join());
      g.kill();
      expect(g.value).to.equal(1);
    });

    it('block: false returns before the greenlet has finished', async () => {
      const g = spawn(() => {
        try {
          sleep(60000);
        } finally {
          sleep(5);
        }
      });
      const states = await inFiber(() => {
        sleep(0);
        g.kill(undefined, { block: false });
        const early = g.dead;
        g.join();
        return [early, g.dead];
      });
      expect(states).to.deep.equal([false, true]);
    });

    it('timeout bounds how long kill() waits', async () => {
      const g = spawn(() => {
        try {
          sleep(60000);
        } finally {
          sleep(50);
        }
      });
      const dead = await inFiber(() => {
        sleep(0);
        g.kill(undefined, { timeout: 5 });
        return g.dead;
      });
      expect(dead).to.equal(false);
      await inFiber(() => g.join());
    });

    it('kill() from an event-loop callback does not block, and the kill still lands', async () => {
      const g = spawn(() => sleep(60000));
      await inFiber(() => sleep(0));
      g.kill(); // mocha runs this in a callback
      await inFiber(() => g.join());
      expect(g.value).to.be.instanceOf(FiberExit);
    });

    it('a greenlet killing itself throws the error right there', async () => {
      const g = spawn(() => {
        try {
          getCurrent().kill();
          return 'not reached';
        } catch (e) {
          return e.name;
        }
      });
      await inFiber(() => g.join());
      expect(g.value).to.equal('FiberExit');
    });

    it('a kill while the greenlet is ready to run is raised when it resumes', async () => {
      const w = new Waiter();
      const g = spawn(() => {
        try {
          w.get();
          return 'got value';
        } catch (e) {
          return e.name;
        }
      });
      await inFiber(() => {
        sleep(0);
        w.switch('v'); // queued, not run yet (this fiber is running)
        g.kill(undefined, { block: false });
        g.join();
      });
      expect(g.value).to.equal('FiberExit');
    });
  });

  describe('links', () => {
    it('link(cb) calls cb(greenlet) after death, in order', async () => {
      const calls = [];
      const g = spawn(() => 1);
      g.link((x) => calls.push(['a', x]));
      g.link((x) => calls.push(['b', x]));
      await inFiber(() => {
        g.join();
        sleep(0);
      });
      expect(calls).to.deep.equal([['a', g], ['b', g]]);
    });

    it('a link added after death still fires', async () => {
      const g = spawn(() => 1);
      await inFiber(() => g.join());
      let fired = false;
      g.link(() => {
        fired = true;
      });
      await inFiber(() => sleep(0));
      expect(fired).to.equal(true);
    });

    it('unlink(cb) removes a link', async () => {
      let fired = false;
      const cb = () => {
        fired = true;
      };
      const g = spawn(() => 1);
      g.link(cb);
      g.unlink(cb);
      await inFiber(() => {
        g.join();
        sleep(0);
      });
      expect(fired).to.equal(false);
    });
  });

  describe('joinAll()', () => {
    it('returns the greenlets in completion order', async () => {
      const a = spawn(() => sleep(200));
      const b = spawn(() => sleep(1));
      const done = await inFiber(() => joinAll([a, b]));
      expect(done).to.deep.equal([b, a]);
    });

    it('with timeout returns the ones finished so far', async () => {
      const w = new Waiter();
      const a = spawn(() => w.get());
      const b = spawn(() => 1);
      const done = await inFiber(() => joinAll([a, b], { timeout: 10 }));
      expect(done).to.deep.equal([b]);
      w.switch();
    });

    it('with count returns after that many', async () => {
      const w = new Waiter();
      const a = spawn(() => w.get());
      const b = spawn(() => 1);
      const c = spawn(() => 2);
      const done = await inFiber(() => joinAll([a, b, c], { count: 2 }));
      expect(done).to.deep.equal([b, c]);
      w.switch();
    });

    it('with raiseError throws the first failure in completion order', async () => {
      const first = new Error('first');
      await captureErrors(getHub(), async () => {
        const a = spawn(() => {
          sleep(200);
          throw new Error('second');
        });
        const b = spawn(() => {
          sleep(1);
          throw first;
        });
        const got = await inFiber(() => {
          try {
            joinAll([a, b], { raiseError: true });
          } catch (e) {
            return e;
          }
        });
        expect(got).to.equal(first);
        await inFiber(() => a.join());
      });
    });
  });

  describe('killAll()', () => {
    it('kills every greenlet and waits for them', async () => {
      const gs = [1, 2, 3].map(() => spawn(() => sleep(60000)));
      await inFiber(() => {
        sleep(0);
        killAll(gs);
      });
      expect(gs.every((g) => g.dead && g.value instanceof FiberExit)).to.equal(true);
    });

    it('throws TimeoutError when they do not all finish in time', async () => {
      const stubborn = spawn(() => {
        try {
          sleep(60000);
        } finally {
          sleep(50);
        }
      });
      const got = await inFiber(() => {
        sleep(0);
        try {
          killAll([stubborn], undefined, { timeout: 5 });
        } catch (e) {
          return e;
        }
      });
      expect(got).to.be.instanceOf(TimeoutError);
      await inFiber(() => stubborn.join());
    });
  });

  describe('getCurrent()', () => {
    it('returns the running greenlet', async () => {
      const g = spawn(() => getCurrent());
      await inFiber(() => g.join());
      expect(g.value).to.equal(g);
    });

    it('returns the running plain Fiber', () => {
      const f = new Fiber(() => getCurrent());
      expect(f.run()).to.equal(f);
    });

    it('returns undefined on the main thread', () => {
      expect(getCurrent()).to.equal(undefined);
    });
  });

  describe('sleep()', () => {
    it('sleep(0) interleaves ready greenlets: 1A 2A 1B 2B', async () => {
      const out = [];
      const a = spawn(() => {
        out.push('1A');
        sleep(0);
        out.push('1B');
      });
      const b = spawn(() => {
        out.push('2A');
        sleep(0);
        out.push('2B');
      });
      await inFiber(() => joinAll([a, b]));
      expect(out.join(' ')).to.equal('1A 2A 1B 2B');
    });

    it('a fiber looping on sleep(0) starves neither timers nor I/O', async () => {
      let stop = false;
      let spins = 0;
      const spinner = spawn(() => {
        while (!stop) {
          spins++;
          sleep(0);
        }
      });
      const timerFired = new Promise((r) => setTimeout(r, 5));
      const fileRead = fs.promises.readFile(__filename);
      await timerFired;
      await fileRead;
      await new Promise((r) => fs.stat(__filename, r));
      stop = true;
      await inFiber(() => spinner.join());
      expect(spins).to.be.greaterThan(0);
    });

    it('sleep(ms) resumes after the timer', async () => {
      const order = [];
      const a = spawn(() => {
        sleep(100);
        order.push('a');
      });
      const b = spawn(() => {
        sleep(1);
        order.push('b');
      });
      await inFiber(() => joinAll([a, b]));
      expect(order).to.deep.equal(['b', 'a']);
    });

    it('rejects a negative delay', async () => {
      const got = await inFiber(() => {
        try {
          sleep(-1);
        } catch (e) {
          return e;
        }
      });
      expect(got).to.be.instanceOf(RangeError);
    });

    it('refuses to sleep in an event-loop callback', () => {
      expect(() => sleep(0)).to.throw(/use spawn\(\)/);
    });
  });
});
