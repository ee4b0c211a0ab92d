'use strict';
const { expect } = require('chai');
const { wait, iwait, spawn, sleep, Waiter } = require('../..');
const { inFiber } = require('./helpers');

describe('wait() and iwait()', () => {
  it('wait(objects) returns all of them in the order they became ready', async () => {
    // Margins of tens of ms: a loaded CI machine may start the greenlets late.
    const a = spawn(() => sleep(90));
    const b = spawn(() => sleep(1));
    const w = new Waiter();
    setTimeout(() => w.switch('x'), 40);
    const done = await inFiber(() => wait([a, b, w]));
    expect(done).to.deep.equal([b, w, a]);
  });

  it('puts objects that are already ready first, in list order', async () => {
    const w1 = new Waiter();
    const w2 = new Waiter();
    w2.switch(2);
    w1.switch(1);
    const later = new Waiter();
    const ready = await inFiber(() => {
      // Switched by a greenlet that runs only once this fiber has parked in wait().
      spawn(() => later.switch(3));
      return wait([later, w1, w2]);
    });
    expect(ready).to.deep.equal([w1, w2, later]);
  });

  it('wait(objects, {count}) returns after count objects', async () => {
    const never = new Waiter();
    const g = spawn(() => 1);
    expect(await inFiber(() => wait([never, g], { count: 1 }))).to.deep.equal([g]);
  });

  it('wait(objects, {timeout}) returns what is ready when time runs out', async () => {
    const never = new Waiter();
    const g = spawn(() => 1);
    expect(await inFiber(() => wait([never, g], { timeout: 10 }))).to.deep.equal([g]);
  });

  it('wait([]) returns []', async () => {
    expect(await inFiber(() => wait([]))).to.deep.equal([]);
  });

  it('wait() with no objects is only for the root', async () => {
    const got = await inFiber(() => {
      try {
        wait();
      } catch (e) {
        return e;
      }
    });
    expect(got).to.be.instanceOf(TypeError);
  });

  it('iwait yields each object as it becomes ready', async () => {
    const ws = [new Waiter(), new Waiter(), new Waiter()];
    const seen = await inFiber(() => {
      spawn(() => {
        ws[1].switch();
        sleep(1);
        ws[0].switch();
        sleep(1);
        ws[2].switch();
      });
      const out = [];
      for (const w of iwait(ws)) out.push(ws.indexOf(w));
      return out;
    });
    expect(seen).to.deep.equal([1, 0, 2]);
  });

  it('iwait stops at the deadline, one for the whole iteration', async () => {
    const never = new Waiter();
    const soon = new Waiter();
    setTimeout(() => soon.switch(), 1);
    const seen = await inFiber(() => Array.from(iwait([never, soon], { timeout: 20 })));
    expect(seen).to.deep.equal([soon]);
  });

  it('leaving iwait early unlinks from the objects', async () => {
    const a = spawn(() => 1);
    const b = spawn(() => sleep(5));
    let linkCount = null;
    await inFiber(() => {
      for (const g of iwait([a, b])) {
        linkCount = b._links.length;
        expect(g).to.equal(a);
        break;
      }
    });
    expect(linkCount).to.equal(1);
    expect(b._links.length).to.equal(0);
    await inFiber(() => b.join());
  });

  it('rejects a bad count', async () => {
    const got = await inFiber(() => {
      try {
        wait([], { count: 'two' });
      } catch (e) {
        return e;
      }
    });
    expect(got).to.be.instanceOf(TypeError);
  });
});
