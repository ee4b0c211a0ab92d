'use strict';
// Fault suite: a greenlet blocked in each blocking call is interrupted, by
// kill() or by a Timeout. Afterwards the object it waited on must be
// consistent (usable by the next fiber, nothing lost, nothing duplicated), and
// the process must hold no more handles, requests or timers than before the
// call (process.getActiveResourcesInfo()), nor more listeners on the objects.
const { expect } = require('chai');
const {
  patchAll,
  spawn,
  sleep,
  connect,
  withTimeout,
  waitFor,
  Waiter,
  Future,
  Event,
  AsyncResult,
  Semaphore,
  FiberExit,
  TimeoutError,
} = require('../..');
const { inFiber, cleanup, track, listen, pair, expectCode } = require('../net/helpers');
const { resources, expectNoLeakedResources, listenerCounts, blackhole, pattern, readToEof } = require('./helpers');

// The blocking calls. `block(ctx, own)` makes the call; `own` is the call's
// own timeout option ({ timeout: 60000 }, or undefined to wait forever) for
// the calls that take one: a timer it armed must be gone after the interrupt.
// `after(ctx)` shows the object is consistent; `emitters(ctx)` are the objects
// whose listener counts must not change.
const cases = [
  {
    name: 'socket.recv()',
    setup: () => pair(),
    emitters: (ctx) => [ctx.conn],
    block: (ctx, own) => ctx.conn.recv(100, own),
    after(ctx) {
      ctx.client.sendall('after the interrupt');
      expect(ctx.conn.recv().toString()).to.equal('after the interrupt');
    },
  },
  {
    name: 'socket.recvInto()',
    setup: () => pair(),
    emitters: (ctx) => [ctx.conn],
    block: (ctx, own) => ctx.conn.recvInto(Buffer.alloc(100), 100, own),
    after(ctx) {
      ctx.client.sendall('after');
      const buf = Buffer.alloc(10);
      expect(buf.subarray(0, ctx.conn.recvInto(buf)).toString()).to.equal('after');
    },
  },
  {
    name: 'socket.send() under backpressure',
    setup() {
      const p = pair();
      p.queued = pattern(4 * 1024 * 1024);
      p.client.sendall(p.queued, { timeout: 0 }); // accepted into Node's buffer: the socket needs a drain
      expect(p.client.writableNeedDrain).to.equal(true);
      return p;
    },
    emitters: (ctx) => [ctx.client],
    block: (ctx, own) => ctx.client.send('never sent', own),
    after(ctx) {
      // The interrupted send() wrote nothing: the peer gets what was queued, then what comes next.
      const reader = spawn(() => readToEof(ctx.conn));
      expect(ctx.client.send('next')).to.equal(4);
      ctx.client.shutdown('write');
      expect(reader.get().equals(Buffer.concat([ctx.queued, Buffer.from('next')]))).to.equal(true);
    },
  },
  {
    name: 'socket.sendall() to a peer that does not read',
    setup() {
      const p = pair();
      p.payload = pattern(16 * 1024 * 1024);
      return p;
    },
    emitters: (ctx) => [ctx.client],
    block: (ctx, own) => ctx.client.sendall(ctx.payload, own),
    // Its bytes stay queued in the socket, and so does the write request carrying them...
    pending: { SimpleWriteWrap: 1 },
    after(ctx, base) {
      // What the interrupted sendall() handed to the socket stays queued, in
      // order (docs: "the bytes stay queued in the socket"), and the next
      // sendall() from another fiber goes after it.
      const reader = spawn(() => readToEof(ctx.conn));
      ctx.client.sendall('next');
      ctx.client.shutdown('write');
      const got = reader.get();
      expect(got.length).to.equal(ctx.payload.length + 4);
      expect(got.equals(Buffer.concat([ctx.payload, Buffer.from('next')]))).to.equal(true);
      // ...until they are flushed.
      expectNoLeakedResources(base);
    },
  },
  {
    name: 'server.accept()',
    setup() {
      const server = listen();
      expectCode(() => server.accept({ timeout: 0 }), 'EAGAIN'); // accept() is in use from here on
      return { server };
    },
    emitters: (ctx) => [ctx.server],
    block: (ctx, own) => ctx.server.accept(own),
    after(ctx) {
      const client = track(connect(ctx.server.address().port, '127.0.0.1'));
      const conn = track(ctx.server.accept());
      expect(conn.remotePort).to.equal(client.localPort);
    },
  },
  {
    name: 'connect() to a server that never accepts',
    setup: () => ({ hole: blackhole() }),
    teardown: (ctx) => ctx.hole.stop(),
    emitters: () => [],
    block: (ctx, own) => connect(ctx.hole.port, '127.0.0.1', own),
    after() {
      // The socket connect() made is gone: the resource check covers its handle and its connect request.
    },
  },
  {
    name: 'sleep()',
    setup: () => ({}),
    emitters: () => [],
    block: (ctx, own) => sleep(own ? own.timeout : Infinity),
    after() {
      sleep(1);
    },
  },
  {
    name: 'greenlet.join()',
    setup: () => ({ target: spawn(() => sleep(Infinity)) }),
    teardown: (ctx) => ctx.target.kill(),
    emitters: () => [],
    block: (ctx, own) => ctx.target.join(own ? own.timeout : undefined),
    after(ctx) {
      expect(ctx.target.dead).to.equal(false);
      // Internal, but it is the greenlet's listener list: the join's link must be gone.
      expect(ctx.target._links).to.have.length(0);
      const joiner = spawn(() => ctx.target.join());
      sleep(0);
      ctx.target.kill();
      expect(joiner.get()).to.equal(true);
      expect(ctx.target.successful()).to.equal(true);
    },
  },
  {
    name: 'waitFor(promise)',
    setup() {
      const ctx = { unhandled: [] };
      ctx.promise = new Promise((resolve, reject) => (ctx.reject = reject));
      ctx.onUnhandled = (reason) => ctx.unhandled.push(reason);
      process.on('unhandledRejection', ctx.onUnhandled);
      return ctx;
    },
    teardown: (ctx) => process.removeListener('unhandledRejection', ctx.onUnhandled),
    emitters: () => [],
    block: (ctx, own) => waitFor(ctx.promise, own),
    after(ctx) {
      // The promise settles after the waiter is gone: nothing is resumed, no unhandled rejection.
      const err = new Error('settled late');
      ctx.reject(err);
      sleep(0);
      expect(() => waitFor(ctx.promise)).to.throw(err);
      sleep(0);
      expect(ctx.unhandled).to.deep.equal([]);
    },
  },
  {
    name: 'Waiter.get()',
    setup: () => ({ waiter: new Waiter() }),
    emitters: () => [],
    block: (ctx) => ctx.waiter.get(),
    after(ctx) {
      // The Waiter has no party left: another fiber may wait on it (no ConcurrentObjectUseError).
      const other = spawn(() => ctx.waiter.get());
      sleep(0);
      ctx.waiter.switch('for the next fiber');
      expect(other.get()).to.equal('for the next fiber');
    },
  },
  {
    name: 'future.wait()',
    setup: () => ({ future: new Future() }),
    emitters: () => [],
    block: (ctx) => ctx.future.wait(),
    after(ctx) {
      const other = spawn(() => ctx.future.wait());
      sleep(0);
      ctx.future.return('late');
      expect(other.get()).to.equal('late');
      expect(ctx.future.get()).to.equal('late');
    },
  },
  {
    name: 'Future.wait(a, b)',
    setup: () => ({ a: new Future(), b: new Future() }),
    emitters: () => [],
    block: (ctx) => Future.wait(ctx.a, ctx.b),
    after(ctx) {
      ctx.a.return(1);
      ctx.b.return(2);
      sleep(0);
      expect([ctx.a.get(), ctx.b.get()]).to.deep.equal([1, 2]);
    },
  },
  {
    name: 'event.wait()',
    setup: () => ({ event: new Event() }),
    emitters: () => [],
    block: (ctx, own) => ctx.event.wait(own ? own.timeout : undefined),
    after(ctx) {
      expect(ctx.event.linkCount).to.equal(0);
      const other = spawn(() => ctx.event.wait());
      sleep(0);
      ctx.event.set();
      expect(other.get()).to.equal(true);
    },
  },
  {
    name: 'asyncResult.get()',
    setup: () => ({ result: new AsyncResult() }),
    emitters: () => [],
    block: (ctx, own) => ctx.result.get(own ? own.timeout : undefined),
    after(ctx) {
      expect(ctx.result.linkCount).to.equal(0);
      ctx.result.set('value');
      expect(ctx.result.get()).to.equal('value');
    },
  },
  {
    name: 'semaphore.acquire()',
    setup() {
      const sem = new Semaphore(1);
      sem.acquire();
      return { sem };
    },
    emitters: () => [],
    block: (ctx, own) => ctx.sem.acquire(own ? own.timeout : undefined),
    after(ctx) {
      // The interrupted waiter holds no permit and left no place in the queue.
      expect(ctx.sem.counter).to.equal(0);
      expect(ctx.sem.linkCount).to.equal(0);
      ctx.sem.release();
      expect(ctx.sem.counter).to.equal(1);
      expect(ctx.sem.acquire(0)).to.equal(true);
    },
  },
];

