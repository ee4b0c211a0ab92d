'use strict';
const { expect } = require('chai');
const {
  Group,
  Pool,
  PoolFull,
  Greenlet,
  Event,
  spawn,
  sleep,
  getHub,
  getCurrent,
  Timeout,
  withTimeout,
  FiberExit,
  BlockingSwitchOutError,
} = require('../..');
const { inFiber, captureErrors } = require('../hub/helpers');
const { runAtRoot, expectCode, cutDrainBefore, settle } = require('./helpers');

/** Runs fn in an event-loop callback (where blocking is refused); resolves with what it threw, or undefined. */
function thrownInCallback(fn) {
  return new Promise((resolve) =>
    setImmediate(() => {
      try {
        fn();
        resolve(undefined);
      } catch (err) {
        resolve(err);
      }
    }),
  );
}

/** A function that records how many of its calls run at once (in `stats.max`). */
function concurrencyProbe(ms) {
  const stats = { now: 0, max: 0 };
  const fn = (x) => {
    stats.now++;
    stats.max = Math.max(stats.max, stats.now);
    try {
      sleep(typeof ms === 'function' ? ms(x) : ms);
    } finally {
      stats.now--;
    }
    return x;
  };
  return { fn, stats };
}

describe('Group', () => {
  describe('membership', () => {
    it('is empty when new; spawn() adds a started greenlet; has() and length see it', () =>
      inFiber(() => {
        const group = new Group();
        expect(group.length).to.equal(0);
        const g = group.spawn((a, b) => a + b, 2, 3);
        expect(g).to.be.instanceOf(Greenlet);
        expect(g.started).to.equal(true);
        expect(group.has(g)).to.equal(true);
        expect(group.length).to.equal(1);
        expect(g.get()).to.equal(5);
      }));

    it('greenlets leave the group when they finish: returning, failing, killed, or killed before they start', () =>
      captureErrors(getHub(), () =>
        inFiber(() => {
          const group = new Group();
          const ok = group.spawn(() => 1);
          const bad = group.spawn(() => {
            throw new Error('boom');
          });
          const killed = group.spawn(() => sleep(10000));
          const unstarted = new Greenlet(() => 1);
          group.add(unstarted);
          sleep(0);
          killed.kill();
          unstarted.kill();
          expect(group.join(1000)).to.equal(true);
          for (const g of [ok, bad, killed, unstarted]) expect(group.has(g)).to.equal(false);
          expect(group.length).to.equal(0);
        }),
      ));

    it('iterates its greenlets in the order they were added', () =>
      inFiber(() => {
        const group = new Group();
        const gs = [1, 2, 3].map(() => group.spawn(() => sleep(5)));
        expect([...group]).to.deep.equal(gs);
        group.join();
      }));

    it('takes greenlets to track in its constructor', () =>
      inFiber(() => {
        const a = spawn(() => sleep(5));
        const b = spawn(() => sleep(5));
        const group = new Group([a, b]);
        expect(group.length).to.equal(2);
        expect(group.join()).to.equal(true);
        expect(group.length).to.equal(0);
      }));

    it('the constructor rejects what is not an iterable of greenlets (ERR_INVALID_ARG_TYPE)', () => {
      expectCode(() => new Group(5), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => new Group([spawn(() => 1), 'x']), 'ERR_INVALID_ARG_TYPE');
    });

    it('add() tracks a greenlet once even when added twice, and a finished one only until the Hub runs', () =>
      inFiber(() => {
        const group = new Group();
        const g = new Greenlet(() => 1);
        group.add(g);
        group.add(g);
        expect(group.length).to.equal(1);
        group.discard(g);
        expect(group.length).to.equal(0);
        const done = spawn(() => 'x');
        done.join();
        group.add(done);
        expect(group.length).to.equal(1);
        sleep(0);
        expect(group.length).to.equal(0);
      }));

    it('start() adds a greenlet and starts it', () =>
      inFiber(() => {
        const group = new Group();
        const g = new Greenlet(() => 'ran');
        group.start(g);
        expect(group.has(g)).to.equal(true);
        expect(g.get()).to.equal('ran');
      }));

    it('discard() stops tracking a greenlet, which keeps running; a non-member is ignored', () =>
      inFiber(() => {
        const group = new Group();
        const g = group.spawn(() => {
          sleep(10);
          return 'finished';
        });
        group.discard(g);
        group.discard(g);
        group.discard(spawn(() => 1));
        expect(group.has(g)).to.equal(false);
        expect(group.join(0)).to.equal(true);
        expect(g.get()).to.equal('finished');
      }));

    it('add(), discard(), start() and spawn() check their arguments (ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE)', () => {
      const group = new Group();
      expectCode(() => group.add({}), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => group.add(new Greenlet(() => 1), 'fast'), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => group.add(new Greenlet(() => 1), { timeout: -1 }), 'ERR_OUT_OF_RANGE');
      expectCode(() => group.discard(null), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => group.start('g'), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => group.spawn('not a function'), 'ERR_INVALID_ARG_TYPE');
      expect(group.length).to.equal(0);
    });

    it('full() is false and waitAvailable() returns Infinity at once', () => {
      const group = new Group();
      expect(group.full()).to.equal(false);
      expect(group.waitAvailable()).to.equal(Infinity);
      expectCode(() => group.waitAvailable(-1), 'ERR_OUT_OF_RANGE');
      expect(String(group)).to.equal('<Group length=0>');
    });
  });

  describe('join()', () => {
    it('returns true at once when empty, and true once every member finished', () =>
      inFiber(() => {
        const group = new Group();
        expect(group.join()).to.equal(true);
        const order = [];
        group.spawn(() => {
          sleep(10);
          order.push('a');
        });
        group.spawn(() => {
          sleep(20);
          order.push('b');
        });
        expect(group.join()).to.equal(true);
        expect(order).to.deep.equal(['a', 'b']);
      }));

    it('returns false when the timeout passes first (0: without waiting)', () =>
      inFiber(() => {
        const group = new Group();
        const g = group.spawn(() => sleep(10000));
        expect(group.join(0)).to.equal(false);
        expect(group.join(10)).to.equal(false);
        g.kill();
        expect(group.join()).to.equal(true);
      }));

    it('returns true when the group was empty at least once, even if a greenlet was added since', () =>
      inFiber(() => {
        const group = new Group();
        group.spawn(() => {
          sleep(5);
          // The last member, as it leaves, adds the next one.
          getCurrent().link(() => group.spawn(() => sleep(10)));
        });
        expect(group.join()).to.equal(true);
        expect(group.length).to.equal(1);
        group.join();
      }));

    it('runs after the parties joined on the last member itself', () =>
      inFiber(() => {
        const group = new Group();
        const order = [];
        const g = group.spawn(() => sleep(5));
        spawn(() => {
          g.join();
          order.push('joined the greenlet');
        });
        group.join();
        order.push('joined the group');
        sleep(0);
        expect(order).to.deep.equal(['joined the greenlet', 'joined the group']);
      }));

    it('with raiseError throws the error of a member that failed', () =>
      captureErrors(getHub(), () =>
        inFiber(() => {
          const group = new Group();
          const boom = new Error('member failed');
          group.spawn(() => {
            sleep(5);
            throw boom;
          });
          group.spawn(() => sleep(10));
          let caught;
          try {
            group.join(null, { raiseError: true });
          } catch (err) {
            caught = err;
          }
          expect(caught).to.equal(boom);
          expect(group.length).to.equal(0);
        }),
      ));

    it('without raiseError returns true although a member failed', () =>
      captureErrors(getHub(), () =>
        inFiber(() => {
          const group = new Group();
          group.spawn(() => {
            throw new Error('ignored');
          });
          expect(group.join()).to.equal(true);
        }),
      ));

    it('is interrupted by kill() and by a Timeout, leaving nothing behind', () =>
      inFiber(() => {
        const group = new Group();
        const memberGo = new Event();
        const member = group.spawn(() => memberGo.wait());
        const joiner = spawn(() => group.join());
        sleep(0);
        joiner.kill();
        expect(joiner.value).to.be.instanceOf(FiberExit);
        expect(withTimeout(5, () => group.join(), { fallback: 'timed out' })).to.equal('timed out');
        memberGo.set();
        expect(group.join()).to.equal(true);
        expect(member.dead).to.equal(true);
      }));

    it('checks its arguments and refuses to block in an event-loop callback', async () => {
      const group = new Group();
      expectCode(() => group.join('1'), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => group.join(-5), 'ERR_OUT_OF_RANGE');
      expectCode(() => group.join(null, 'x'), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => group.join(null, { raiseError: 1 }), 'ERR_INVALID_ARG_TYPE');
      const g = group.spawn(() => sleep(20));
      expect(await thrownInCallback(() => group.join())).to.be.instanceOf(BlockingSwitchOutError);
      await inFiber(() => g.join());
    });
  });

  describe('kill()', () => {
    it('kills every member with a new FiberExit each and waits for them', () =>
      inFiber(() => {
        const group = new Group();
        const ran = [];
        const gs = ['a', 'b', 'c'].map((n) =>
          group.spawn(() => {
            try {
              sleep(10000);
            } finally {
              ran.push(n);
            }
          }),
        );
        sleep(0);
        group.kill();
        expect(group.length).to.equal(0);
        expect(ran.sort()).to.deep.equal(['a', 'b', 'c']);
        for (const g of gs) expect(g.value).to.be.instanceOf(FiberExit);
        expect(new Set(gs.map((g) => g.value)).size).to.equal(3);
      }));

    it('raises the given error in each member', () =>
      captureErrors(getHub(), () =>
        inFiber(() => {
          const group = new Group();
          const err = new Error('stop now');
          const gs = [1, 2].map(() => group.spawn(() => sleep(10000)));
          sleep(0);
          group.kill(err);
          for (const g of gs) expect(g.exception).to.equal(err);
        }),
      ));

    it('with block: false returns at once; the members die soon after', () =>
      inFiber(() => {
        const group = new Group();
        const g = group.spawn(() => sleep(10000));
        sleep(0);
        group.kill(undefined, { block: false });
        expect(g.dead).to.equal(false);
        expect(group.join(1000)).to.equal(true);
        expect(g.value).to.be.instanceOf(FiberExit);
      }));

    it('with a timeout gives up on a member that does not die, without an error', () =>
      inFiber(() => {
        const group = new Group();
        const stubborn = group.spawn(() => {
          try {
            sleep(10000);
          } catch (err) {
            // ignores the kill
          }
          sleep(60);
          return 'survived';
        });
        sleep(0);
        group.kill(undefined, { timeout: 10 });
        expect(group.has(stubborn)).to.equal(true);
        expect(stubborn.get()).to.equal('survived');
      }));

    it('kills members added while it waits, and does not kill a dying member twice', () =>
      inFiber(() => {
        const group = new Group();
        let kills = 0;
        let late = null;
        group.spawn(() => {
          try {
            sleep(10000);
          } catch (err) {
            kills++;
            late = group.spawn(() => sleep(10000));
            sleep(10); // still dying when kill() looks again
            throw err;
          }
        });
        sleep(0);
        group.kill();
        expect(kills).to.equal(1);
        expect(late.dead).to.equal(true);
        expect(late.value).to.be.instanceOf(FiberExit);
        expect(group.length).to.equal(0);
      }));

    it('called by a member kills the others, then that member', () =>
      inFiber(() => {
        const group = new Group();
        const other = group.spawn(() => sleep(10000));
        const self = group.spawn(() => {
          sleep(0);
          group.kill();
          return 'not reached';
        });
        expect(group.join(1000)).to.equal(true);
        expect(other.value).to.be.instanceOf(FiberExit);
        expect(self.value).to.be.instanceOf(FiberExit);
      }));

    it('in an event-loop callback does not block', async () => {
      const group = new Group();
      const g = group.spawn(() => sleep(10000));
      await inFiber(() => sleep(0));
      expect(await thrownInCallback(() => group.kill())).to.equal(undefined);
      await inFiber(() => expect(group.join(1000)).to.equal(true));
      expect(g.value).to.be.instanceOf(FiberExit);
    });

    it('checks its options', () => {
      const group = new Group();
      expectCode(() => group.kill(undefined, 'x'), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => group.kill(undefined, { block: 'yes' }), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => group.kill(undefined, { timeout: -1 }), 'ERR_OUT_OF_RANGE');
    });
  });

  describe('killOne()', () => {
    it('kills one member and waits for it; a non-member is left alone', () =>
      inFiber(() => {
        const group = new Group();
        const a = group.spawn(() => sleep(10000));
        const b = group.spawn(() => sleep(10000));
        const outsiderGo = new Event();
        const outsider = spawn(() => outsiderGo.wait());
        sleep(0);
        group.killOne(a);
        expect(a.dead).to.equal(true);
        expect(group.has(a)).to.equal(false);
        expect(b.dead).to.equal(false);
        group.killOne(outsider);
        expect(outsider.dead).to.equal(false);
        group.killOne(b, new FiberExit('bye'), { block: false });
        expect(b.dead).to.equal(false);
        expect(group.join(1000)).to.equal(true);
        expect(b.value.message).to.equal('bye');
        expectCode(() => group.killOne('a'), 'ERR_INVALID_ARG_TYPE');
        expectCode(() => group.killOne(a, undefined, { timeout: 'x' }), 'ERR_INVALID_ARG_TYPE');
        outsiderGo.set();
        outsider.join();
      }));
  });

  describe('apply()', () => {
    it('runs the function in a member greenlet and returns its result', () =>
      inFiber(() => {
        const group = new Group();
        const me = getCurrent();
        let ranIn;
        const result = group.apply(
          (a, b) => {
            ranIn = getCurrent();
            return a * b;
          },
          [6, 7],
        );
        expect(result).to.equal(42);
        expect(ranIn).to.not.equal(me);
        expect(group.apply(() => 'no args')).to.equal('no args');
      }));

    it('throws what the function threw', () =>
      captureErrors(getHub(), () =>
        inFiber(() => {
          const boom = new Error('apply failed');
          let caught;
          try {
            new Group().apply(() => {
              throw boom;
            });
          } catch (err) {
            caught = err;
          }
          expect(caught).to.equal(boom);
        }),
      ));

    it('called from a member, runs the function right there (no deadlock on a full pool)', () =>
      inFiber(() => {
        const pool = new Pool(1);
        const result = pool.apply(() => {
          const outer = getCurrent();
          return pool.apply(() => getCurrent() === outer);
        });
        expect(result).to.equal(true);
      }));

    it('checks its arguments and refuses to block in an event-loop callback', async () => {
      const group = new Group();
      expectCode(() => group.apply(5), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => group.apply(() => 1, 'args'), 'ERR_INVALID_ARG_TYPE');
      expect(await thrownInCallback(() => group.apply(() => 1))).to.be.instanceOf(BlockingSwitchOutError);
      expect(group.length).to.equal(0);
    });
  });
});

