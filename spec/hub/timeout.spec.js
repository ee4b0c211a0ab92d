'use strict';
const { expect } = require('chai');
const { Timeout, withTimeout, TimeoutError, Waiter, sleep, spawn } = require('../..');
const { inFiber, timersLeftBy } = require('./helpers');

function busy(ms) {
  const end = Date.now() + ms;
  while (Date.now() < end);
}

describe('Timeout', () => {
  it('raises its TimeoutError ("timed out", ETIMEDOUT) in the blocked fiber', async () => {
    const got = await inFiber(() => {
      const t = new Timeout(5).start();
      try {
        sleep(60000);
      } catch (e) {
        return { same: e === t.error, e };
      } finally {
        t.cancel();
      }
    });
    expect(got.same).to.equal(true);
    expect(got.e).to.be.instanceOf(TimeoutError);
    expect(got.e.message).to.equal('timed out');
    expect(got.e.code).to.equal('ETIMEDOUT');
  });

  it('raises the error it was given', async () => {
    const mine = new Error('mine');
    const got = await inFiber(() => {
      const t = Timeout.start(5, mine);
      try {
        new Waiter().get();
      } catch (e) {
        return e;
      } finally {
        t.cancel();
      }
    });
    expect(got).to.equal(mine);
  });

  it('is pending from start() until it fires', async () => {
    const states = await inFiber(() => {
      const t = new Timeout(5);
      const s = [t.pending];
      t.start();
      s.push(t.pending);
      try {
        sleep(60000);
      } catch (e) {
        s.push(t.pending);
      }
      return s;
    });
    expect(states).to.deep.equal([false, true, false]);
  });

  it('cancel() stops it from firing and clears its timer', async () => {
    let out;
    const left = await timersLeftBy(async () => {
      out = await inFiber(() => {
        const t = new Timeout(5).start();
        t.cancel();
        return t.pending;
      });
    });
    expect(out).to.equal(false);
    expect(left).to.equal(0);
  });

  it('start() while pending throws', async () => {
    const got = await inFiber(() => {
      const t = new Timeout(1000).start();
      try {
        t.start();
      } catch (e) {
        return e.message;
      } finally {
        t.cancel();
      }
    });
    expect(got).to.match(/already started/);
  });

  it('a null timeout never fires', async () => {
    const out = await inFiber(() => {
      const t = new Timeout(null).start();
      sleep(5);
      return t.pending;
    });
    expect(out).to.equal(false);
  });

  it('does not interrupt a fiber that is running; fires at its next blocking point', async () => {
    const log = [];
    await inFiber(() => {
      const t = new Timeout(2).start();
      try {
        busy(15);
        log.push('ran past the deadline');
        sleep(0);
        log.push('not reached');
      } catch (e) {
        log.push(e === t.error ? 'fired at sleep(0)' : 'other');
      }
    });
    expect(log).to.deep.equal(['ran past the deadline', 'fired at sleep(0)']);
  });

  function legacyParkThenBlock(cancelFirst) {
    // A plain Fiber parks outside any Waiter (old-API Fiber.yield()) while its
    // Timeout expires; old-API code resumes it later, and it then blocks.
    const { Fiber } = require('../..');
    return new Promise((resolve) => {
      const f = new Fiber(() => {
        const t = new Timeout(2).start();
        Fiber.yield();
        if (cancelFirst) t.cancel();
        try {
          sleep(1);
          resolve('no error');
        } catch (e) {
          resolve(e === t.error ? 'timeout delivered' : e);
        }
      });
      f.run();
      setTimeout(() => f.run(), 15);
    });
  }

  it('an expiry while the fiber is not blocked on the Hub is delivered at its next blocking call', async () => {
    expect(await legacyParkThenBlock(false)).to.equal('timeout delivered');
  });

  it('cancel() withdraws an expiry not delivered yet', async () => {
    expect(await legacyParkThenBlock(true)).to.equal('no error');
  });

  it('nested: the inner fires first and the outer stays pending', async () => {
    const got = await inFiber(() => {
      const outer = new Timeout(1000).start();
      const inner = new Timeout(5).start();
      try {
        sleep(60000);
      } catch (e) {
        return { inner: e === inner.error, outerPending: outer.pending };
      } finally {
        inner.cancel();
        outer.cancel();
      }
    });
    expect(got).to.deep.equal({ inner: true, outerPending: true });
  });

  it('nested: the outer fires through the inner one', async () => {
    const got = await inFiber(() => {
      const outer = new Timeout(5).start();
      try {
        withTimeout(1000, () => sleep(60000));
      } catch (e) {
        return e === outer.error;
      } finally {
        outer.cancel();
      }
    });
    expect(got).to.equal(true);
  });

  it('works on a fiber that waits on a Waiter switched later', async () => {
    const w = new Waiter();
    setTimeout(() => w.switch('late'), 300);
    const got = await inFiber(() => withTimeout(5, () => w.get(), { fallback: 'fallback' }));
    expect(got).to.equal('fallback');
  });

  it('rejects a negative duration', () => {
    expect(() => new Timeout(-5)).to.throw(RangeError);
  });
});

describe('withTimeout()', () => {
  it('returns what fn returns in time', async () => {
    expect(await inFiber(() => withTimeout(1000, () => (sleep(1), 'done')))).to.equal('done');
  });

  it('throws TimeoutError when fn runs out of time', async () => {
    const got = await inFiber(() => {
      try {
        withTimeout(5, () => sleep(60000));
      } catch (e) {
        return e;
      }
    });
    expect(got).to.be.instanceOf(TimeoutError);
  });

  it('returns the fallback instead, when one is given (even undefined)', async () => {
    expect(await inFiber(() => withTimeout(5, () => sleep(60000), { fallback: 'fb' }))).to.equal('fb');
    expect(await inFiber(() => withTimeout(5, () => sleep(60000), { fallback: undefined }))).to.equal(undefined);
  });

  it('lets fn\'s own errors through', async () => {
    const err = new Error('own');
    const got = await inFiber(() => {
      try {
        withTimeout(1000, () => {
          throw err;
        }, { fallback: 1 });
      } catch (e) {
        return e;
      }
    });
    expect(got).to.equal(err);
  });

  it('nested withTimeout: the inner one fires, the outer one keeps counting', async () => {
    const got = await inFiber(() =>
      withTimeout(1000, () => {
        const a = withTimeout(5, () => sleep(60000), { fallback: 'inner fired' });
        sleep(1);
        return `${a}; outer still fine`;
      }),
    );
    expect(got).to.equal('inner fired; outer still fine');
  });

  it('leaves no timer behind', async () => {
    const left = await timersLeftBy(() => inFiber(() => withTimeout(60000, () => sleep(1))));
    expect(left).to.equal(0);
  });
});
