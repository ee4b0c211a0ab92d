'use strict';
// Fault suite: errors nobody catches. A greenlet that fails, a link or Hub
// callback that throws: each is reported once through getHub().handleError
// (context, error), the failing greenlet alone is dead with its exception,
// and everything else (parked greenlets, servers, the Hub) goes on.
const { expect } = require('chai');
const { patchAll, spawn, sleep, joinAll, connect, getHub, Event } = require('../..');
const { captureErrors } = require('../hub/helpers');
const { inFiber, cleanup, track, listen } = require('../net/helpers');
const { runFixture } = require('./helpers');

describe('faults: errors that escape', function () {
  before(() => patchAll());
  afterEach(cleanup);

  const thrown = [
    ['an Error', new Error('boom')],
    ['a string', 'just a string'],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['a Symbol', Symbol('sym')],
    ['a plain object', { reason: 'object' }],
    ['an object without a prototype', Object.create(null)],
  ];

  for (const [what, value] of thrown) {
    it(`a greenlet throwing ${what}: reported once as (greenlet, value), dead with that exception, its joiners and links see it`, async () => {
      let g;
      let linked = null;
      let joined;
      const seen = await captureErrors(getHub(), async () => {
        g = spawn(() => {
          sleep(0);
          throw value;
        });
        g.link((x) => (linked = x));
        joined = await inFiber(() => {
          const ok = g.join();
          let rethrown;
          try {
            g.get();
          } catch (e) {
            rethrown = e;
          }
          sleep(0); // the link runs on the Hub after the greenlet died
          return { ok, same: Object.is(rethrown, value) };
        });
      });
      expect(joined).to.deep.equal({ ok: true, same: true });
      expect(g.dead).to.equal(true);
      expect(g.successful()).to.equal(false);
      expect(Object.is(g.exception, value)).to.equal(true);
      expect(linked).to.equal(g);
      expect(seen).to.have.length(1);
      expect(seen[0].context).to.equal(String(g));
      expect(Object.is(seen[0].err, value)).to.equal(true);
    });
  }

  it('1,000 greenlets failing at once while 100 are parked: 1,000 reports, the parked ones finish, new greenlets run', async () => {
    let out;
    const seen = await captureErrors(getHub(), () =>
      inFiber(() => {
        const parked = [];
        for (let i = 0; i < 100; i++) parked.push(spawn(() => (sleep(20), i)));
        const failing = [];
        for (let i = 0; i < 1000; i++) {
          failing.push(
            spawn(() => {
              throw new Error(`failure ${i}`);
            }),
          );
        }
        joinAll(failing);
        out = {
          failed: failing.filter((g) => g.dead && !g.successful()).length,
          parked: joinAll(parked).length,
          values: parked.every((g, i) => g.value === i),
          after: spawn(() => 'runs').get(),
        };
      }),
    );
    expect(out).to.deep.equal({ failed: 1000, parked: 100, values: true, after: 'runs' });
    expect(seen).to.have.length(1000);
    expect(new Set(seen.map((s) => s.err.message)).size).to.equal(1000);
  });

  it('a link callback that throws is reported, and the greenlet\'s other links still run', async () => {
    const calls = [];
    const boom = new Error('link failed');
    const seen = await captureErrors(getHub(), () =>
      inFiber(() => {
        const g = spawn(() => 'done');
        g.link(() => calls.push('first'));
        g.link(function failingLink() {
          throw boom;
        });
        g.link(() => calls.push('third'));
        g.join();
        sleep(0);
        sleep(0);
      }),
    );
    expect(calls).to.deep.equal(['first', 'third']);
    expect(seen.map((s) => s.err)).to.deep.equal([boom]);
  });

  it('a Hub callback (hub.schedule) that throws is reported, and the callbacks after it still run', async () => {
    const hub = getHub();
    const calls = [];
    const boom = new Error('callback failed');
    const seen = await captureErrors(hub, () =>
      inFiber(() => {
        hub.schedule(() => calls.push(1));
        hub.schedule(() => {
          throw boom;
        });
        hub.schedule(() => calls.push(3));
        sleep(0);
        sleep(0);
      }),
    );
    expect(calls).to.deep.equal([1, 3]);
    expect(seen.map((s) => s.err)).to.deep.equal([boom]);
  });

  it('an Event rawlink callback that throws is reported (with the Event in its context), and the waiters still wake', async () => {
    const boom = new Error('rawlink failed');
    let woke;
    const seen = await captureErrors(getHub(), () =>
      inFiber(() => {
        const event = new Event();
        const waiters = [spawn(() => event.wait()), spawn(() => event.wait())];
        event.rawlink(function failingLink() {
          throw boom;
        });
        sleep(0);
        event.set();
        woke = waiters.map((g) => g.get());
      }),
    );
    expect(woke).to.deep.equal([true, true]);
    expect(seen).to.have.length(1);
    expect(seen[0].err).to.equal(boom);
    expect(seen[0].context).to.match(/Event/);
  });

  it('a server whose handler greenlet throws mid-connection keeps serving every other client', async () => {
    let out;
    const seen = await captureErrors(getHub(), () =>
      inFiber(() => {
        const server = listen();
        const acceptor = spawn(() => {
          for (;;) {
            const conn = track(server.accept());
            spawn(function handler() {
              try {
                for (let b = conn.recv(); b.length > 0; b = conn.recv()) {
                  if (b.toString() === 'boom') throw new Error('the handler failed');
                  conn.sendall(b);
                }
              } finally {
                conn.close();
              }
            });
          }
        });
        const ask = (msg) => {
          const sock = track(connect(server.address().port, '127.0.0.1'));
          sock.sendall(msg);
          const reply = sock.recv().toString();
          sock.close();
          return reply;
        };
        const before = ask('one');
        const failed = ask('boom'); // the handler throws: its finally closes the connection (EOF)
        const after = [];
        for (let i = 0; i < 10; i++) after.push(ask(`after ${i}`));
        acceptor.kill();
        out = { before, failed, after };
      }),
    );
    expect(out.before).to.equal('one');
    expect(out.failed).to.equal('');
    expect(out.after).to.deep.equal(Array.from({ length: 10 }, (_, i) => `after ${i}`));
    expect(seen).to.have.length(1);
    expect(seen[0].context).to.match(/^Greenlet#\d+\(handler\)$/);
    expect(seen[0].err.message).to.equal('the handler failed');
  });

  it('a greenlet that throws a value that throws when inspected (a revoked Proxy, an Error whose stack getter throws) fails alone and keeps that value (child process)', function () {
    const res = runFixture('hostile-throw.js');
    const lines = [];
    for (const where of ['from the root', 'from a greenlet', 'after the top level returned']) {
      lines.push(`${where}, revoked proxy: joined true, dead true, same exception true, linked true`);
      lines.push(`${where}, error with a throwing stack getter: joined true, dead true, same exception true, linked true`);
      lines.push(`${where}: other done`);
    }
    expect(res.stdout).to.equal(`${lines.join('\n')}\n`);
    expect(res.status).to.equal(0);
  });

  it('under the default handleError, every kind of thrown value is printed once and the script goes on (child process)', function () {
    const res = runFixture('greenlet-errors.js');
    expect(res.status).to.equal(0);
    expect(res.stdout).to.equal('failed 12, exceptions kept true\nreader still here, sleeper slept\nget() rethrew 12\nstill works: yes\n');
    const reports = res.stderr.match(/^Greenlet#\d+\(anonymous\) failed with \w+$/gm);
    expect(reports).to.have.length(12);
    expect(reports.map((l) => l.replace(/^.* failed with /, ''))).to.deep.equal([
      'Error',
      'TypeError',
      'Error',
      'string',
      'number',
      'object',
      'undefined',
      'symbol',
      'object',
      'object',
      'function',
      'Error',
    ]);
    expect(res.stderr).to.contain('Error: plain error\n    at ');
    expect(res.stderr).to.contain("'a string'\n");
    expect(res.stderr).to.contain('[Object: null prototype] {}\n');
  });

  // The root (a plain script blocked at top level) runs Node's loop itself:
  // an error thrown by a callback during its wait must still be Node's
  // uncaught exception, not the root's.
  for (const [kind, what] of [
    ['timeout', 'a timer callback'],
    ['microtask', 'a microtask'],
    ['rejection', 'an unhandled promise rejection'],
    ['tick', 'a process.nextTick callback'],
    ['fs', 'an fs callback'],
    ['connection', "a 'connection' listener (an I/O callback)"],
    ['immediate', 'a setImmediate callback'],
  ]) {
    it(`at the root, an error from ${what} goes to process 'uncaughtException' and the root's sleep() returns (child process)`, function () {
      const res = runFixture('root-callback-error.js', [kind, 'listener']);
      expect(res.stderr).to.equal('');
      expect(res.stdout).to.equal(`uncaught: from ${kind}\nroot resumed\nexit 0\n`);
      expect(res.status).to.equal(0);
    });
  }

  for (const [kind, what] of [
    ['timeout', 'a timer callback'],
    ['microtask', 'a microtask'],
    ['rejection', 'an unhandled promise rejection'],
    ['tick', 'a process.nextTick callback'],
    ['fs', 'an fs callback'],
    ['connection', "a 'connection' listener (an I/O callback)"],
    ['immediate', 'a setImmediate callback'],
  ]) {
    it(`at the root with no 'uncaughtException' listener, an error from ${what} is printed and the process exits with code 1, as in Node (child process)`, function () {
      const res = runFixture('root-callback-error.js', [kind, 'none']);
      expect(res.stderr).to.contain(`Error: from ${kind}\n`);
      expect(res.stdout).to.equal('exit 1\n');
      expect(res.status).to.equal(1);
    });
  }

  // Under bin/fibernet the script runs in a main fiber and Node runs its own
  // loop: every kind of callback error is Node's uncaught exception there.
  for (const kind of ['timeout', 'immediate', 'tick', 'microtask', 'rejection', 'fs', 'connection']) {
    it(`under bin/fibernet, an error from a ${kind} callback goes to 'uncaughtException' (the main fiber goes on), or with no listener is printed with exit code 1 (child processes)`, function () {
      const caught = runFixture('root-callback-error.js', [kind, 'listener'], { runner: true });
      expect(caught.stderr).to.equal('');
      expect(caught.stdout).to.equal(`uncaught: from ${kind}\nroot resumed\nexit 0\n`);
      expect(caught.status).to.equal(0);
      const uncaught = runFixture('root-callback-error.js', [kind, 'none'], { runner: true });
      expect(uncaught.stderr).to.contain(`Error: from ${kind}\n`);
      expect(uncaught.stdout).to.equal('exit 1\n');
      expect(uncaught.status).to.equal(1);
    });
  }
});