describe('Pool', () => {
  describe('construction', () => {
    it('has no limit by default (size null, freeCount() Infinity, never full)', () =>
      inFiber(() => {
        const pool = new Pool();
        expect(pool.size).to.equal(null);
        for (let i = 0; i < 50; i++) pool.spawn(() => sleep(5));
        expect(pool.full()).to.equal(false);
        expect(pool.freeCount()).to.equal(Infinity);
        expect(pool.waitAvailable()).to.equal(Infinity);
        expect(String(pool)).to.equal('<Pool size=unlimited free=Infinity length=50>');
        pool.join();
        expect(new Pool(null).size).to.equal(null);
      }));

    it('Pool(size) has size free slots', () => {
      const pool = new Pool(3);
      expect([pool.size, pool.freeCount(), pool.full(), pool.length]).to.deep.equal([3, 3, false, 0]);
      expect(pool).to.be.instanceOf(Group);
    });

    it('Pool(0) is always full: adding fails with a timeout, waitAvailable(ms) returns 0', () =>
      inFiber(() => {
        const pool = new Pool(0);
        expect(pool.full()).to.equal(true);
        expect(pool.waitAvailable(5)).to.equal(0);
        expect(() => pool.add(new Greenlet(() => 1), { timeout: 5 })).to.throw(PoolFull);
      }));

    it('add() checks its arguments before taking a slot', () => {
      const pool = new Pool(1);
      expectCode(() => pool.add('g'), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => pool.add(new Greenlet(() => 1), 5), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => pool.add(new Greenlet(() => 1), { timeout: 'soon' }), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => pool.add(new Greenlet(() => 1), { timeout: -1 }), 'ERR_OUT_OF_RANGE');
      expectCode(() => pool.spawn(42), 'ERR_INVALID_ARG_TYPE');
      expect(pool.freeCount()).to.equal(1);
    });

    it('rejects a bad size (ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE)', () => {
      expectCode(() => new Pool('3'), 'ERR_INVALID_ARG_TYPE');
      for (const bad of [-1, 1.5, NaN, Infinity]) expectCode(() => new Pool(bad), 'ERR_OUT_OF_RANGE');
    });
  });

  describe('capacity', () => {
    it('spawn() blocks while the pool is full, until a member finishes', () =>
      inFiber(() => {
        const pool = new Pool(2);
        const log = [];
        const cRan = new Event();
        pool.spawn(() => {
          sleep(20);
          log.push('a done');
        });
        pool.spawn(() => {
          cRan.wait();
          log.push('b done');
        });
        expect(pool.full()).to.equal(true);
        expect(pool.freeCount()).to.equal(0);
        pool.spawn(() => {
          log.push('c runs');
          cRan.set();
        });
        log.push('c spawned');
        expect(pool.length).to.equal(2);
        pool.join();
        expect(log).to.deep.equal(['a done', 'c spawned', 'c runs', 'b done']);
        expect(pool.freeCount()).to.equal(2);
      }));

    it('never runs more than size greenlets at once', () =>
      inFiber(() => {
        const pool = new Pool(3);
        const { fn, stats } = concurrencyProbe(2);
        for (let i = 0; i < 20; i++) {
          pool.spawn(fn, i);
          expect(pool.length).to.be.at.most(3);
        }
        pool.join();
        expect(stats.max).to.equal(3);
      }));

    it('gives freed slots to parked spawners in the order they parked', () =>
      inFiber(() => {
        const pool = new Pool(1);
        const order = [];
        pool.spawn(() => sleep(10));
        const spawners = ['x', 'y', 'z'].map((n) =>
          spawn(() => {
            pool.spawn(() => {
              order.push(n);
              sleep(2);
            });
          }),
        );
        sleep(0);
        for (const s of spawners) s.join();
        pool.join();
        expect(order).to.deep.equal(['x', 'y', 'z']);
      }));

    it('a freed slot no notification has handed out yet is free for any caller (as in gevent)', () =>
      inFiber(() => {
        const pool = new Pool(1);
        const order = [];
        const member = pool.spawn(() => sleep(10000));
        const parked = spawn(() => {
          pool.spawn(() => order.push('parked spawner got in'));
        });
        sleep(0);
        pool.discard(member); // frees the slot; the parked spawner is notified on the Hub, later
        pool.spawn(() => {
          order.push('caller got in');
          sleep(5);
        });
        order.push('caller did not block');
        parked.join();
        pool.join();
        member.kill();
        expect(order).to.deep.equal(['caller did not block', 'caller got in', 'parked spawner got in']);
      }));

    it('a spawner killed while it waits takes no slot; the next one gets it', () =>
      inFiber(() => {
        const pool = new Pool(1);
        pool.spawn(() => sleep(10));
        const killed = spawn(() => pool.spawn(() => 'never'));
        const next = spawn(() => pool.spawn(() => 'next ran').get());
        sleep(0);
        killed.kill();
        expect(killed.value).to.be.instanceOf(FiberExit);
        expect(next.get()).to.equal('next ran');
        pool.join();
        expect(pool.freeCount()).to.equal(1);
      }));

    it('a spawner woken with a slot but killed before it runs gives the slot back', () =>
      inFiber(() => {
        const pool = new Pool(1);
        const member = pool.spawn(() => sleep(10000));
        const victim = spawn(() => pool.spawn(() => 'victim ran'));
        const heir = spawn(() => pool.spawn(() => 'heir ran').get());
        const go = new Event();
        cutDrainBefore(go, () => victim.kill(undefined, { block: false }));
        sleep(0);
        go.set();
        pool.discard(member); // queues the notification that wakes the victim; the kill comes before it runs
        expect(victim.join(1000)).to.equal(true);
        expect(victim.value).to.be.instanceOf(FiberExit);
        expect(heir.get(1000)).to.equal('heir ran');
        member.kill();
        pool.join();
        expect(pool.freeCount()).to.equal(1);
      }));

    it('a Timeout around spawn() takes no slot', () =>
      inFiber(() => {
        const pool = new Pool(1);
        const first = pool.spawn(() => sleep(20));
        const t = new Timeout(5);
        t.start();
        let caught;
        try {
          pool.spawn(() => 'never');
        } catch (err) {
          caught = err;
        } finally {
          t.cancel();
        }
        expect(caught).to.equal(t.error);
        first.join();
        sleep(0);
        expect(pool.freeCount()).to.equal(1);
        expect(pool.length).to.equal(0);
      }));

    it('add() with a timeout throws PoolFull when no slot frees in time, and takes one that does', () =>
      inFiber(() => {
        const pool = new Pool(1);
        const first = pool.spawn(() => sleep(30));
        const err = expectCode(() => pool.add(new Greenlet(() => 1), { timeout: 0 }), 'ERR_POOL_FULL');
        expect(err).to.be.instanceOf(PoolFull);
        expect(err.name).to.equal('PoolFull');
        expect(() => pool.add(new Greenlet(() => 1), { timeout: 5 })).to.throw(PoolFull);
        const g = new Greenlet(() => 'added');
        pool.start(g, { timeout: 1000 });
        expect(first.dead).to.equal(true);
        expect(g.get()).to.equal('added');
      }));

    it('add() of a member takes no second slot; discard() frees the slot for a waiter', () =>
      inFiber(() => {
        const pool = new Pool(2);
        const g = pool.spawn(() => sleep(10000));
        pool.add(g);
        expect(pool.freeCount()).to.equal(1);
        pool.spawn(() => sleep(10000));
        const waiting = spawn(() => pool.spawn(() => 'got in').get());
        sleep(0);
        pool.discard(g);
        expect(waiting.get(1000)).to.equal('got in');
        g.kill();
        pool.kill();
        expect(pool.freeCount()).to.equal(2);
      }));

    it('waitAvailable() returns at once with a free slot, else blocks until one frees, without taking it', () =>
      inFiber(() => {
        const pool = new Pool(2);
        expect(pool.waitAvailable()).to.equal(2);
        const release = new Event();
        pool.spawn(() => sleep(10));
        pool.spawn(() => release.wait());
        expect(pool.waitAvailable(0)).to.equal(0);
        expect(pool.waitAvailable()).to.equal(1);
        expect(pool.length).to.equal(1);
        expect(pool.waitAvailable(5)).to.equal(1);
        release.set();
        pool.join();
        expectCode(() => pool.waitAvailable('soon'), 'ERR_INVALID_ARG_TYPE');
      }));

    it('in an event-loop callback spawns while a slot is free, and refuses to block when full', async () => {
      const pool = new Pool(1);
      const release = new Event();
      let g;
      expect(await thrownInCallback(() => (g = pool.spawn(() => release.wait())))).to.equal(undefined);
      expect(pool.length).to.equal(1);
      expect(await thrownInCallback(() => pool.spawn(() => 1))).to.be.instanceOf(BlockingSwitchOutError);
      expect(await thrownInCallback(() => pool.waitAvailable())).to.be.instanceOf(BlockingSwitchOutError);
      release.set();
      await inFiber(() => g.join());
      expect(pool.length).to.equal(0);
      expect(pool.freeCount()).to.equal(1);
    });

    it('blocks at a script\'s top level (the root) too', () => {
      const lines = runAtRoot(`
        const { Pool, sleep } = fibernet;
        const pool = new Pool(1);
        pool.spawn(() => { sleep(20); console.log('first done'); });
        pool.spawn(() => console.log('second runs'));
        console.log('second spawned');
        console.log(pool.map((x) => x * 2, [1, 2, 3]).join(','));
        pool.join();
        console.log('free', pool.freeCount());
      `);
      expect(lines).to.deep.equal(['first done', 'second spawned', 'second runs', '2,4,6', 'free 1']);
    });
  });
});

