'use strict';
// dumpFibers(): every live greenlet and fiber, what it waits on, for how
// long, and where it is parked.
const net = require('net');
const path = require('path');
const { expect } = require('chai');
const { patchAll, dumpFibers, spawn, sleep, Event, Queue, Waiter, Future, Fiber, connect, getHub } = require('../..');
const { runNode } = require('../helpers');
const { inFiber, until } = require('../net/helpers');

const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));
const byName = (entries, g) => entries.find((e) => e.name === String(g));
const names = (e) => e.stack.map((f) => f.functionName);

/** Whether every one of `greenlets` is parked on a wait of `kind` (a fixed tick may come before they get there). */
const parkedOn = (kind, ...greenlets) => {
  const entries = dumpFibers({ json: true });
  return greenlets.every((g) => byName(entries, g)?.waitKind === kind);
};

describe('dumpFibers()', () => {
  before(() => patchAll());

  it('lists greenlets parked in each kind of wait, with what they wait on, for how long, and their function names', async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const port = server.address().port;
    const accepted = new Promise((resolve) => server.once('connection', resolve));
    const event = new Event();
    const queue = new Queue();
    const waiter = new Waiter();
    const future = new Future();
    const listener = net.createServer();
    listener.listen(0, '127.0.0.1');
    await new Promise((resolve) => listener.once('listening', resolve));
    const gs = {
      recv: spawn(function readsASocket() {
        const sock = connect(port, '127.0.0.1');
        try {
          return sock.recv(10);
        } finally {
          sock.close();
        }
      }),
      accept: spawn(function acceptsConnections() {
        return listener.accept();
      }),
      sleep: spawn(function sleepsLong() {
        sleep(5000);
      }),
      event: spawn(function waitsForEvent() {
        return event.wait();
      }),
      queue: spawn(function waitsForItem() {
        return queue.get();
      }),
      waiter: spawn(function waitsOnWaiter() {
        return waiter.get();
      }),
      future: spawn(function waitsForFuture() {
        return future.wait();
      }),
    };
    gs.join = spawn(function joinsAnother() {
      return gs.sleep.join();
    });
    await tick(100);
    const entries = dumpFibers({ json: true });
    const expected = {
      recv: ['recv', /^recv\(\) on socket 127\.0\.0\.1:\d+ <- 127\.0\.0\.1:\d+$/, 'readsASocket'],
      accept: ['accept', new RegExp(`^accept\\(\\) on server 127\\.0\\.0\\.1:${listener.address().port}$`), 'acceptsConnections'],
      sleep: ['sleep', /^sleep\(5000 ms\), \d+ ms left$/, 'sleepsLong'],
      event: ['Event', /^Event\.wait\(\)$/, 'waitsForEvent'],
      queue: ['Queue', /^Queue\.get\(\)$/, 'waitsForItem'],
      waiter: ['Waiter', /^Waiter\.get\(\) on <Waiter waited on by Greenlet#\d+\(waitsOnWaiter\)>$/, 'waitsOnWaiter'],
      future: ['Future', /^Future\.wait\(\)/, 'waitsForFuture'],
      join: ['join', new RegExp(`^join\\(\\) on ${String(gs.sleep).replace(/[()]/g, '\\$&')}$`), 'joinsAnother'],
    };
    for (const [key, [kind, detail, fn]] of Object.entries(expected)) {
      const e = byName(entries, gs[key]);
      expect(e, key).to.not.equal(undefined);
      expect(e.greenlet, key).to.equal(gs[key]);
      expect(e.state, key).to.equal('parked');
      expect(e.waitKind, key).to.equal(kind);
      expect(e.waitingOn, key).to.match(detail);
      expect(e.waitedMs, key).to.be.a('number').within(50, 5000);
      expect(names(e)[0], key).to.equal(fn);
      expect(e.stack[0].file, key).to.equal(__filename);
      // fibernet's own frames (the Hub, the Waiter, the socket patch) are left out by default...
      expect(e.stack.some((f) => f.file.includes(`${path.sep}dist${path.sep}`)), key).to.equal(false);
    }
    // ...and kept on request.
    const full = byName(dumpFibers({ json: true, internal: true }), gs.event);
    expect(names(full)).to.include.members(['get', 'park']);
    // The sleep's time left counts down.
    const left = Number(/(\d+) ms left/.exec(byName(entries, gs.sleep).waitingOn)[1]);
    expect(left).to.be.below(5000);

    // Looking did not disturb anyone: each one resumes with what it was given.
    const peer = await accepted;
    peer.write('hello');
    event.set();
    queue.put('item');
    waiter.switch('switched');
    future.return('returned');
    const client = net.connect(listener.address().port, '127.0.0.1');
    await tick(100);
    expect(gs.recv.value.toString()).to.equal('hello');
    expect(gs.accept.value).to.be.instanceOf(net.Socket);
    expect([gs.event.value, gs.queue.value, gs.waiter.value, gs.future.value]).to.deep.equal([true, 'item', 'switched', 'returned']);
    gs.sleep.kill();
    await tick();
    expect(gs.join.value).to.equal(true);
    gs.accept.value.destroy();
    client.destroy();
    peer.destroy();
    server.close();
    listener.close();
  });

  it('shows the running greenlet, a woken one as ready, a spawned one as not started, and a plain Fiber', async () => {
    const waiter = new Waiter();
    const parked = spawn(function readyToRun() {
      return waiter.get();
    });
    let plain;
    await tick();
    let seen;
    let spawnedLater;
    const asker = spawn(function asksForADump() {
      waiter.switch(1); // queued for the Hub, not run yet
      spawnedLater = spawn(function notStartedYet() {});
      plain = Fiber(function plainFiberBody() {
        Fiber.yield();
      });
      plain.run();
      seen = dumpFibers({ json: true });
    });
    await tick();
    expect(asker.dead).to.equal(true);
    expect(byName(seen, asker).state).to.equal('running');
    expect(names(byName(seen, asker))).to.include('asksForADump');
    expect(byName(seen, parked).state).to.equal('ready');
    const pending = byName(seen, spawnedLater);
    expect(pending.state).to.equal('not started');
    expect(pending.waitKind).to.equal('start');
    expect(pending.stack).to.deep.equal([]);
    const fiber = seen.find((e) => e.name === 'Fiber(plainFiberBody)');
    expect(fiber.state).to.equal('parked');
    expect(fiber.waitKind).to.equal('Fiber.yield');
    expect(names(fiber)[0]).to.equal('plainFiberBody');
    expect(parked.value).to.equal(1);
    plain.reset();
  });

  it('shows a deadlock: two greenlets each joined on the other', async () => {
    const gs = {};
    gs.a = spawn(function firstWaitsForSecond() {
      sleep(1);
      gs.b.join();
    });
    gs.b = spawn(function secondWaitsForFirst() {
      sleep(1);
      gs.a.join();
    });
    await inFiber(() => until(() => parkedOn('join', gs.a, gs.b), 'both greenlets parked on join()'));
    const text = dumpFibers();
    expect(text).to.match(new RegExp(`${String(gs.a).replace(/[()]/g, '\\$&')}: parked on join\\(\\) on ${String(gs.b).replace(/[()]/g, '\\$&')} \\(for \\d+ ms\\)\\n    at firstWaitsForSecond \\(`));
    expect(text).to.match(new RegExp(`${String(gs.b).replace(/[()]/g, '\\$&')}: parked on join\\(\\) on ${String(gs.a).replace(/[()]/g, '\\$&')} \\(for \\d+ ms\\)\\n    at secondWaitsForFirst \\(`));
    expect(text).to.match(/^fibernet: \d+ live greenlet\(s\) and fiber\(s\) at \d{4}-/);
    gs.a.kill();
    gs.b.kill();
  });

  it('shows a lock-order deadlock: each greenlet waits for the Lock the other holds', async () => {
    const { Lock } = require('../..');
    const first = new Lock();
    const second = new Lock();
    const a = spawn(function takesFirstThenSecond() {
      first.acquire();
      sleep(5);
      second.acquire();
    });
    const b = spawn(function takesSecondThenFirst() {
      second.acquire();
      sleep(5);
      first.acquire();
    });
    await inFiber(() => until(() => parkedOn('Lock', a, b), 'both greenlets parked on a Lock'));
    const entries = dumpFibers({ json: true });
    expect(byName(entries, a).waitingOn).to.equal(`Lock.acquire(), held by ${String(b)}`);
    expect(byName(entries, b).waitingOn).to.equal(`Lock.acquire(), held by ${String(a)}`);
    a.kill();
    b.kill();
  });

  it('from the main thread lists it as running, with its own stack first', () => {
    const entries = dumpFibers({ json: true });
    expect(entries[0].name).to.equal('the main thread');
    expect(entries[0].state).to.equal('running');
    expect(entries[0].stack[0].file).to.equal(__filename);
  });

  it('costs the parked fibers nothing they can see: fibers peeked 100 times each still resume in order', async () => {
    const order = [];
    const waiters = Array.from({ length: 10 }, () => new Waiter());
    const gs = waiters.map((w, i) =>
      spawn(() => {
        order.push(w.get() + i);
      }),
    );
    await tick();
    for (let i = 0; i < 100; i++) dumpFibers({ json: true });
    waiters.forEach((w) => w.switch(0));
    await tick();
    expect(order).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(gs.every((g) => g.successful())).to.equal(true);
  });

  it('refuses options that are not an object', () => {
    let err;
    try {
      dumpFibers('json');
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(TypeError);
    expect(err.code).to.equal('ERR_INVALID_ARG_TYPE');
  });

  it('FIBERNET_DUMP_ON_SIGNAL=1: SIGUSR2 prints the dump to stderr', () => {
    const res = runNode(path.join(__dirname, '..', 'fixtures', 'observe', 'dump-signal.js'), [], {
      env: { FIBERNET_DUMP_ON_SIGNAL: '1' },
    });
    expect(res.status).to.equal(0);
    expect(res.stderr).to.match(/^fibernet: \d+ live greenlet\(s\) and fiber\(s\) at /);
    expect(res.stderr).to.match(/Greenlet#\d+\(waitsForSignal\): parked on Event\.wait\(\) \(for \d+ ms\)\n    at waitsForSignal \(/);
    expect(res.stdout).to.equal('dumped\n');
  });

  it('the Hub keeps no record of a dump: getHub() is the same and nothing is queued after it', () => {
    const before = getHub().readyParties().size;
    dumpFibers();
    expect(getHub().readyParties().size).to.equal(before);
  });
});
