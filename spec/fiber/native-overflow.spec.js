'use strict';
// A fiber whose native code runs past the bottom of its stack never corrupts
// memory silently: a stack with a hardware guard page faults at once, and a
// stack past the guard budget (a soft guard) stops the process with a message
// when the fiber next switches out, before any other fiber runs.
const { expect } = require('chai');
const path = require('path');
const { runNode } = require('../helpers');

const fixture = path.join(__dirname, '..', 'fixtures', 'native-overflow.js');

function dig(beyond, guardedStacks, parkedBefore = 0) {
  return runNode(fixture, [String(beyond), String(parkedBefore)], {
    env: { FIBERNET_BACKEND: 'stacks', FIBERNET_TEST_HOOKS: '1', FIBERNET_GUARDED_STACKS: String(guardedStacks) },
  });
}

describe('native stack overflow on the stacks backend', () => {
  it('native code that stays within the headroom is fine, with or without a guard page', () => {
    for (const guarded of [0, 100]) {
      const res = dig(-4096, guarded);
      expect(res.stderr).to.equal('');
      expect(res.stdout).to.equal(`stacks guarded=${guarded === 0 ? 0 : 1} parked\nfinished\n`);
      expect(res.status).to.equal(0);
    }
  });

  it('a stack with a guard page faults at the first byte past its bottom', () => {
    const res = dig(512, 100);
    expect(res.signal).to.equal('SIGSEGV');
    expect(res.stdout).to.equal('');
  });

  it('a stack past the guard budget stops the process with a message when the fiber switches out', () => {
    const res = dig(512, 0);
    expect(res.signal).to.equal('SIGABRT');
    expect(res.stderr).to.contain("fibernet: FATAL: a fiber's native code overflowed its stack");
    expect(res.stdout).to.equal('');
  });

  it('the guard budget is spent first: the next stack gets a soft guard', () => {
    const res = dig(512, 3, 3);
    expect(res.signal).to.equal('SIGABRT');
    expect(res.stderr).to.contain('overflowed its stack (64 KB of JavaScript stack plus 192 KB of native headroom)');
  });

  it('spends one guard budget for the whole process, Workers included', () => {
    const res = runNode(path.join(__dirname, '..', 'fixtures', 'guard-budget.js'), [], {
      env: { FIBERNET_BACKEND: 'stacks', FIBERNET_GUARDED_STACKS: '10' },
    });
    expect(res.stderr).to.equal('');
    expect(res.stdout).to.equal('main: 8 of 8 guarded\nworker: 2 of 8 guarded\nworker exited 0\n');
    expect(res.status).to.equal(0);
  });
});
