'use strict';
// Helpers the sync-object specs share.
const { expect } = require('chai');
const { root, runNode } = require('../helpers');
const { expectCode } = require('../net/helpers');

/** Runs `code` as a plain node script's top level (the root) and returns its stdout lines. */
function runAtRoot(code) {
  const res = runNode('-e', [`const fibernet = require(${JSON.stringify(root)});\n${code}`]);
  expect(res.stderr).to.equal('');
  expect(res.status).to.equal(0);
  return res.stdout.trim().split('\n');
}

/**
 * Makes the window between a party being woken and its running, which the
 * Hub otherwise closes at once (the fibers a notification wakes run right
 * after it, as gevent's switch into them does): returns a greenlet parked
 * on `go`; set `go`, then do what queues the notification. The greenlet
 * runs first, spins past the Hub's switch interval and queues `between` as
 * an event-loop callback; the Hub then stops before the next fiber it would
 * resume (the one the notification woke), and `between` runs before it.
 */
function cutDrainBefore(go, between) {
  const { spawn } = require('../..');
  const { performance } = require('perf_hooks');
  const g = spawn(() => {
    go.wait();
    const until = performance.now() + 20;
    while (performance.now() < until);
    setImmediate(between);
  });
  return g;
}

/**
 * Lets everything the Hub has queued run out, with sleep(0)s rather than a
 * timer: when the machine stalls past the Hub's switch interval, the event
 * loop turns and a due timer can resume the caller before greenlets queued
 * ahead of it (or queued by them) have run.
 */
function settle() {
  const { sleep } = require('../..');
  for (let i = 0; i < 10; i++) sleep(0);
}

module.exports = { runAtRoot, expectCode, cutDrainBefore, settle };
