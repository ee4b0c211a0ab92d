'use strict';
const { expect } = require('chai');
const fs = require('fs');
const { waitFor, blocking, spawn, sleep, TimeoutError, BlockingSwitchOutError } = require('../..');
const { inFiber } = require('./helpers');

describe('waitFor()', () => {
  it('returns the value of a resolved promise', async () => {
    expect(await inFiber(() => waitFor(Promise.resolve(42)))).to.equal(42);
  });

  it('waits for a promise settled later', async () => {
    expect(await inFiber(() => waitFor(new Promise((r) => setTimeout(() => r('later'), 5))))).to.equal('later');
  });

  it('throws the reason of a rejected promise', async () => {
    const err = new Error('rejected');
    const got = await inFiber(() => {
      try {
        waitFor(Promise.reject(err));
      } catch (e) {
        return e;
      }
    });
    expect(got).to.equal(err);
  });

  it('returns a non-thenable as is', async () => {
    expect(await inFiber(() => waitFor(7))).to.equal(7);
  });

  it('accepts any thenable', async () => {
    const thenable = { then: (ok) => setTimeout(() => ok('thenable'), 1) };
    expect(await inFiber(() => waitFor(thenable))).to.equal('thenable');
  });

  it('throws TimeoutError when the promise is too slow, with no unhandled rejection later', async () => {
    let unhandled = 0;
    const onUnhandled = () => unhandled++;
    process.on('unhandledRejection', onUnhandled);
    try {
      const got = await inFiber(() => {
        try {
          waitFor(new Promise((_, rej) => setTimeout(() => rej(new Error('late')), 20)), { timeout: 2 });
        } catch (e) {
          return e;
        }
      });
      expect(got).to.be.instanceOf(TimeoutError);
      await new Promise((r) => setTimeout(r, 30));
    } finally {
      process.removeListener('unhandledRejection', onUnhandled);
    }
    expect(unhandled).to.equal(0);
  });

  it('works with promises created, chained and awaited inside the fiber', async () => {
    const got = await inFiber(() => {
      const p = (async () => {
        const a = await fs.promises.readFile(__filename, 'utf8');
        await new Promise((r) => setTimeout(r, 1));
        return a.length;
      })();
      return waitFor(p.then((n) => n > 0));
    });
    expect(got).to.equal(true);
  });

  it('many fibers waiting on promises all resume', async () => {
    const gs = [];
    for (let i = 0; i < 50; i++) gs.push(spawn(() => waitFor(new Promise((r) => setTimeout(() => r(i), i % 5)))));
    const values = await inFiber(() => gs.map((g) => g.get()));
    expect(values).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
  });

  it('refuses to block in an event-loop callback', () => {
    expect(() => waitFor(Promise.resolve(1))).to.throw(BlockingSwitchOutError);
  });
});

describe('blocking()', () => {
  function later(value, err, cb) {
    setTimeout(() => cb(err, value), 1);
  }

  it('turns a callback-last function into one that returns the result', async () => {
    const f = blocking(later);
    expect(await inFiber(() => f('v', null))).to.equal('v');
  });

  it('throws the callback\'s error', async () => {
    const err = new Error('cb error');
    const f = blocking(later);
    const got = await inFiber(() => {
      try {
        f('v', err);
      } catch (e) {
        return e;
      }
    });
    expect(got).to.equal(err);
  });

  it('works on fs.readFile', async () => {
    const readFile = blocking(fs.readFile);
    expect(await inFiber(() => readFile(__filename, 'utf8'))).to.include("describe('blocking()'");
  });

  it('passes this through, for methods', async () => {
    const obj = {
      base: 10,
      add(n, cb) {
        setImmediate(() => cb(null, this.base + n));
      },
    };
    obj.addSync = blocking(obj.add);
    expect(await inFiber(() => obj.addSync(5))).to.equal(15);
  });

  it('returns at once when the callback is called synchronously', async () => {
    const f = blocking((x, cb) => cb(null, x * 2));
    expect(await inFiber(() => f(21))).to.equal(42);
  });

  it('lets a synchronous throw escape', async () => {
    const f = blocking(() => {
      throw new Error('sync');
    });
    const got = await inFiber(() => {
      try {
        f();
      } catch (e) {
        return e.message;
      }
    });
    expect(got).to.equal('sync');
  });

  it('ignores a callback called after the fiber stopped waiting', async () => {
    let cb;
    const f = blocking((c) => {
      cb = c;
    });
    const g = spawn(() => f());
    await inFiber(() => {
      sleep(0);
      g.kill();
    });
    cb(null, 'too late');
    expect(g.value).to.be.instanceOf(Error);
  });

  it('keeps the function name and rejects a non-function', () => {
    expect(blocking(fs.readFile).name).to.equal('readFile');
    expect(() => blocking(1)).to.throw(TypeError);
  });

  it('refuses to block in an event-loop callback', () => {
    expect(() => blocking(later)('v', null)).to.throw(BlockingSwitchOutError);
  });
});