/** `base` with `more` added to its counts. */
function addCounts(base, more) {
  const out = { ...base };
  for (const [type, n] of Object.entries(more)) out[type] = (out[type] || 0) + n;
  return out;
}

// How the blocked call is interrupted: kill() raises FiberExit at the
// blocking point; a Timeout (withTimeout) raises its TimeoutError there.
const interrupts = [
  {
    name: 'kill()',
    wrap: (fn) => fn,
    interrupt(victim) {
      expect(victim.dead, 'the call blocks').to.equal(false);
      victim.kill();
    },
    expectError: (err) => expect(err).to.be.instanceOf(FiberExit),
  },
  {
    // Its TimeoutError shows the call blocked until the Timeout fired.
    name: 'a Timeout',
    wrap: (fn) => () => withTimeout(30, fn),
    interrupt: (victim) => victim.join(),
    expectError: (err) => expect(err).to.be.instanceOf(TimeoutError),
  },
];

// Calls whose own timeout is worth a second run (a timer of theirs must go too).
const hasOwnTimeout = new Set([
  'socket.recv()',
  'socket.recvInto()',
  'socket.send() under backpressure',
  'socket.sendall() to a peer that does not read',
  'server.accept()',
  'connect() to a server that never accepts',
  'sleep()',
  'greenlet.join()',
  'waitFor(promise)',
  'event.wait()',
  'asyncResult.get()',
  'semaphore.acquire()',
]);