describe('Group and Pool: map(), imap(), imapUnordered()', () => {
  describe('map()', () => {
    it('returns the results in item order, whatever order the functions finish in', () =>
      inFiber(() => {
        const delays = [30, 5, 20, 1];
        expect(new Group().map((i) => (sleep(delays[i]), `r${i}`), [0, 1, 2, 3])).to.deep.equal(['r0', 'r1', 'r2', 'r3']);
        expect(new Pool(2).map((i) => (sleep(delays[i]), i * i), new Set([0, 1, 2, 3]))).to.deep.equal([0, 1, 4, 9]);
        expect(new Pool(2).map((x) => x, [])).to.deep.equal([]);
      }));

    it('on a Pool runs at most size functions at once', () =>
      inFiber(() => {
        const { fn, stats } = concurrencyProbe(3);
        expect(new Pool(2).map(fn, [1, 2, 3, 4, 5, 6])).to.deep.equal([1, 2, 3, 4, 5, 6]);
        expect(stats.max).to.equal(2);
      }));

    it('throws the error of the first failing item (item order), once the items before it are done', () =>
      captureErrors(getHub(), () =>
        inFiber(() => {
          const finished = [];
          const pool = new Pool(3);
          let caught;
          try {
            pool.map(
              (i) => {
                sleep([30, 10, 1][i]);
                if (i > 0) throw new Error(`item ${i}`);
                finished.push(i);
              },
              [0, 1, 2],
            );
          } catch (err) {
            caught = err;
          }
          expect(caught.message).to.equal('item 1');
          expect(finished).to.deep.equal([0]);
        }),
      ));

    it('checks its arguments and refuses to block in an event-loop callback', async () => {
      const group = new Group();
      expectCode(() => group.map('f', [1]), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => group.map((x) => x, 5), 'ERR_INVALID_ARG_TYPE');
      expect(await thrownInCallback(() => group.map((x) => x, [1]))).to.be.instanceOf(BlockingSwitchOutError);
    });
  });

  describe('imap()', () => {
    it('returns at once an iterator of the results in item order', () =>
      inFiber(() => {
        const delays = [30, 5, 20, 1];
        const started = [];
        const it = new Pool(2).imap((i) => {
          started.push(i);
          sleep(delays[i]);
          return `r${i}`;
        }, [0, 1, 2, 3]);
        expect(started).to.deep.equal([]);
        expect(it[Symbol.iterator]()).to.equal(it);
        expect([...it]).to.deep.equal(['r0', 'r1', 'r2', 'r3']);
        expect(it.next()).to.deep.equal({ done: true, value: undefined });
      }));

    it('on a Pool runs at most size functions at once', () =>
      inFiber(() => {
        const { fn, stats } = concurrencyProbe((x) => 7 - x);
        expect([...new Pool(3).imap(fn, [1, 2, 3, 4, 5, 6])]).to.deep.equal([1, 2, 3, 4, 5, 6]);
        expect(stats.max).to.equal(3);
      }));

    it('an item whose function throws makes its next() throw; reading goes on after it', () =>
      captureErrors(getHub(), () =>
        inFiber(() => {
          const it = new Group().imap((i) => {
            sleep(5 - i);
            if (i === 1) throw new Error('item 1');
            return i;
          }, [0, 1, 2]);
          const got = [];
          for (;;) {
            let r;
            try {
              r = it.next();
            } catch (err) {
              got.push(err.message);
              continue;
            }
            if (r.done) break;
            got.push(r.value);
          }
          expect(got).to.deep.equal([0, 'item 1', 2]);
        }),
      ));

    it('an error from the items\' iterator comes after the results before it, and ends the iteration', () =>
      captureErrors(getHub(), () =>
        inFiber(() => {
          const broken = new Error('items broke');
          function* items() {
            yield 1;
            yield 2;
            throw broken;
          }
          const it = new Group().imap((x) => x * 10, items());
          expect(it.next().value).to.equal(10);
          expect(it.next().value).to.equal(20);
          expect(() => it.next()).to.throw(broken);
          expect(it.next().done).to.equal(true);
        }),
      ));

    it('with maxsize starts the functions at most maxsize items ahead of the reader', () =>
      inFiber(() => {
        const started = [];
        const it = new Group().imap((i) => started.push(i) && i, [0, 1, 2, 3, 4], { maxsize: 2 });
        settle();
        expect(started).to.deep.equal([0, 1]);
        expect(it.next().value).to.equal(0);
        settle();
        expect(started).to.deep.equal([0, 1, 2]);
        expect([...it]).to.deep.equal([1, 2, 3, 4]);
      }));

    it('checks its arguments (maxsize an integer >= 1 or null)', () => {
      const group = new Group();
      expectCode(() => group.imap(null, [1]), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => group.imap((x) => x, {}), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => group.imap((x) => x, [1], 3), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => group.imap((x) => x, [1], { maxsize: '2' }), 'ERR_INVALID_ARG_TYPE');
      for (const bad of [0, -1, 1.5]) expectCode(() => group.imap((x) => x, [1], { maxsize: bad }), 'ERR_OUT_OF_RANGE');
      expect(group.length).to.equal(0);
    });

    it('next() refuses to block in an event-loop callback', async () => {
      const it = new Group().imap((x) => (sleep(5), x), [1]);
      expect(await thrownInCallback(() => it.next())).to.be.instanceOf(BlockingSwitchOutError);
      await inFiber(() => expect([...it]).to.deep.equal([1]));
    });
  });

  describe('imapUnordered()', () => {
    it('gives the results in the order the functions finish', () =>
      inFiber(() => {
        const delays = [400, 100, 300, 200];
        expect([...new Group().imapUnordered((i) => (sleep(delays[i]), i), [0, 1, 2, 3])]).to.deep.equal([1, 3, 2, 0]);
      }));

    it('on a Pool(1) finishes the items in item order', () =>
      inFiber(() => {
        const delays = [20, 1, 10];
        const { fn, stats } = concurrencyProbe((i) => delays[i]);
        expect([...new Pool(1).imapUnordered(fn, [0, 1, 2])]).to.deep.equal([0, 1, 2]);
        expect(stats.max).to.equal(1);
      }));

    it('a failing function is read as its error, in its place in completion order', () =>
      captureErrors(getHub(), () =>
        inFiber(() => {
          const it = new Group().imapUnordered((i) => {
            sleep([200, 1, 100][i]);
            if (i === 2) throw new Error('item 2');
            return i;
          }, [0, 1, 2]);
          expect(it.next().value).to.equal(1);
          expect(() => it.next()).to.throw('item 2');
          expect(it.next().value).to.equal(0);
          expect(it.next().done).to.equal(true);
        }),
      ));

    it('with maxsize starts the functions at most maxsize items ahead of the reader', () =>
      inFiber(() => {
        const started = [];
        const it = new Group().imapUnordered((i) => started.push(i) && i, [0, 1, 2, 3], { maxsize: 1 });
        sleep(5);
        expect(started).to.deep.equal([0]);
        expect([...it]).to.deep.equal([0, 1, 2, 3]);
      }));

    it('checks its arguments', () => {
      expectCode(() => new Group().imapUnordered((x) => x, [1], { maxsize: 0 }), 'ERR_OUT_OF_RANGE');
      expectCode(() => new Pool(1).imapUnordered(undefined, [1]), 'ERR_INVALID_ARG_TYPE');
    });
  });

  it('a killed function\'s result is its FiberExit', () =>
    inFiber(() => {
      const group = new Group();
      const it = group.imapUnordered((i) => (sleep(i === 0 ? 10000 : 5), i), [0, 1]);
      expect(it.next().value).to.equal(1);
      group.kill();
      const r = it.next();
      expect(r.value).to.be.instanceOf(FiberExit);
      expect(it.next().done).to.equal(true);
    }));
});
