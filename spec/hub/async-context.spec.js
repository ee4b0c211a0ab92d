'use strict';
// Per-fiber async context, through the Hub.
const { expect } = require('chai');
const { AsyncLocalStorage, executionAsyncId, executionAsyncResource, createHook } = require('async_hooks');
const { spawn, sleep, joinAll, waitFor, Waiter } = require('../..');
const { inFiber, runFixture } = require('./helpers');

describe('per-fiber async context', () => {
  it('a batch of woken greenlets, handing control from one to the next, each keeps its own context', async () => {
    const als = new AsyncLocalStorage();
    const waiters = Array.from({ length: 50 }, () => new Waiter());
    const order = [];
    const greenlets = waiters.map((w, i) =>
      spawn(() => {
        als.enterWith(`store ${i}`);
        const before = { id: executionAsyncId(), resource: executionAsyncResource() };
        for (let round = 0; round < 3; round++) {
          w.get();
          order.push(i);
          if (executionAsyncId() !== before.id || executionAsyncResource() !== before.resource) {
            throw new Error(`greenlet ${i} resumed in another async context`);
          }
          if (als.getStore() !== `store ${i}`) throw new Error(`greenlet ${i} sees ${als.getStore()}`);
          // Park again on a fresh Waiter for the next round.
          w = waiters[i] = new Waiter();
        }
        return i;
      }),
    );
    await new Promise((r) => setImmediate(r)); // all parked on their Waiters
    for (let round = 0; round < 3; round++) {
      // One event-loop callback wakes them all: the Hub runs them as one batch.
      await new Promise((r) =>
        setImmediate(() => {
          waiters.forEach((w, i) => w.switch(i));
          r();
        }),
      );
      await new Promise((r) => setImmediate(r));
    }
    await inFiber(() => joinAll(greenlets));
    expect(greenlets.map((g) => (g.successful() ? g.value : g.exception))).to.deep.equal(waiters.map((_, i) => i));
    // FIFO within each batch.
    const expected = [];
    for (let round = 0; round < 3; round++) expected.push(...waiters.map((_, i) => i));
    expect(order).to.deep.equal(expected);
    expect(als.getStore()).to.equal(undefined);
  });

  it('a store entered in a fiber is seen by it after switches, never by another fiber or the Hub', async () => {
    const als = new AsyncLocalStorage();
    const seen = { a: [], b: [], hub: [] };
    const a = spawn(() => {
      als.enterWith('A');
      for (let i = 0; i < 5; i++) {
        sleep(0);
        seen.a.push(als.getStore());
      }
    });
    const b = spawn(() => {
      for (let i = 0; i < 5; i++) {
        seen.b.push(als.getStore());
        sleep(0);
      }
    });
    const probe = setInterval(() => seen.hub.push(als.getStore()), 0);
    await inFiber(() => joinAll([a, b]));
    clearInterval(probe);
    seen.hub.push(als.getStore());
    expect(seen.a).to.deep.equal(['A', 'A', 'A', 'A', 'A']);
    expect(seen.b.every((s) => s === undefined)).to.equal(true);
    expect(seen.hub.every((s) => s === undefined)).to.equal(true);
  });

  it('als.run() inside a fiber spans its blocking calls', async () => {
    const als = new AsyncLocalStorage();
    const got = await inFiber(() =>
      als.run({ id: 7 }, () => {
        sleep(1);
        waitFor(new Promise((r) => setTimeout(r, 1)));
        return als.getStore().id;
      }),
    );
    expect(got).to.equal(7);
  });

  it('a spawned fiber starts with its spawner\'s store', async () => {
    const als = new AsyncLocalStorage();
    const got = await inFiber(() => {
      als.enterWith('parent');
      const child = spawn(() => {
        const first = als.getStore();
        sleep(0);
        return [first, als.getStore()];
      });
      return child.get();
    });
    expect(got).to.deep.equal(['parent', 'parent']);
  });

  it('executionAsyncId() is stable within a stretch', async () => {
    const ok = await inFiber(() => {
      const results = [];
      for (let i = 0; i < 3; i++) {
        const id = executionAsyncId();
        let same = true;
        for (let j = 0; j < 100; j++) if (executionAsyncId() !== id) same = false;
        results.push(same && id > 1);
        sleep(0);
      }
      return results;
    });
    expect(ok).to.deep.equal([true, true, true]);
  });

  it('a promise created in a fiber resolves after the fiber parks', async () => {
    const w = new Waiter();
    const results = [];
    const g = spawn(() => {
      const p = Promise.resolve('resolved').then((v) => results.push(v));
      w.get();
      return waitFor(p);
    });
    await inFiber(() => {
      sleep(1);
      w.switch();
      g.join();
    });
    expect(results).to.deep.equal(['resolved']);
  });

  it('10,000 switches among 100 fibers with an async hook enabled do not abort (child process)', () => {
    const res = runFixture('async-hook-switches.js');
    expect(res.stderr).to.not.include('async hook stack has become corrupted');
    expect(res.status).to.equal(0);
    expect(res.stdout.trim()).to.equal('switches 10000, async inits > 0: true');
  });

  it('a store is kept per fiber under an enabled async hook too (child process)', () => {
    const res = runFixture('async-hook-switches.js', ['als']);
    expect(res.status).to.equal(0, res.stderr);
    expect(res.stdout.trim()).to.equal('stores kept: true');
  });
});
