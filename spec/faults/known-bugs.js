'use strict';
// Faults the suite found that fibernet does not handle yet. Every test here
// fails until its bug is fixed; each title starts with "BUG:" and says what
// should happen. The fixtures are in spec/fixtures/faults/. (Bugs fixed
// since live on as regression tests in the other fault specs.)
const { expect } = require('chai');
const { patchAll } = require('../..');
const { pattern } = require('./helpers');
const { inFiber, cleanup, pair, until } = require('../net/helpers');
const { sleep } = require('../..');

describe('faults: known bugs', function () {
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
