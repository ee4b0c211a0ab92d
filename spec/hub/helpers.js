'use strict';
// Helpers for the Hub specs: run code in a greenlet from a mocha test (mocha
// runs tests in event-loop callbacks, where blocking is refused).
const path = require('path');
const { createHook } = require('async_hooks');
const { spawn } = require('../..');
const { runNode } = require('../helpers');

/** Runs fn() in a greenlet; resolves with its return value, rejects with its error (not printed). */
function inFiber(fn) {
  return new Promise((resolve, reject) => {
    const g = spawn(() => {
      try {
        return { ok: true, value: fn() };
      } catch (err) {
        return { ok: false, err };
      }
    });
    g.link(() => {
      if (!g.successful()) reject(g.exception);
      else if (g.value.ok) resolve(g.value.value);
      else reject(g.value.err);
    });
  });
}

/** Runs spec/fixtures/hub/<name> in a child process. */
function runFixture(name, args = [], options = {}) {
  return runNode(path.join(__dirname, '..', 'fixtures', 'hub', name), args, options);
}

/** Silences Hub.handleError (greenlet failures) during fn; returns what it would have printed. */
async function captureErrors(hub, fn) {
  const seen = [];
  const orig = hub.handleError;
  hub.handleError = (context, err) => seen.push({ context: String(context), err });
  try {
    await fn();
  } finally {
    hub.handleError = orig;
  }
  return seen;
}

/**
 * Counts the timers created from now on that are still armed: unlike a count
 * of all active timers, other tests' timers firing meanwhile cannot skew it.
 */
function trackTimers() {
  const live = new Set();
  const hook = createHook({
    init(id, type) {
      // mocha re-arms its own test timer while a test runs: not ours to count.
      if (type === 'Timeout' && !/[\\/]mocha[\\/]/.test(new Error().stack)) live.add(id);
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  return {
    live: () => live.size,
    stop: () => hook.disable(),
  };
}

/** Runs `fn` (async) and returns how many timers it created and left armed. */
async function timersLeftBy(fn) {
  const timers = trackTimers();
  try {
    await fn();
    // destroy hooks are emitted asynchronously, after the current tick.
    await new Promise((r) => setImmediate(r));
    return timers.live();
  } finally {
    timers.stop();
  }
}

module.exports = { inFiber, runFixture, captureErrors, timersLeftBy };
