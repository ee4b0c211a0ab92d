'use strict';
// The debugger inside fibers: a breakpoint in a greenlet, and stepping over
// blocking calls, which park the greenlet and let others run.
const path = require('path');
const { expect } = require('chai');
const { fiberStats } = require('../..');
const { runNode } = require('../helpers');

describe('debugging inside fibers', () => {
  it('stops at a breakpoint in a greenlet and steps over sleep() to the next line of the same greenlet', function () {
    // Skipped on the threads backend only: there V8 itself segfaults restoring
    // a fiber's OS thread while any breakpoint is set (Debug::RestoreDebug ->
    // ApplyBreakPoints -> Isolate::main_thread_local_heap() from the wrong OS
    // thread), which no embedder can avoid. docs/debugging.md has the
    // backtrace, and issue 12's closing note says so.
    if (fiberStats().backend !== 'stacks') this.skip();
    const res = runNode(path.join(__dirname, '..', 'fixtures', 'observe', 'step-across.js'));
    expect(res.stderr).to.equal('');
    expect(res.status).to.equal(0);
    expect(res.stdout).to.equal('result 2\nstops stepped:16 stepped:17 stepped:18 stepped:19 stepped:20\n');
  });
});
