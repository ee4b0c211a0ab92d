'use strict';
// Helpers for the Hub specs: run code in a greenlet from a mocha test (mocha
// runs tests in event-loop callbacks, where blocking is refused).
const path = require('path');
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

function activeTimers() {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

module.exports = { inFiber, runFixture, captureErrors, activeTimers };
