'use strict';
// Node's global fetch from greenlets. undici parses HTTP with WebAssembly, and
// V8's wasm code GC aborts the process while other V8 threads are archived
// ("archived threads in combination with wasm not supported", exit code 133),
// which parked fibers are on both backends. The child-process run turns such
// an abort into a failed test with its stderr; the in-process run follows only
// when the child came through, so an abort cannot take mocha down with it.
const { expect } = require('chai');
const http = require('http');
const path = require('path');
const { spawn, joinAll, waitFor, fiberStats } = require('../..');
const { runNode } = require('../helpers');
const { inFiber } = require('./helpers');

const GREENLETS = 40;
const REQUESTS = 10;

describe('fetch() from greenlets', () => {
  let childrenCameThrough = 0;

  /** Runs the fixture in a child; an abort shows up as its status, signal and stderr. */
  function expectAllRight(nodeArgs) {
    const res = runNode(path.join(__dirname, '..', 'fixtures', 'fetch-greenlets.js'), [String(GREENLETS), String(REQUESTS)], {
      nodeArgs,
    });
    expect({ status: res.status, signal: res.signal, stderr: res.stderr }).to.deep.equal({ status: 0, signal: null, stderr: '' });
    expect(res.stdout).to.equal(`${fiberStats().backend}: ${GREENLETS * REQUESTS} of ${GREENLETS * REQUESTS} responses right\n`);
    childrenCameThrough++;
  }

  it(`${GREENLETS} greenlets x ${REQUESTS} requests each: every response right, no abort (child process)`, function () {
    this.timeout(60000);
    expectAllRight([]);
  });

  it('the same with --stress-wasm-code-gc: V8 would collect wasm code at every chance, were it not off (child process)', function () {
    // Without fibernet turning wasm code GC off, this aborts every time (exit code 133).
    this.timeout(60000);
    expectAllRight(['--stress-wasm-code-gc']);
  });

  it(`${GREENLETS} greenlets x ${REQUESTS} requests each, in this process: every response right`, async function () {
    this.timeout(60000);
    // Run in mocha's own process only once the child runs showed no abort: an abort here would end the whole suite.
    if (childrenCameThrough < 2) throw new Error('not run in this process: the child-process runs above failed');
    const bodyFor = (url) => `${url}|${'y'.repeat(url.length * 997)}`;
    const server = http.createServer((req, res) => {
      res.setHeader('x-url', req.url);
      res.end(bodyFor(req.url));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address();
    try {
      const results = await inFiber(() => {
        const gs = [];
        for (let g = 0; g < GREENLETS; g++) {
          gs.push(
            spawn(() => {
              const got = [];
              for (let r = 0; r < REQUESTS; r++) {
                const url = `/g${g}/r${r}`;
                const res = waitFor(fetch(`http://127.0.0.1:${port}${url}`));
                const text = waitFor(res.text());
                got.push(res.status === 200 && res.headers.get('x-url') === url && text === bodyFor(url));
              }
              return got;
            }),
          );
        }
        joinAll(gs);
        return gs.map((g) => (g.successful() ? g.value : [String(g.exception)]));
      });
      const right = results.flat().filter((v) => v === true).length;
      expect(right, JSON.stringify(results.flat().filter((v) => v !== true))).to.equal(GREENLETS * REQUESTS);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
