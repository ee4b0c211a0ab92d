'use strict';
const { expect } = require('chai');
const {
  Semaphore,
  BoundedSemaphore,
  Lock,
  RLock,
  OverReleaseError,
  LockNotOwnedError,
  Event,
  spawn,
  sleep,
  wait,
  iwait,
  withTimeout,
  Timeout,
  TimeoutError,
  FiberExit,
  BlockingSwitchOutError,
} = require('../..');
const { inFiber } = require('../hub/helpers');
const { runAtRoot, expectCode, cutDrainBefore } = require('./helpers');

/** Spawns one greenlet per name, each parked (in that order) in acquire() of `sem`, logging when it gets it. */
function parkAcquirers(sem, names, log) {
  const gs = [];
  for (const name of names) {
    gs.push(
      spawn(() => {
        const got = sem.acquire();
        log.push(name);
        return got;
      }),
    );
    sleep(0);
  }
  return gs;
}

describe('Semaphore', () => {
  it('has 1 permit by default; acquire()/release() move counter, locked() and ready()', () => {
    const s = new Semaphore();
    expect([s.counter, s.locked(), s.ready()]).to.deep.equal([1, false, true]);
    expect(s.acquire()).to.equal(true);
    expect([s.counter, s.locked(), s.ready()]).to.deep.equal([0, true, false]);
    s.release();
    expect(s.counter).to.equal(1);
  });

  it('takes any initial number of permits and may be released above it', () => {
    const s = new Semaphore(3);
    expect([s.acquire(), s.acquire(), s.acquire(), s.acquire(0)]).to.deep.equal([true, true, true, false]);
    s.release();
    s.release();
    s.release();
    s.release();
    expect(s.counter).to.equal(4);
  });

  it('rejects a bad initial value', () => {
    expectCode(() => new Semaphore(-1), 'ERR_OUT_OF_RANGE');
    expectCode(() => new Semaphore(1.5), 'ERR_OUT_OF_RANGE');
    expectCode(() => new Semaphore(NaN), 'ERR_OUT_OF_RANGE');
    expectCode(() => new Semaphore(Infinity), 'ERR_OUT_OF_RANGE');
    expectCode(() => new Semaphore('1'), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => new Semaphore(null), 'ERR_INVALID_ARG_TYPE');
    expect(new Semaphore(0).counter).to.equal(0);
  });

  it('acquire() rejects bad timeouts, even when a permit is free', () => {
    const s = new Semaphore(1);
    expectCode(() => s.acquire('x'), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => s.acquire(true), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => s.acquire(-5), 'ERR_OUT_OF_RANGE');
    expectCode(() => s.acquire(NaN), 'ERR_OUT_OF_RANGE');
    expect(s.counter).to.equal(1);
  });

  it('acquire(0) never blocks and is allowed in an event-loop callback', () => {
    const s = new Semaphore(1);
    expect(s.acquire(0)).to.equal(true);
    expect(s.acquire(0)).to.equal(false);
  });

  it('acquire() with no free permit in an event-loop callback throws BlockingSwitchOutError', () => {
    const s = new Semaphore(0);
    expect(() => s.acquire()).to.throw(BlockingSwitchOutError, /Semaphore\.acquire\(\)/);
    expect(() => s.acquire(10)).to.throw(BlockingSwitchOutError);
    expect(s.linkCount).to.equal(0);
  });

  it('acquire(ms) returns false when the time passes and leaves no waiter behind', async () => {
    const s = new Semaphore(0);
    const got = await inFiber(() => s.acquire(5));
    expect(got).to.equal(false);
    expect(s.linkCount).to.equal(0);
    s.release();
    expect(s.counter).to.equal(1);
  });

  it('blocks until released; waiters get permits in the order they started waiting', async () => {
    const s = new Semaphore(0);
    const log = [];
    await inFiber(() => {
      const gs = parkAcquirers(s, ['c', 'a', 'b'], log);
      for (let i = 0; i < 3; i++) {
        s.release();
        sleep(0);
      }
      for (const g of gs) g.join();
    });
    expect(log).to.deep.equal(['c', 'a', 'b']);
    expect(s.counter).to.equal(0);
  });

  it('release() wakes nobody by itself: the waiter runs later, on the Hub', async () => {
    const s = new Semaphore(0);
    const log = [];
    await inFiber(() => {
      const [g] = parkAcquirers(s, ['waiter'], log);
      s.release();
      log.push('released');
      g.join();
    });
    expect(log).to.deep.equal(['released', 'waiter']);
  });

  it('a released permit can be taken before the notification runs (no queueing behind waiters)', async () => {
    const s = new Semaphore(0);
    const got = await inFiber(() => {
      const [g] = parkAcquirers(s, ['waiter'], []);
      s.release();
      const stolen = s.acquire(0);
      sleep(0);
      sleep(0);
      const waiterStillWaits = !g.dead;
      s.release();
      g.join();
      return { stolen, waiterStillWaits, dead: g.dead };
    });
    expect(got).to.deep.equal({ stolen: true, waiterStillWaits: true, dead: true });
  });

  it('once the notification ran the permit is the woken waiter\'s, even before that waiter runs', async () => {
    const s = new Semaphore(0);
    const got = await inFiber(() => {
      const log = [];
      const [a] = parkAcquirers(s, ['a'], log);
      let seen = null;
      const go = new Event();
      // Runs after the notification woke `a`, before `a` runs.
      cutDrainBefore(go, () => {
        seen = { tried: s.acquire(0), counter: s.counter, aRan: log.length };
      });
      sleep(0);
      go.set();
      s.release();
      a.join();
      return { seen, log };
    });
    expect(got.seen).to.deep.equal({ tried: false, counter: 0, aRan: 0 });
    expect(got.log).to.deep.equal(['a']);
  });

  it('a waiter killed while waiting leaves no stale link; the next release goes to the next live waiter', async () => {
    const s = new Semaphore(0);
    const got = await inFiber(() => {
      const log = [];
      const [a, b] = parkAcquirers(s, ['a', 'b'], log);
      a.kill();
      const links = s.linkCount;
      s.release();
      b.join();
      return { a: a.value instanceof FiberExit, log, links, counter: s.counter };
    });
    expect(got).to.deep.equal({ a: true, log: ['b'], links: 1, counter: 0 });
  });

  it('a waiter killed after the notification picked it, before it ran, hands the permit on', async () => {
    const s = new Semaphore(0);
    const got = await inFiber(() => {
      const log = [];
      const [a, b] = parkAcquirers(s, ['a', 'b'], log);
      s.release();
      // The kill reaches `a` after the notification reserved the permit for it.
      a.kill(undefined, { block: false });
      b.join();
      a.join();
      return { a: a.value instanceof FiberExit, log, counter: s.counter, links: s.linkCount };
    });
    expect(got).to.deep.equal({ a: true, log: ['b'], counter: 0, links: 0 });
  });

  it('Timeout and withTimeout around acquire(): TimeoutError, no permit leaked, no stale waiter', async () => {
    const s = new Semaphore(0);
    const got = await inFiber(() => {
      let viaWith;
      try {
        withTimeout(5, () => s.acquire());
      } catch (e) {
        viaWith = e;
      }
      const t = Timeout.start(5);
      let viaTimeout;
      try {
        s.acquire();
      } catch (e) {
        viaTimeout = e === t.error;
      } finally {
        t.cancel();
      }
      const links = s.linkCount;
      s.release();
      return { viaWith, viaTimeout, links, counter: s.counter };
    });
    expect(got.viaWith).to.be.instanceOf(TimeoutError);
    expect(got.viaTimeout).to.equal(true);
    expect(got.links).to.equal(0);
    expect(got.counter).to.equal(1);
  });

  it('two releases before the notification wake the two longest waiters, one after the other', async () => {
    const s = new Semaphore(0);
    const got = await inFiber(() => {
      const log = [];
      const gs = [];
      for (const name of ['a', 'b', 'c']) {
        gs.push(
          spawn(() => {
            s.acquire();
            log.push(`${name}:${s.counter}`);
          }),
        );
        sleep(0);
      }
      s.release();
      s.release();
      sleep(0);
      const afterTwo = log.slice();
      s.release();
      for (const g of gs) g.join();
      return { afterTwo, log };
    });
    // As in gevent, the first woken takes its permit before the second is handed out.
    expect(got.afterTwo).to.deep.equal(['a:1', 'b:0']);
    expect(got.log).to.deep.equal(['a:1', 'b:0', 'c:0']);
  });

  it('run(fn) holds a permit while fn runs, returns its result, and releases even when fn throws', async () => {
    const s = new Semaphore(1);
    const got = await inFiber(() => {
      const inside = s.run(() => s.counter);
      let err;
      try {
        s.run(() => {
          throw new Error('inner');
        });
      } catch (e) {
        err = e.message;
      }
      return { inside, err, after: s.counter };
    });
    expect(got).to.deep.equal({ inside: 0, err: 'inner', after: 1 });
  });

  it('run() excludes: concurrent runs with one permit do not overlap', async () => {
    const s = new Semaphore(1);
    const log = await inFiber(() => {
      const out = [];
      const gs = ['a', 'b', 'c'].map((n) =>
        spawn(() =>
          s.run(() => {
            out.push(`${n}+`);
            sleep(1);
            out.push(`${n}-`);
          }),
        ),
      );
      for (const g of gs) g.join();
      return out;
    });
    expect(log).to.deep.equal(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
  });

  it('run(fn, ms) throws TimeoutError if no permit came in time, without calling fn', async () => {
    const s = new Semaphore(0);
    const got = await inFiber(() => {
      let called = false;
      try {
        s.run(() => (called = true), 5);
      } catch (e) {
        return { e, called, counter: s.counter };
      }
    });
    expect(got.e).to.be.instanceOf(TimeoutError);
    expect(got.called).to.equal(false);
    expect(got.counter).to.equal(0);
    expect(() => s.run(() => 1, 0)).to.throw(TimeoutError);
  });

  it('run() rejects bad arguments', () => {
    const s = new Semaphore(1);
    expectCode(() => s.run('x'), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => s.run(() => 1, 'x'), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => s.run(() => 1, -1), 'ERR_OUT_OF_RANGE');
    expect(s.counter).to.equal(1);
  });

  it('is Linkable: wait([sem]) returns once a permit is free; rawlink() calls back on the Hub', async () => {
    const s = new Semaphore(0);
    const seen = [];
    s.rawlink((obj) => seen.push(obj.counter));
    const got = await inFiber(() => {
      spawn(() => s.release());
      const ready = wait([s]);
      const iter = Array.from(iwait([s]));
      return { ready, iter };
    });
    expect(got.ready).to.deep.equal([s]);
    expect(got.iter).to.deep.equal([s]);
    expect(seen).to.deep.equal([1]);
    expectCode(() => s.rawlink(42), 'ERR_INVALID_ARG_TYPE');
  });

  it('toString() shows the counter and the waiters', () => {
    expect(String(new Semaphore(2))).to.equal('<Semaphore counter=2 links=0>');
    expect(String(new BoundedSemaphore(1))).to.equal('<BoundedSemaphore counter=1 links=0>');
  });

  it('blocks the root (a plain script) in acquire() until a greenlet releases', () => {
    const lines = runAtRoot(`
      const { Semaphore, spawn, sleep } = fibernet;
      const s = new Semaphore(0);
      console.log('timeout', s.acquire(1));
      spawn(() => { sleep(5); console.log('release'); s.release(); });
      console.log('acquired', s.acquire(), s.counter);
    `);
    expect(lines).to.deep.equal(['timeout false', 'release', 'acquired true 0']);
  });
});

describe('BoundedSemaphore', () => {
  it('throws OverReleaseError (ERR_OVER_RELEASE) on a release above its initial value, changing nothing', () => {
    const b = new BoundedSemaphore(2);
    expect(b.bound).to.equal(2);
    const err = expectCode(() => b.release(), 'ERR_OVER_RELEASE');
    expect(err).to.be.instanceOf(OverReleaseError);
    expect(err).to.be.instanceOf(RangeError);
    expect(err.name).to.equal('OverReleaseError');
    expect(err.message).to.equal('Semaphore released too many times');
    expect(b.counter).to.equal(2);
    b.acquire();
    b.release();
    expect(() => b.release()).to.throw(OverReleaseError);
  });

  it('counts a permit handed to a woken waiter as taken', async () => {
    const b = new BoundedSemaphore(1);
    const got = await inFiber(() => {
      b.acquire();
      const [w] = parkAcquirers(b, ['w'], []);
      b.release();
      sleep(0);
      const counter = b.counter;
      let err = null;
      try {
        b.release();
      } catch (e) {
        err = e;
      }
      w.join();
      return { counter, err, after: b.counter };
    });
    expect(got.counter).to.equal(0);
    expect(got.err).to.equal(null);
    expect(got.after).to.equal(1);
  });

  it('rejects a bad initial value', () => {
    expectCode(() => new BoundedSemaphore(-1), 'ERR_OUT_OF_RANGE');
    expectCode(() => new BoundedSemaphore('2'), 'ERR_INVALID_ARG_TYPE');
  });

  it('is a Semaphore', () => {
    expect(new BoundedSemaphore()).to.be.instanceOf(Semaphore);
    expect(new BoundedSemaphore().counter).to.equal(1);
  });
});

describe('Lock', () => {
  it('is a BoundedSemaphore(1): acquire(), release(), locked()', () => {
    const l = new Lock();
    expect(l).to.be.instanceOf(BoundedSemaphore);
    expect(l.locked()).to.equal(false);
    expect(l.acquire()).to.equal(true);
    expect(l.locked()).to.equal(true);
    expect(l.acquire(0)).to.equal(false);
    l.release();
    expect(l.locked()).to.equal(false);
    expect(String(l)).to.equal('<Lock counter=1 links=0>');
  });

  it('releasing it while unlocked throws OverReleaseError (ERR_OVER_RELEASE)', () => {
    const l = new Lock();
    const err = expectCode(() => l.release(), 'ERR_OVER_RELEASE');
    expect(err).to.be.instanceOf(OverReleaseError);
    expect(err.message).to.equal('release unlocked lock');
    expect(l.locked()).to.equal(false);
  });

  it('has no owner: another fiber may release it', async () => {
    const l = new Lock();
    l.acquire();
    await inFiber(() => l.release());
    expect(l.locked()).to.equal(false);
  });

  it('run() gives mutual exclusion and returns fn\'s result', async () => {
    const l = new Lock();
    const got = await inFiber(() => {
      let inside = 0;
      let most = 0;
      const gs = [1, 2, 3].map((n) =>
        spawn(() =>
          l.run(() => {
            inside++;
            most = Math.max(most, inside);
            sleep(1);
            inside--;
            return n * 10;
          }),
        ),
      );
      return { values: gs.map((g) => g.get()), most, locked: l.locked() };
    });
    expect(got).to.deep.equal({ values: [10, 20, 30], most: 1, locked: false });
  });

  it('a killed and a timed-out waiter take nothing; the lock goes to the next live waiter', async () => {
    const l = new Lock();
    const got = await inFiber(() => {
      l.acquire();
      const log = [];
      const killed = spawn(() => l.acquire());
      sleep(0);
      const timed = spawn(() => l.acquire(5));
      sleep(0);
      const [live] = parkAcquirers(l, ['live'], log);
      killed.kill();
      timed.join();
      const links = l.linkCount;
      l.release();
      live.join();
      return { killed: killed.value instanceof FiberExit, timed: timed.value, links, log, locked: l.locked() };
    });
    expect(got).to.deep.equal({ killed: true, timed: false, links: 1, log: ['live'], locked: true });
  });
});

describe('RLock', () => {
  it('is re-entrant for its holder; unlocked after as many releases as acquires', async () => {
    const r = new RLock();
    const got = await inFiber(() => {
      const states = [r.acquire(), r.acquire(), r.acquire(0), r.locked()];
      r.release();
      r.release();
      states.push(r.locked());
      r.release();
      states.push(r.locked());
      return states;
    });
    expect(got).to.deep.equal([true, true, true, true, true, false]);
  });

  it('another fiber cannot take it (acquire(ms) false, acquire(0) false) or release it', async () => {
    const r = new RLock();
    const got = await inFiber(() => {
      r.acquire();
      const other = spawn(() => {
        let err;
        try {
          r.release();
        } catch (e) {
          err = e;
        }
        return { timed: r.acquire(5), now: r.acquire(0), err };
      });
      const res = other.get();
      r.release();
      return res;
    });
    expect(got.timed).to.equal(false);
    expect(got.now).to.equal(false);
    expect(got.err).to.be.instanceOf(LockNotOwnedError);
    expect(got.err.code).to.equal('ERR_LOCK_NOT_OWNED');
    expect(got.err.name).to.equal('LockNotOwnedError');
    expect(got.err.message).to.match(/^cannot release un-acquired lock: held by Greenlet#\d+/);
  });

  it('releasing it when nobody holds it throws LockNotOwnedError', () => {
    const r = new RLock();
    const err = expectCode(() => r.release(), 'ERR_LOCK_NOT_OWNED');
    expect(err.message).to.include('held by nobody');
  });

  it('a blocked fiber gets it once the holder released every level, in FIFO order', async () => {
    const r = new RLock();
    const got = await inFiber(() => {
      const log = [];
      r.acquire();
      r.acquire();
      const gs = [];
      for (const n of ['b', 'a']) {
        gs.push(
          spawn(() => {
            r.acquire();
            log.push(n);
            r.release();
          }),
        );
        sleep(0);
      }
      r.release();
      sleep(0);
      const afterOne = log.length;
      r.release();
      for (const g of gs) g.join();
      return { afterOne, log, locked: r.locked() };
    });
    expect(got).to.deep.equal({ afterOne: 0, log: ['b', 'a'], locked: false });
  });

  it('a waiter killed while blocked leaves it usable by the next one', async () => {
    const r = new RLock();
    const got = await inFiber(() => {
      r.acquire();
      const killed = spawn(() => r.acquire());
      sleep(0);
      const next = spawn(() => {
        r.acquire();
        const held = r.locked();
        r.release();
        return held;
      });
      sleep(0);
      killed.kill();
      r.release();
      return { killed: killed.value instanceof FiberExit, next: next.get(), locked: r.locked() };
    });
    expect(got).to.deep.equal({ killed: true, next: true, locked: false });
  });

  it('run() nests for the holder and releases every level', async () => {
    const r = new RLock();
    const got = await inFiber(() => r.run(() => r.run(() => r.locked())));
    expect(got).to.equal(true);
    expect(r.locked()).to.equal(false);
    expect(String(r)).to.equal('<RLock unlocked>');
  });

  it('run(fn, ms) throws TimeoutError when another fiber holds it', async () => {
    const r = new RLock();
    const got = await inFiber(() => {
      r.acquire();
      const other = spawn(() => {
        try {
          r.run(() => 'ran', 5);
        } catch (e) {
          return e;
        }
      });
      const e = other.get();
      r.release();
      return e;
    });
    expect(got).to.be.instanceOf(TimeoutError);
  });

  it('in an event-loop callback: acquire(0) works, blocking throws BlockingSwitchOutError, a fiber cannot release it', async () => {
    const r = new RLock();
    expect(r.acquire(0)).to.equal(true);
    expect(r.acquire(0)).to.equal(true);
    expect(String(r)).to.equal('<RLock held by an event-loop callback count=2>');
    const err = await inFiber(() => {
      try {
        r.release();
      } catch (e) {
        return e;
      }
    });
    expect(err).to.be.instanceOf(LockNotOwnedError);
    r.release();
    r.release();
    expect(r.locked()).to.equal(false);
    await inFiber(() => r.acquire());
    expect(() => r.acquire()).to.throw(BlockingSwitchOutError, /RLock\.acquire\(\)/);
    expect(r.acquire(0)).to.equal(false);
  });

  it('rejects bad arguments', () => {
    const r = new RLock();
    expectCode(() => r.acquire('x'), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => r.acquire(-1), 'ERR_OUT_OF_RANGE');
    expectCode(() => r.run(null), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => r.run(() => 1, {}), 'ERR_INVALID_ARG_TYPE');
    expect(r.locked()).to.equal(false);
  });

  it('is re-entrant for the root (a plain script), which others cannot release', () => {
    const lines = runAtRoot(`
      const { RLock, spawn } = fibernet;
      const r = new RLock();
      console.log('acquired', r.acquire(), r.acquire());
      const g = spawn(() => { try { r.release(); } catch (e) { return e.code; } });
      console.log('other release', g.get());
      r.release();
      r.release();
      console.log('locked', r.locked());
    `);
    expect(lines).to.deep.equal(['acquired true true', 'other release ERR_LOCK_NOT_OWNED', 'locked false']);
  });
});