describe('faults: interrupted while blocked (kill() and Timeout)', function () {
  before(() => patchAll());
  afterEach(cleanup);

  for (const c of cases) {
    const variants = hasOwnTimeout.has(c.name) ? [undefined, { timeout: 60000 }] : [undefined];
    for (const own of variants) {
      for (const how of interrupts) {
        const label = own ? `${c.name} with its own 60 s timeout` : c.name;
        it(`${label}, ended by ${how.name}: the error is raised there, the object stays usable, nothing leaks`, () =>
          inFiber(() => {
            const ctx = c.setup();
            try {
              const emitters = c.emitters(ctx);
              const listenersBefore = emitters.map(listenerCounts);
              const base = resources();
              let finallyRan = false;
              const victim = spawn(() => {
                try {
                  return { value: how.wrap(() => c.block(ctx, own))() };
                } catch (error) {
                  return { error };
                } finally {
                  finallyRan = true;
                }
              });
              sleep(0);
              sleep(0);
              how.interrupt(victim);
              expect(victim.dead).to.equal(true);
              expect(finallyRan).to.equal(true);
              expect(victim.value, 'the call returned instead of being interrupted').to.have.property('error');
              how.expectError(victim.value.error);
              expect(emitters.map(listenerCounts), 'listeners').to.deep.equal(listenersBefore);
              expectNoLeakedResources(c.pending ? addCounts(base, c.pending) : base);
              c.after(ctx, base);
            } finally {
              if (c.teardown) c.teardown(ctx);
            }
          }));
      }
    }
  }
});

