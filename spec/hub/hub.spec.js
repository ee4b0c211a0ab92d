'use strict';
const { expect } = require('chai');
const { EventEmitter } = require('events');
const { getHub, Hub, spawn, sleep, Timeout, assertCanBlock, canBlock, TimeoutError, FiberExit, BlockingSwitchOutError } = require('../..');
const { inFiber, timersLeftBy } = require('./helpers');

/** A watcher on one EventEmitter event, counting start/stop calls. */
function eventWatcher(emitter, event, calls) {
  let listener = null;
  return {
    start(w) {
      calls.start++;
      listener = (v) => w.switch(v);
      emitter.once(event, listener);
    },
    stop() {
      calls.stop++;
      emitter.removeListener(event, listener);
    },
  };
}

describe('Hub', () => {
  it('getHub() returns the one Hub', () => {
    expect(getHub()).to.be.instanceOf(Hub);
    expect(getHub()).to.equal(getHub());
  });

  describe('wait(watcher)', () => {
    it('returns the value the watcher switches and stops it', async () => {
      const em = new EventEmitter();
      const calls = { start: 0, stop: 0 };
      setTimeout(() => em.emit('data', 'hello'), 2);
      const v = await inFiber(() => getHub().wait(eventWatcher(em, 'data', calls)));
      expect(v).to.equal('hello');
      expect(calls).to.deep.equal({ start: 1, stop: 1 });
      expect(em.listenerCount('data')).to.equal(0);
    });

    it('throws the error the watcher throws and stops it', async () => {
      const calls = { stop: 0 };
      const err = new Error('watcher error');
      const got = await inFiber(() => {
        try {
          getHub().wait({ start: (w) => setTimeout(() => w.throw(err), 1), stop: () => calls.stop++ });
        } catch (e) {
          return e;
        }
      });
      expect(got).to.equal(err);
      expect(calls.stop).to.equal(1);
    });

    it('returns at once when the watcher switches inside start()', async () => {
      const calls = { stop: 0 };
      const v = await inFiber(() => getHub().wait({ start: (w) => w.switch(7), stop: () => calls.stop++ }));
      expect(v).to.equal(7);
      expect(calls.stop).to.equal(1);
    });

    it('stops the watcher when start() throws', async () => {
      const calls = { stop: 0 };
      const got = await inFiber(() => {
        try {
          getHub().wait({
            start() {
              throw new Error('cannot start');
            },
            stop: () => calls.stop++,
          });
        } catch (e) {
          return e.message;
        }
      });
      expect(got).to.equal('cannot start');
      expect(calls.stop).to.equal(1);
    });

    it('times out with TimeoutError, stops the watcher and leaves no listener or timer', async () => {
      const em = new EventEmitter();
      const calls = { start: 0, stop: 0 };
      let got;
      const left = await timersLeftBy(async () => {
        got = await inFiber(() => {
          try {
            getHub().wait(eventWatcher(em, 'data', calls), { timeout: 5 });
          } catch (e) {
            return e;
          }
        });
      });
      expect(got).to.be.instanceOf(TimeoutError);
      expect(got.message).to.equal('timed out');
      expect(calls).to.deep.equal({ start: 1, stop: 1 });
      expect(em.listenerCount('data')).to.equal(0);
      expect(left).to.equal(0);
    });

    it('throws options.timeoutError on timeout', async () => {
      const mine = new Error('my timeout');
      const got = await inFiber(() => {
        try {
          getHub().wait({ start() {}, stop() {} }, { timeout: 1, timeoutError: mine });
        } catch (e) {
          return e;
        }
      });
      expect(got).to.equal(mine);
    });

    it('clears its timeout timer when the value comes first', async () => {
      let v;
      const left = await timersLeftBy(async () => {
        v = await inFiber(() => getHub().wait({ start: (w) => setImmediate(() => w.switch('fast')), stop() {} }, { timeout: 60000 }));
      });
      expect(v).to.equal('fast');
      expect(left).to.equal(0);
    });

    it('stops the watcher when the fiber is killed while waiting', async () => {
      const em = new EventEmitter();
      const calls = { start: 0, stop: 0 };
      const g = spawn(() => getHub().wait(eventWatcher(em, 'data', calls)));
      await inFiber(() => {
        sleep(0);
        g.kill();
      });
      expect(g.dead).to.equal(true);
      expect(g.value).to.be.instanceOf(FiberExit);
      expect(calls).to.deep.equal({ start: 1, stop: 1 });
      expect(em.listenerCount('data')).to.equal(0);
    });

    it('stops the watcher when a Timeout fires in the waiting fiber', async () => {
      const em = new EventEmitter();
      const calls = { start: 0, stop: 0 };
      const got = await inFiber(() => {
        const t = new Timeout(5).start();
        try {
          getHub().wait(eventWatcher(em, 'data', calls));
        } catch (e) {
          return e === t.error;
        } finally {
          t.cancel();
        }
      });
      expect(got).to.equal(true);
      expect(calls).to.deep.equal({ start: 1, stop: 1 });
      expect(em.listenerCount('data')).to.equal(0);
    });

    it('refuses to wait in an event-loop callback without starting the watcher', () => {
      const calls = { start: 0, stop: 0 };
      expect(() => getHub().wait({ start: () => calls.start++, stop: () => calls.stop++ })).to.throw(BlockingSwitchOutError, /spawn\(\)/);
      expect(calls).to.deep.equal({ start: 0, stop: 0 });
    });

    it('rejects a negative or non-number timeout with Node\'s codes', async () => {
      const errs = await inFiber(() => {
        const out = [];
        for (const timeout of [-1, 'soon', NaN]) {
          try {
            getHub().wait({ start() {}, stop() {} }, { timeout });
          } catch (e) {
            out.push(`${e.constructor.name} ${e.code}`);
          }
        }
        return out;
      });
      expect(errs).to.deep.equal(['RangeError ERR_OUT_OF_RANGE', 'TypeError ERR_INVALID_ARG_TYPE', 'RangeError ERR_OUT_OF_RANGE']);
    });
  });

  describe('schedule(fn)', () => {
    it('runs callbacks on the Hub, not inside schedule(), FIFO', async () => {
      const order = [];
      getHub().schedule(() => order.push(1));
      getHub().schedule(() => order.push(2));
      getHub().schedule(() => order.push(3));
      expect(order).to.deep.equal([]);
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      expect(order).to.deep.equal([1, 2, 3]);
    });

    it('runs a callback scheduled by a callback after those queued before it', async () => {
      const order = [];
      getHub().schedule(() => {
        order.push('first');
        getHub().schedule(() => order.push('later'));
      });
      getHub().schedule(() => order.push('second'));
      await new Promise((r) => setTimeout(r, 5));
      expect(order).to.deep.equal(['first', 'second', 'later']);
    });

    it('reports a callback that throws through handleError and keeps going', async () => {
      const hub = getHub();
      const seen = [];
      const orig = hub.handleError;
      hub.handleError = (ctx, err) => seen.push(err.message);
      const order = [];
      try {
        hub.schedule(() => {
          throw new Error('cb failed');
        });
        hub.schedule(() => order.push('next'));
        await new Promise((r) => setTimeout(r, 5));
      } finally {
        hub.handleError = orig;
      }
      expect(seen).to.deep.equal(['cb failed']);
      expect(order).to.deep.equal(['next']);
    });

    it('rejects a non-function', () => {
      expect(() => getHub().schedule(42)).to.throw(TypeError);
    });
  });

  describe('assertCanBlock(what)', () => {
    it('passes in a fiber', async () => {
      expect(await inFiber(() => (assertCanBlock('recv()'), canBlock()))).to.equal(true);
    });

    it('throws BlockingSwitchOutError naming the call in an event-loop callback', () => {
      expect(canBlock()).to.equal(false);
      let err;
      try {
        assertCanBlock('recv()');
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(BlockingSwitchOutError);
      expect(err.code).to.equal('ERR_BLOCKING_SWITCH_OUT');
      expect(err.message).to.include('recv()').and.include('use spawn()');
    });

    it('throws in a promise job, a nextTick and a timer callback', async () => {
      const results = await Promise.all([
        Promise.resolve().then(() => canBlock()),
        new Promise((r) => process.nextTick(() => r(canBlock()))),
        new Promise((r) => setTimeout(() => r(canBlock()), 0)),
        new Promise((r) => getHub().schedule(() => r(canBlock()))),
      ]);
      expect(results).to.deep.equal([false, false, false, false]);
    });
  });

  it('an error escaping a plain Fiber the Hub resumed becomes an uncaught exception', async () => {
    const { Fiber, Waiter } = require('../..');
    const w = new Waiter();
    const f = new Fiber(() => {
      w.get();
      throw new Error('plain fiber failed');
    });
    f.run();
    const listeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    let caught;
    try {
      await new Promise((resolve) => {
        process.once('uncaughtException', (e) => {
          caught = e;
          resolve();
        });
        w.switch();
      });
    } finally {
      for (const l of listeners) process.on('uncaughtException', l);
    }
    expect(caught.message).to.equal('plain fiber failed');
  });
});
