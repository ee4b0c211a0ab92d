'use strict';
const path = require('path');
const { expect } = require('chai');
const {
  Event,
  AsyncResult,
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
const { runAtRoot, expectCode: expectArgError } = require('./helpers');

describe('Event', () => {
  it('starts clear; set() and clear() flip isSet() and ready()', () => {
    const ev = new Event();
    expect([ev.isSet(), ev.ready()]).to.deep.equal([false, false]);
    ev.set();
    expect([ev.isSet(), ev.ready()]).to.deep.equal([true, true]);
    ev.clear();
    expect([ev.isSet(), ev.ready()]).to.deep.equal([false, false]);
  });

  it('wait() blocks until set() and returns true', async () => {
    const ev = new Event();
    const log = [];
    const r = await inFiber(() => {
      spawn(() => {
        log.push('setter');
        ev.set();
      });
      const got = ev.wait();
      log.push('woke');
      return got;
    });
    expect(r).to.equal(true);
    expect(log).to.deep.equal(['setter', 'woke']);
  });

  it('wait() on a set event returns true at once', async () => {
    const ev = new Event();
    ev.set();
    expect(await inFiber(() => ev.wait())).to.equal(true);
  });

  it('wait(ms) returns false when the time passes (never throws on timeout)', async () => {
    const ev = new Event();
    expect(await inFiber(() => ev.wait(5))).to.equal(false);
    expect(ev.linkCount).to.equal(0);
  });

  it('wait(0) never blocks, and is allowed in an event-loop callback', () => {
    const ev = new Event();
    expect(ev.wait(0)).to.equal(false);
    ev.set();
    expect(ev.wait(0)).to.equal(true);
    expect(ev.wait()).to.equal(true);
  });

  it('wait() on a clear event in an event-loop callback throws BlockingSwitchOutError', () => {
    const ev = new Event();
    expect(() => ev.wait()).to.throw(BlockingSwitchOutError, /Event\.wait\(\)/);
    expect(() => ev.wait(10)).to.throw(BlockingSwitchOutError);
    expect(ev.linkCount).to.equal(0);
  });

  it('set() wakes nobody by itself: waiters run later, on the Hub', async () => {
    const ev = new Event();
    const log = [];
    await inFiber(() => {
      const g = spawn(() => {
        ev.wait();
        log.push('waiter');
      });
      sleep(0);
      ev.set();
      log.push('after set');
      g.join();
    });
    expect(log).to.deep.equal(['after set', 'waiter']);
  });

  it('wakes waiters in the order they started waiting', async () => {
    const ev = new Event();
    const log = [];
    await inFiber(() => {
      const gs = [];
      for (const name of ['d', 'a', 'e', 'b', 'c']) {
        gs.push(
          spawn(() => {
            ev.wait();
            log.push(name);
          }),
        );
        sleep(0);
      }
      ev.set();
      for (const g of gs) g.join();
    });
    expect(log).to.deep.equal(['d', 'a', 'e', 'b', 'c']);
  });

  it('set() then clear() before the waiters run still wakes them, and their wait() returns true', async () => {
    const ev = new Event();
    const got = await inFiber(() => {
      const gs = [1, 2].map(() => spawn(() => [ev.wait(), ev.isSet()]));
      sleep(0);
      ev.set();
      ev.clear();
      return gs.map((g) => g.get());
    });
    expect(got).to.deep.equal([
      [true, false],
      [true, false],
    ]);
  });

  it('the notification runs after set(): a fiber that blocks after set()+clear() but before it ran is woken too', async () => {
    const ev = new Event();
    const got = await inFiber(() => {
      const early = spawn(() => ev.wait());
      sleep(0);
      ev.set();
      ev.clear();
      // The flag is clear, so this blocks; it links before the notification runs.
      const late = ev.wait(1000);
      return { early: early.get(), late, flag: ev.isSet() };
    });
    expect(got).to.deep.equal({ early: true, late: true, flag: false });
  });

  it('a fiber that finds it set while a notification is under way waits behind the notified ones', async () => {
    const ev = new Event();
    const log = [];
    await inFiber(() => {
      const gs = ['a', 'b'].map((n) =>
        spawn(() => {
          ev.wait();
          log.push(n);
        }),
      );
      sleep(0);
      ev.set();
      expect(ev.wait()).to.equal(true);
      log.push('late');
      for (const g of gs) g.join();
    });
    expect(log).to.deep.equal(['a', 'b', 'late']);
  });

  it('a Timeout raised while waiting leaves no link behind; the other waiters still wake', async () => {
    const ev = new Event();
    const got = await inFiber(() => {
      const other = spawn(() => ev.wait());
      let err;
      try {
        withTimeout(5, () => ev.wait());
      } catch (e) {
        err = e;
      }
      const links = ev.linkCount;
      ev.set();
      return { err, links, other: other.get() };
    });
    expect(got.err).to.be.instanceOf(TimeoutError);
    expect(got.links).to.equal(1);
    expect(got.other).to.equal(true);
  });

  it('kill() while waiting raises in the waiter and removes its link', async () => {
    const ev = new Event();
    const got = await inFiber(() => {
      const g = spawn(() => {
        try {
          ev.wait();
          return 'woke';
        } catch (e) {
          return e;
        }
      });
      sleep(0);
      const before = ev.linkCount;
      g.kill();
      return { before, after: ev.linkCount, value: g.value };
    });
    expect(got.before).to.equal(1);
    expect(got.after).to.equal(0);
    expect(got.value).to.be.instanceOf(FiberExit);
  });

  it('a waiter killed after set() but before it ran does not stop the others', async () => {
    const ev = new Event();
    const got = await inFiber(() => {
      const a = spawn(() => ev.wait());
      const b = spawn(() => ev.wait());
      sleep(0);
      ev.set();
      a.kill(undefined, { block: false });
      b.join();
      a.join();
      return { a: a.value instanceof FiberExit, b: b.value, links: ev.linkCount };
    });
    expect(got).to.deep.equal({ a: true, b: true, links: 0 });
  });

  it('rawlink() calls back on the Hub once set (not inside set()), once; unlink() withdraws it', async () => {
    const ev = new Event();
    const calls = [];
    const cb = (obj) => calls.push(obj === ev);
    const gone = () => calls.push('unlinked');
    ev.rawlink(cb);
    ev.rawlink(gone);
    ev.unlink(gone);
    ev.set();
    expect(calls).to.deep.equal([]);
    await new Promise((r) => setTimeout(r, 5));
    ev.clear();
    ev.set();
    await new Promise((r) => setTimeout(r, 5));
    expect(calls).to.deep.equal([true]);
  });

  it('rawlink() on a set event calls back soon', async () => {
    const ev = new Event();
    ev.set();
    const got = await new Promise((resolve) => ev.rawlink(resolve));
    expect(got).to.equal(ev);
  });

  it('rawlink() expects a function', () => {
    expectArgError(() => new Event().rawlink('x'), 'ERR_INVALID_ARG_TYPE');
  });

  it('works with wait() and iwait()', async () => {
    const e1 = new Event();
    const e2 = new Event();
    const got = await inFiber(() => {
      spawn(() => {
        e2.set();
        sleep(5);
        e1.set();
      });
      const first = wait([e1, e2], { count: 1 });
      const order = Array.from(iwait([e1, e2]));
      return { first, order };
    });
    expect(got.first).to.deep.equal([e2]);
    expect(got.order).to.deep.equal([e2, e1]);
  });

  it('wait() rejects bad timeouts', () => {
    const ev = new Event();
    expectArgError(() => ev.wait('x'), 'ERR_INVALID_ARG_TYPE');
    expectArgError(() => ev.wait(-5), 'ERR_OUT_OF_RANGE');
    expectArgError(() => ev.wait(NaN), 'ERR_OUT_OF_RANGE');
    ev.set();
    expectArgError(() => ev.wait('x'), 'ERR_INVALID_ARG_TYPE');
  });

  it('toString() shows the flag and the links', async () => {
    const ev = new Event();
    expect(String(ev)).to.equal('<Event clear links=0>');
    const g = spawn(() => ev.wait());
    await new Promise((r) => setTimeout(r, 5));
    expect(String(ev)).to.equal('<Event clear links=1>');
    ev.set();
    await new Promise((r) => g.link(r));
    expect(String(ev)).to.equal('<Event set links=0>');
  });

  it('blocks the root (a plain script) until a greenlet sets it', () => {
    const lines = runAtRoot(`
      const { Event, spawn, sleep } = fibernet;
      const ev = new Event();
      spawn(() => { sleep(5); console.log('set'); ev.set(); });
      console.log('timeout', ev.wait(1));
      console.log('waited', ev.wait());
    `);
    expect(lines).to.deep.equal(['timeout false', 'set', 'waited true']);
  });
});

describe('AsyncResult', () => {
  it('starts unset', () => {
    const r = new AsyncResult();
    expect([r.ready(), r.successful(), r.value, r.exception]).to.deep.equal([false, false, undefined, undefined]);
  });

  it('set(value) makes it ready and successful; get()/getNowait() return the value', () => {
    const r = new AsyncResult();
    r.set(42);
    expect([r.ready(), r.successful(), r.value, r.exception]).to.deep.equal([true, true, 42, undefined]);
    expect(r.get()).to.equal(42);
    expect(r.getNowait()).to.equal(42);
    expect(r.get(0)).to.equal(42);
  });

  it('set() with no value holds undefined, successfully', () => {
    const r = new AsyncResult();
    r.set();
    expect([r.ready(), r.successful(), r.get()]).to.deep.equal([true, true, undefined]);
  });

  it('setException(err) makes get()/getNowait() throw it; wait() returns true without throwing', async () => {
    const r = new AsyncResult();
    const err = new Error('boom');
    r.setException(err);
    expect([r.ready(), r.successful(), r.exception]).to.deep.equal([true, false, err]);
    expect(() => r.get()).to.throw(err);
    expect(() => r.getNowait()).to.throw(err);
    expect(await inFiber(() => r.wait())).to.equal(true);
  });

  it('a later set()/setException() replaces the outcome', () => {
    const r = new AsyncResult();
    r.set(1);
    r.set(2);
    expect(r.get()).to.equal(2);
    const err = new Error('later');
    r.setException(err);
    expect([r.successful(), r.value, r.exception]).to.deep.equal([false, undefined, err]);
    r.set(3);
    expect([r.successful(), r.value, r.exception]).to.deep.equal([true, 3, undefined]);
  });

  it('get() blocks until set, waking getters in the order they waited', async () => {
    const r = new AsyncResult();
    const log = [];
    await inFiber(() => {
      const gs = [];
      for (const i of [2, 0, 1]) {
        gs.push(spawn(() => log.push([i, r.get()])));
        sleep(0);
      }
      r.set('v');
      for (const g of gs) g.join();
    });
    expect(log).to.deep.equal([
      [2, 'v'],
      [0, 'v'],
      [1, 'v'],
    ]);
  });

  it('get() throws the exception to every blocked getter', async () => {
    const r = new AsyncResult();
    const err = new Error('boom');
    const got = await inFiber(() => {
      const gs = [1, 2].map(() =>
        spawn(() => {
          try {
            return r.get();
          } catch (e) {
            return e;
          }
        }),
      );
      sleep(0);
      setTimeout(() => r.setException(err), 1);
      return gs.map((g) => g.get());
    });
    expect(got).to.deep.equal([err, err]);
  });

  it('get(ms) throws TimeoutError when the time passes, and leaves no link', async () => {
    const r = new AsyncResult();
    const err = await inFiber(() => {
      try {
        r.get(5);
      } catch (e) {
        return e;
      }
    });
    expect(err).to.be.instanceOf(TimeoutError);
    expect(err.code).to.equal('ETIMEDOUT');
    expect(r.linkCount).to.equal(0);
  });

  it('get(0) and getNowait() throw TimeoutError at once when unset, even in an event-loop callback', () => {
    const r = new AsyncResult();
    expect(() => r.get(0)).to.throw(TimeoutError);
    expect(() => r.getNowait()).to.throw(TimeoutError);
  });

  it('get() and wait() in an event-loop callback throw BlockingSwitchOutError when unset', () => {
    const r = new AsyncResult();
    expect(() => r.get()).to.throw(BlockingSwitchOutError, /AsyncResult\.get\(\)/);
    expect(() => r.wait()).to.throw(BlockingSwitchOutError, /AsyncResult\.wait\(\)/);
    r.set(1);
    expect(r.get()).to.equal(1);
  });

  it('wait(ms) returns false on timeout, true once ready; wait(0) never blocks', async () => {
    const r = new AsyncResult();
    expect(r.wait(0)).to.equal(false);
    const got = await inFiber(() => {
      const before = r.wait(5);
      spawn(() => r.set('x'));
      return [before, r.wait(), r.wait(0)];
    });
    expect(got).to.deep.equal([false, true, true]);
  });

  it('kill() and Timeout while blocked in get() leave no link; a later set() reaches the others', async () => {
    const r = new AsyncResult();
    const got = await inFiber(() => {
      const killed = spawn(() => r.get());
      const timed = spawn(() => {
        const t = Timeout.start(5);
        try {
          return r.get();
        } catch (e) {
          return e === t.error ? 'timeout' : e;
        } finally {
          t.cancel();
        }
      });
      const live = spawn(() => r.get());
      sleep(0);
      killed.kill();
      timed.join();
      const links = r.linkCount;
      r.set('v');
      return { killed: killed.value instanceof FiberExit, timed: timed.value, links, live: live.get() };
    });
    expect(got).to.deep.equal({ killed: true, timed: 'timeout', links: 1, live: 'v' });
  });

  it('works with wait([result]) and rawlink()', async () => {
    const r = new AsyncResult();
    const seen = [];
    r.rawlink((obj) => seen.push(obj.value));
    const got = await inFiber(() => {
      spawn(() => r.set(7));
      return wait([r]);
    });
    expect(got).to.deep.equal([r]);
    await new Promise((res) => setImmediate(res));
    expect(seen).to.deep.equal([7]);
  });

  it('get() and wait() reject bad timeouts', () => {
    const r = new AsyncResult();
    expectArgError(() => r.get('x'), 'ERR_INVALID_ARG_TYPE');
    expectArgError(() => r.get(-1), 'ERR_OUT_OF_RANGE');
    expectArgError(() => r.wait({}), 'ERR_INVALID_ARG_TYPE');
    expectArgError(() => r.wait(-5), 'ERR_OUT_OF_RANGE');
    expectArgError(() => r.rawlink(null), 'ERR_INVALID_ARG_TYPE');
  });

  it('toString() shows the state', () => {
    const r = new AsyncResult();
    expect(String(r)).to.equal('<AsyncResult unset links=0>');
    r.set(1);
    expect(String(r)).to.equal('<AsyncResult value links=0>');
    r.setException(new Error('x'));
    expect(String(r)).to.equal('<AsyncResult error links=0>');
  });

  it('blocks the root (a plain script) in get() until a greenlet sets it', () => {
    const lines = runAtRoot(`
      const { AsyncResult, spawn, sleep, TimeoutError } = fibernet;
      const r = new AsyncResult();
      try { r.get(1); } catch (e) { console.log('timeout', e instanceof TimeoutError); }
      spawn(() => { sleep(5); r.set('v'); });
      console.log('got', r.get());
    `);
    expect(lines).to.deep.equal(['timeout true', 'got v']);
  });
});