// The wake-up and the interrupt land in the same Hub turn: the fiber was
// already made ready (bytes arrived, a connection came, a permit was handed
// to it, a drain came) when kill() reached it. Whatever woke it must not be
// lost with it: the next caller gets it.
describe('faults: a kill() that lands with the wake-up loses nothing', function () {
  before(() => patchAll());
  afterEach(cleanup);

  it('recv(): bytes that woke the killed reader are there for the next recv()', () =>
    inFiber(() => {
      const { client, conn } = pair();
      const victim = spawn(() => conn.recv());
      sleep(0);
      let woken = null;
      // Emitted on the tick after the bytes were pushed (which woke the
      // reader), before the Hub runs it.
      conn.once('readable', () => {
        woken = { buffered: conn.readableLength, victimDead: victim.dead };
        victim.kill(undefined, { block: false });
      });
      client.sendall('precious bytes');
      victim.join();
      expect(woken).to.deep.equal({ buffered: 14, victimDead: false });
      expect(victim.value).to.be.instanceOf(FiberExit);
      expect(conn.recv().toString()).to.equal('precious bytes');
    }));

  it('accept(): the connection that woke the killed acceptor is returned by the next accept()', () =>
    inFiber(() => {
      const server = listen();
      const victim = spawn(() => server.accept());
      sleep(0);
      let woken = null;
      // After fibernet's own 'connection' listener, which queued the socket and woke the acceptor.
      server.once('connection', () => {
        woken = { victimDead: victim.dead };
        victim.kill(undefined, { block: false });
      });
      const client = track(connect(server.address().port, '127.0.0.1'));
      victim.join();
      expect(woken).to.deep.equal({ victimDead: false });
      expect(victim.value).to.be.instanceOf(FiberExit);
      const conn = track(server.accept({ timeout: 0 }));
      expect(conn.remotePort).to.equal(client.localPort);
    }));

  it('semaphore.acquire(): the permit handed to the killed waiter goes back (and to the next waiter)', () =>
    inFiber(() => {
      const sem = new Semaphore(0);
      const victim = spawn(() => sem.acquire());
      const next = spawn(() => sem.acquire());
      sleep(0);
      sem.release(); // the notification hands the permit to the victim, the first waiter
      victim.kill(undefined, { block: false });
      victim.join();
      expect(victim.value).to.be.instanceOf(FiberExit);
      expect(next.get()).to.equal(true);
      expect(sem.counter).to.equal(0);
      expect(sem.linkCount).to.equal(0);
    }));

  it('send(): the drain that woke the killed sender writes nothing of its data', () =>
    inFiber(() => {
      const { client, conn } = pair();
      const queued = pattern(4 * 1024 * 1024, 3);
      client.sendall(queued, { timeout: 0 });
      const victim = spawn(() => client.send('must not be sent'));
      sleep(0);
      let woken = null;
      client.once('drain', () => {
        woken = { victimDead: victim.dead };
        victim.kill(undefined, { block: false });
      });
      const reader = spawn(() => readToEof(conn));
      victim.join();
      expect(woken).to.deep.equal({ victimDead: false });
      expect(victim.value).to.be.instanceOf(FiberExit);
      client.sendall('end');
      client.shutdown('write');
      expect(reader.get().equals(Buffer.concat([queued, Buffer.from('end')]))).to.equal(true);
    }));

  it('event.wait(): a waiter killed as set() wakes it does not keep the others from waking', () =>
    inFiber(() => {
      const event = new Event();
      const victim = spawn(() => event.wait());
      const others = [spawn(() => event.wait()), spawn(() => event.wait())];
      sleep(0);
      event.set();
      victim.kill(undefined, { block: false });
      expect(others.map((g) => g.get())).to.deep.equal([true, true]);
      victim.join();
      expect(victim.value).to.be.instanceOf(FiberExit);
      expect(event.linkCount).to.equal(0);
    }));
});

// At a plain script's top level (the root) a blocked call cannot be killed,
// but a Timeout interrupts it the same way: spec/fixtures/faults/root-timeouts.js.
describe('faults: the root interrupted by a Timeout', function () {
  const { runFixture } = require('./helpers');

  it('every blocking call at top level ends with TimeoutError, stays usable, and leaves no handle or timer behind', function () {
    const res = runFixture('root-timeouts.js');
    expect(res.stderr).to.equal('');
    expect(res.status).to.equal(0);
    const r = res.result;
    expect(r.failures).to.deep.equal([]);
    expect(r.checked).to.deep.equal([
      'recv',
      'recvInto',
      'send',
      'sendall',
      'accept',
      'connect',
      'sleep',
      'join',
      'waitFor',
      'Waiter.get',
      'Event.wait',
      'AsyncResult.get',
      'Semaphore.acquire',
    ]);
    expect(r.leaked).to.deep.equal({});
  });
});
