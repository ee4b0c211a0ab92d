'use strict';
// Fault suite: load at a size that fits a test, each workload in a child
// process of its own (spec/fixtures/faults/), so fds, live fibers and memory
// are the workload's alone. scripts/soak.js runs the same fixtures at soak
// sizes. Loopback only; no timing is asserted.
const { expect } = require('chai');
const { runFixture } = require('./helpers');

/** The fixture's RESULT, after checking it ran cleanly. */
function resultOf(res) {
  expect(res.stderr, 'stderr').to.equal('');
  expect(res.status, `exit status (stdout: ${res.stdout.slice(0, 500)})`).to.equal(0);
  expect(res.result, 'RESULT line').to.be.an('object');
  return res.result;
}

/** Fibers, runners and fds back to where they were: nothing a workload used is kept. */
function expectBackToBaseline(r) {
  expect(r.after.fds, 'open fds').to.be.at.most(r.base.fds);
  expect(r.after.live, 'live fibers').to.be.at.most(r.base.live);
  // Runners (stacks or threads) beyond the pool are given back; the pooled ones are idle.
  expect(r.after.pooled, 'pooled runners').to.be.at.most(r.after.poolSize);
  expect(r.after.alive - r.after.pooled, 'runners in use').to.be.at.most(r.after.live);
  expect(r.after.heap, 'JS heap after a full GC (MiB)').to.be.below(r.base.heap + 16);
}

describe('faults: load (child processes)', function () {
  it('connection churn: 2,000 connect / echo / close cycles, 50 at a time: every echo exact, fds and fibers back to baseline', function () {
    const r = resultOf(runFixture('churn.js', [2000, 50]));
    expect(r.cycles).to.equal(2000);
    expect(r.mismatches).to.equal(0);
    expect(r.errors).to.deep.equal([]);
    expect(r.handlersRunning).to.equal(0);
    expect(r.acceptorDead).to.equal(true);
    expectBackToBaseline(r);
  });

  it('1,000 clients at once, each echoing 64 KiB in random chunks (send, sendall, recv, recvInto): every byte exact', function () {
    const r = resultOf(runFixture('bulk.js', [1000, 65536]));
    expect(r.failures).to.deep.equal([]);
    expect(r.errors).to.deep.equal([]);
    expect(r.exact).to.equal(1000);
    expect(r.echoed).to.equal(1000 * 65536);
    expectBackToBaseline(r);
  });

  it('a slow reader of 16 MiB: every byte exact, and sendall() blocks instead of buffering (at most one 64 KiB chunk held in Node)', function () {
    const r = resultOf(runFixture('slow-reader.js', [16 * 1024 * 1024, 65536, 16384, 1]));
    expect(r.errors).to.deep.equal([]);
    expect(r.senderOk).to.equal(true);
    expect(r.received).to.equal(16 * 1024 * 1024);
    expect(r.firstBad).to.equal(-1);
    expect(r.maxQueued, "bytes held in the socket's buffer").to.be.at.most(65536);
    expect(r.blockedSendalls, 'sendall() calls that waited for the reader').to.be.above(0);
    // What the sender was told was sent but the reader had not read: the
    // kernel's buffers at most, never the whole stream.
    expect(r.maxInFlight).to.be.below(12 * 1024 * 1024);
    expect(r.after.fds).to.be.at.most(r.base.fds);
  });

  it('500 idle connections held by parked greenlets all still answer, and everything is released after', function () {
    const r = resultOf(runFixture('idle.js', [500, 300]));
    expect(r.connected).to.equal(500);
    expect(r.fibersParked).to.equal(1001);
    expect(r.failures).to.deep.equal([]);
    expect(r.errors).to.deep.equal([]);
    expect(r.answered).to.equal(500);
    expectBackToBaseline(r);
  });

  it('out of fds (ulimit -n 200): connect() throws EMFILE, nothing crashes or hangs, and once sockets are closed new connections work', function () {
    const r = resultOf(runFixture('fd-limit.js', [], { limits: 'ulimit -n 200 &&' }));
    expect(r.connectErrors.EMFILE).to.be.above(0);
    expect(Object.keys(r.connectErrors)).to.deep.equal(['EMFILE']);
    expect(r.recovered).to.equal(10);
    expect(r.errors).to.deep.equal([]);
    expect(r.acceptorDead).to.equal(true);
  });
});
