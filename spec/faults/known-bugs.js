'use strict';
// Faults the suite found that fibernet does not handle yet. Every test here
// fails until its bug is fixed; each title starts with "BUG:" and says what
// should happen. The fixtures are in spec/fixtures/faults/. (Bugs fixed
// since live on as regression tests in the other fault specs.)
const { expect } = require('chai');
const { patchAll } = require('../..');
const { runFixture, pattern } = require('./helpers');
const { inFiber, cleanup, pair, until } = require('../net/helpers');
const { sleep } = require('../..');

describe('faults: known bugs', function () {
  describe('errors thrown by event-loop callbacks while the root blocks (lib/hub.ts parkRoot, native/loop.cc RunLoopOnce)', function () {
    // Timers, microtasks and rejections already behave (spec/faults/errors.spec.js);
    // these kinds of callback do not.
    const kinds = [
      ['connection', "a 'connection' listener (an I/O callback)", 'is swallowed: nothing is printed, no listener is called, the exit code is 0'],
      ['immediate', 'a setImmediate callback', 'kills the process with "async hook stack has become corrupted" (exit 1); the error itself is never reported'],
      ['tick', 'a process.nextTick callback', "is thrown out of the root's sleep() into the script, which stops there"],
      ['fs', 'an fs callback', "is thrown out of the root's sleep() into the script, which stops there"],
    ];
    for (const [kind, what, now] of kinds) {
      it(`BUG: an error thrown by ${what} goes to process 'uncaughtException' and the root's sleep() returns (now it ${now})`, function () {
        const res = runFixture('root-callback-error.js', [kind, 'listener']);
        expect(res.stderr).to.equal('');
        expect(res.stdout).to.equal(`uncaught: from ${kind}\nroot resumed\nexit 0\n`);
        expect(res.status).to.equal(0);
      });
    }
    for (const [kind, what] of kinds.filter(([k]) => k === 'connection' || k === 'immediate' || k === 'fs')) {
      it(`BUG: with no 'uncaughtException' listener, an error thrown by ${what} is printed and the process exits with code 1, as in Node`, function () {
        const res = runFixture('root-callback-error.js', [kind, 'none']);
        expect(res.stderr).to.contain(`Error: from ${kind}\n`);
        expect(res.stderr).to.not.contain('async hook stack');
        expect(res.stdout).to.equal('exit 1\n');
        expect(res.status).to.equal(1);
      });
    }
  });

  describe('a reset after buffered bytes (patches/net.ts take)', function () {
    before(() => patchAll());
    afterEach(cleanup);

    it('BUG (seen on Node 22; passes on 20 and 24): bytes that arrived before the reset (in Node\'s buffer and the kernel\'s) are returned before the error', () =>
      inFiber(() => {
        const { client, conn } = pair();
        client.sendall(pattern(100000)); // more than Node buffers for a paused socket (64 KiB): the rest waits in the kernel
        until(() => conn.readableLength >= 65536, 'the bytes buffered');
        sleep(20);
        client.resetAndDestroy();
        sleep(20); // the RST has arrived (Node notices it once it reads again)
        const got = [];
        let err = null;
        for (;;) {
          try {
            const b = conn.recv(7000);
            if (b.length === 0) break;
            got.push(b);
          } catch (e) {
            err = e;
            break;
          }
        }
        expect(Buffer.concat(got).equals(pattern(100000))).to.equal(true);
        expect(err && err.code).to.equal('ECONNRESET');
      }));
  });
});
