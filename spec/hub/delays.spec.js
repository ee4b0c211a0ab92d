'use strict';
// Delays Node's setTimeout cannot hold (2^31 ms or more, Infinity) must wait,
// not fire at once; bad delays are refused with Node's error codes.
const { expect } = require('chai');
const { spawn, spawnLater, sleep, join, Timeout, withTimeout, waitFor, blocking, getHub, Greenlet } = require('../..');
const { startTimer, stopTimer, MAX_DELAY_MS } = require('../../dist/lib/timer');
const { inFiber } = require('./helpers');

const LONG = [2 ** 31, 1e12, Infinity];

function settle(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('long and infinite delays', () => {
  for (const ms of LONG) {
    it(`sleep(${ms}) waits (it does not return after Node's 1 ms clamp) until killed`, async () => {
      const g = spawn(() => sleep(ms));
      await settle(30);
      expect(g.dead).to.equal(false);
      g.kill(undefined, { block: false });
      await new Promise((resolve) => g.link(resolve));
      expect(g.successful()).to.equal(true);
    });

    it(`join(${ms}), new Timeout(${ms}) and withTimeout(${ms}) do not fire early`, async () => {
      const out = await inFiber(() => {
        const sleeper = spawn(() => sleep(40));
        const joined = sleeper.join(ms); // returns when the greenlet ends, not after 1 ms
        const t = new Timeout(ms).start();
        sleep(20);
        const pending = t.pending;
        t.cancel();
        const r = withTimeout(ms, () => {
          sleep(20);
          return 'done';
        });
        return { joined, dead: sleeper.dead, pending, r };
      });
      expect(out).to.deep.equal({ joined: true, dead: true, pending: true, r: 'done' });
    });

    it(`spawnLater(${ms}) does not start the greenlet early; waitFor(p, { timeout: ${ms} }) waits for p`, async () => {
      const g = spawnLater(ms, () => 'started');
      await settle(30);
      expect(g.started).to.equal(true);
      expect(g.dead).to.equal(false);
      g.kill(undefined, { block: false });
      const v = await inFiber(() => waitFor(settle(20).then(() => 'settled'), { timeout: ms }));
      expect(v).to.equal('settled');
    });
  }

  it('a delay beyond one Node timer is chained: it fires once, not before its deadline', async () => {
    const t0 = Date.now();
    let fired = 0;
    let at = 0;
    startTimer(() => {
      fired++;
      at = Date.now();
    }, 45, false, 10);
    await settle(120);
    expect(fired).to.equal(1);
    expect(at - t0).to.be.at.least(45);
  });

  it('a chained timer stops when stopped between stretches', async () => {
    let fired = 0;
    // The deadline is far beyond the stop, so a stall of the machine cannot
    // make the stretch timer that runs before the stop find it passed.
    const timer = startTimer(() => fired++, 500, false, 10);
    await settle(25);
    stopTimer(timer);
    await settle(550);
    expect(fired).to.equal(0);
    expect(MAX_DELAY_MS).to.equal(2 ** 31 - 1);
  });

  it('Infinity makes no Node timer at all (nothing keeps the loop alive)', () => {
    const timer = startTimer(() => {}, Infinity);
    expect(timer.node).to.equal(null);
  });
});

describe('bad delays are refused with Node\'s codes', () => {
  const cases = [
    ['sleep', (v) => sleep(v)],
    ['spawnLater', (v) => spawnLater(v, () => {})],
    ['new Timeout', (v) => new Timeout(v)],
    ['withTimeout', (v) => withTimeout(v, () => {})],
    ['waitFor', (v) => waitFor(1, { timeout: v })],
    ['Greenlet#join', (v) => spawn(() => {}).join(v)],
  ];
  for (const [name, call] of cases) {
    it(`${name}: a string is ERR_INVALID_ARG_TYPE, a negative number or NaN is ERR_OUT_OF_RANGE`, async () => {
      const codes = await inFiber(() =>
        ['5', -1, NaN, {}].map((v) => {
          try {
            call(v);
            return 'accepted';
          } catch (e) {
            return `${e.name} ${e.code}`;
          }
        }),
      );
      expect(codes).to.deep.equal([
        'TypeError ERR_INVALID_ARG_TYPE',
        'RangeError ERR_OUT_OF_RANGE',
        'RangeError ERR_OUT_OF_RANGE',
        'TypeError ERR_INVALID_ARG_TYPE',
      ]);
    });
  }

  it('sleep(null) and spawnLater(null) are refused (a delay is a number; null means "forever" only for timeouts)', async () => {
    const codes = await inFiber(() =>
      [() => sleep(null), () => spawnLater(null, () => {})].map((f) => {
        try {
          f();
          return 'accepted';
        } catch (e) {
          return e.code;
        }
      }),
    );
    expect(codes).to.deep.equal(['ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_TYPE']);
  });

  it('waitFor(p, options) refuses options that are not an object; withTimeout and blocking refuse a non-function', () => {
    for (const [f, code] of [
      [() => waitFor(1, 'x'), 'ERR_INVALID_ARG_TYPE'],
      [() => withTimeout(10, 'fn'), 'ERR_INVALID_ARG_TYPE'],
      [() => blocking(42), 'ERR_INVALID_ARG_TYPE'],
    ]) {
      expect(f).to.throw(TypeError).with.property('code', code);
    }
  });
});

describe('long socket timeouts (after patchAll)', () => {
  const { patchAll } = require('../..');
  const { pair, cleanup } = require('../net/helpers');
  before(() => patchAll());
  afterEach(cleanup);

  for (const [label, setup] of [
    ['recv({ timeout: 2 ** 31 })', (conn) => () => conn.recv(10, { timeout: 2 ** 31 })],
    ['blockingTimeout = 1e10', (conn) => ((conn.blockingTimeout = 1e10), () => conn.recv(10))],
    ['blockingTimeout = Infinity', (conn) => ((conn.blockingTimeout = Infinity), () => conn.recv(10))],
  ]) {
    it(`${label} waits for the bytes instead of timing out at once`, async () => {
      const got = await inFiber(() => {
        const { client, conn } = pair();
        const reader = spawn(setup(conn));
        sleep(30);
        const waiting = !reader.dead;
        client.sendall('late');
        reader.join();
        return { waiting, value: reader.successful() ? String(reader.value) : String(reader.exception) };
      });
      expect(got).to.deep.equal({ waiting: true, value: 'late' });
    });
  }
});
