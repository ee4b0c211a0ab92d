'use strict';
// Two copies of fibernet in one thread share one fiber core (two cores would
// switch V8 into each other's stacks), or refuse to load when their native
// interfaces differ.
const { expect } = require('chai');
const path = require('path');
const { runNode } = require('../helpers');

const fixture = path.join(__dirname, '..', 'fixtures', 'two-copies.js');

describe('two copies of fibernet in one thread', () => {
  it("share one fiber core: fibers of one run inside the other's, and each unwinds its own at exit", () => {
    const res = runNode(fixture, [], { nodeArgs: ['--expose-gc'] });
    expect(res.stderr).to.equal('');
    expect(res.stdout).to.equal('distinct copies: true\nsum 100000\ncopy B unwound its parked fiber at exit\n');
    expect(res.status).to.equal(0);
  });

  it('refuses to load beside a copy with another native interface, with ERR_FIBERNET_DUPLICATE', () => {
    const res = runNode(fixture, ['mismatch'], { nodeArgs: ['--expose-gc'] });
    expect(res.status).to.not.equal(0);
    expect(res.stderr).to.contain("code: 'ERR_FIBERNET_DUPLICATE'");
    expect(res.stderr).to.contain('another copy of fibernet (/elsewhere/node_modules/fibernet) already runs fibers on this thread');
  });
});
