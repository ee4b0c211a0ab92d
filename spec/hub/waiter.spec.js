'use strict';
const { expect } = require('chai');
const { Waiter, Fiber, spawn, sleep, getHub, ConcurrentObjectUseError, InvalidSwitchError, BlockingSwitchOutError } = require('../..');
const { inFiber } = require('./helpers');

describe('Waiter', () => {
  it('returns a value switched before get() without blocking', () => {
    const w = new Waiter();
    w.switch(5);
    expect(w.ready()).to.equal(true);
    expect(w.get()).to.equal(5);
  });

  it('throws an error thrown before get()', () => {
    const w = new Waiter();
    const err = new Error('x');
    w.throw(err);
    expect(() => w.get()).to.throw(err);
  });

  it('is not ready until switched', () => {
    expect(new Waiter().ready()).to.equal(false);
  });

  it('parks a fiber until a timer switches it', async () => {
    const w = new Waiter();
    setTimeout(() => w.switch('from timer'), 5);
    expect(await inFiber(() => w.get())).to.equal('from timer');
  });

  it('parks a fiber until a timer throws into it', async () => {
    const w = new Waiter();
    const err = new Error('from timer');
    setTimeout(() => w.throw(err), 5);
    const got = await inFiber(() => {
      try {
        w.get();
      } catch (e) {
        return e;
      }
    });
    expect(got).to.equal(err);
  });

  it('keeps the first switch and ignores later ones', () => {
    const w = new Waiter();
    w.switch(1);
    w.switch(2);
    w.throw(new Error('late'));
    expect(w.get()).to.equal(1);
  });

  it('a switch from another fiber queues the target, never runs it inside the waker', async () => {
    const log = [];
    const w = new Waiter();
    const a = spawn(() => {
      log.push('a waits');
      log.push(`a got ${w.get()}`);
    });
    const b = spawn(() => {
      log.push('b switches');
      w.switch(1);
      log.push('b continues');
    });
    await inFiber(() => {
      a.join();
      b.join();
    });
    expect(log).to.deep.equal(['a waits', 'b switches', 'b continues', 'a got 1']);
  });

  it('resumes fibers in the order they became ready', async () => {
    const ws = [new Waiter(), new Waiter(), new Waiter()];
    const order = [];
    const gs = ws.map((w, i) => spawn(() => order.push(`${i}:${w.get()}`)));
    await inFiber(() => {
      sleep(0);
      ws[2].switch('c');
      ws[0].switch('a');
      ws[1].switch('b');
      for (const g of gs) g.join();
    });
    expect(order).to.deep.equal(['2:c', '0:a', '1:b']);
  });

  it('refuses a second fiber waiting on it with ConcurrentObjectUseError', async () => {
    const w = new Waiter();
    const first = spawn(() => w.get());
    const err = await inFiber(() => {
      sleep(0);
      try {
        w.get();
      } catch (e) {
        return e;
      } finally {
        w.switch('done');
        first.join();
      }
    });
    expect(err).to.be.instanceOf(ConcurrentObjectUseError);
    expect(err.message).to.match(/This Waiter is already used by Greenlet#\d+/);
    expect(first.value).to.equal('done');
  });

  it('raises InvalidSwitchError naming both when the parked fiber is resumed by something else', async () => {
    const w = new Waiter();
    const result = {};
    const f = new Fiber(() => {
      try {
        w.get();
      } catch (e) {
        result.err = e;
      }
    });
    f.run(); // parks in w.get() and yields back here
    f.run('intruder'); // a foreign switch
    expect(result.err).to.be.instanceOf(InvalidSwitchError);
    expect(result.err.message).to.match(/^Invalid switch into a Fiber: got 'intruder' \(expected <Waiter/);
    // the Waiter stays usable and the Hub does not resume the fiber again
    w.switch(1);
    await new Promise((r) => setImmediate(r));
    expect(f.started).to.equal(false);
  });

  it('refuses get() in an event-loop callback with BlockingSwitchOutError', () => {
    // mocha runs this test inside an event-loop callback
    const w = new Waiter();
    expect(() => w.get()).to.throw(BlockingSwitchOutError, /Waiter\.get\(\).*spawn\(\)/);
  });

  it('get() on a ready Waiter does not block even in a callback', () => {
    const w = new Waiter();
    w.switch('ok');
    expect(w.get()).to.equal('ok');
  });

  it('lets old-API code run a fiber that blocks on the Hub: it yields to its runner', async () => {
    const w = new Waiter();
    const log = [];
    await inFiber(() => {
      const inner = new Fiber(() => {
        log.push('inner waits');
        log.push(`inner got ${w.get()}`);
        return 'inner done';
      });
      const r = inner.run();
      log.push(`outer resumed with ${r}`);
      w.switch('v');
      sleep(0);
      log.push(`inner started: ${inner.started}`);
    });
    expect(log).to.deep.equal(['inner waits', 'outer resumed with undefined', 'inner got v', 'inner started: false']);
  });

  it('has a readable toString', () => {
    const w = new Waiter();
    expect(String(w)).to.equal('<Waiter empty>');
    w.switch(1);
    expect(String(w)).to.equal('<Waiter value>');
    expect(getHub()).to.equal(getHub());
  });
});
