'use strict';
// The isolate-wide continuation-preserved embedder data (Node 24's
// AsyncContextFrame, behind AsyncLocalStorage) survives collections while
// V8 threads of fibernet exist, on both backends.
const { expect } = require('chai');
const path = require('path');
const { runNode } = require('../helpers');

const fixture = path.join(__dirname, '..', 'fixtures', 'als-after-fibers.js');

describe('AsyncLocalStorage on the main thread while fibers exist', () => {
  for (const backend of ['stacks', 'threads']) {
    for (const what of ['parked', 'pooled']) {
      it(`keeps its stores through young-generation collections (${backend}, a fiber ${what})`, function () {
        this.timeout(60000);
        const res = runNode(fixture, [what], { env: { FIBERNET_BACKEND: backend } });
        expect(res.signal).to.equal(null);
        expect(res.stderr).to.equal('');
        expect(res.stdout).to.equal('stores intact: true\n');
        expect(res.status).to.equal(0);
      });
    }
  }
});
