'use strict';
// Shared helpers for specs that run a script in a child process.
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..');

/** Runs `node [nodeArgs] file [args]` and returns { status, signal, stdout, stderr }. */
function runNode(file, args = [], options = {}) {
  const res = spawnSync(process.execPath, [...(options.nodeArgs || []), file, ...args], {
    cwd: options.cwd || root,
    env: { ...process.env, ...(options.env || {}) },
    encoding: 'utf8',
    timeout: options.timeout || 60000,
    input: options.input,
  });
  if (res.error) throw res.error;
  return { status: res.status, signal: res.signal, stdout: res.stdout, stderr: res.stderr };
}

/** Lets FinalizationRegistry callbacks and queued tasks run after a forced GC. */
async function collect(rounds = 3) {
  for (let i = 0; i < rounds; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

module.exports = { root, runNode, collect };
