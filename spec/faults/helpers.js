'use strict';
// Helpers for the fault suite: what a fault must not leave behind (active
// handles, requests and timers; listeners), a listening server that never
// accepts (for connects that must block), byte patterns, and the fault
// fixtures (spec/fixtures/faults/) run in child processes.
const path = require('path');
const { spawn: spawnChild, spawnSync } = require('child_process');
const { expect } = require('chai');
const { sleep, connect } = require('../..');
const { root } = require('../helpers');

/** process.getActiveResourcesInfo() as { type: count }. */
function resources() {
  const counts = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] || 0) + 1;
  return counts;
}

/** Types of which `now` holds more than `base` (what a fault leaked). */
function excess(base, now) {
  const out = {};
  for (const [type, n] of Object.entries(now)) if (n > (base[type] || 0)) out[type] = n - (base[type] || 0);
  return out;
}

/**
 * In a fiber: waits (bounded) until no more handles, requests and timers
 * are active than in `base`, then asserts it. Closing a handle takes a loop
 * turn, so a fault's sockets may need a few sleeps to go; resources that
 * other tests left and that end meanwhile only make the count smaller.
 */
function expectNoLeakedResources(base, what = 'resources') {
  let extra = excess(base, resources());
  for (let i = 0; i < 200 && Object.keys(extra).length > 0; i++) {
    sleep(5);
    extra = excess(base, resources());
  }
  expect(extra, `${what} left active`).to.deep.equal({});
}

/** `emitter`'s listener count for every event it has listeners for. */
function listenerCounts(emitter) {
  const out = {};
  for (const name of emitter.eventNames()) out[String(name)] = emitter.listenerCount(name);
  return out;
}

const fixtureDir = path.join(__dirname, '..', 'fixtures', 'faults');

/** The path of spec/fixtures/faults/<name>. */
function fixture(name) {
  return path.join(fixtureDir, name);
}

/**
 * Runs spec/fixtures/faults/<name> with --expose-gc (and the soft fd limit
 * raised to the hard one, for the fixtures that open thousands of sockets;
 * with `options.runner`, under bin/fibernet; `options.limits` is a shell
 * prefix such as "ulimit -n 200 &&") and returns { status, signal, stdout, stderr, result }: `result` is the
 * JSON of the fixture's RESULT line, or null.
 */
function runFixture(name, args = [], options = {}) {
  const via = options.runner ? `"${path.join(root, 'bin', 'fibernet.js')}" ` : '';
  const cmd = `ulimit -n "$(ulimit -Hn)" 2>/dev/null; ${options.limits || ''} exec "${process.execPath}" --expose-gc ${via}"${fixture(name)}" ${args.map((a) => `'${a}'`).join(' ')}`;
  const res = spawnSync('bash', ['-c', cmd], {
    cwd: root,
    env: { ...process.env, ...(options.env || {}) },
    encoding: 'utf8',
    timeout: options.timeout || 50000,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (res.error) throw res.error;
  const line = res.stdout.split('\n').reverse().find((l) => l.startsWith('RESULT '));
  return { status: res.status, signal: res.signal, stdout: res.stdout, stderr: res.stderr, result: line ? JSON.parse(line.slice(7)) : null };
}

/**
 * A listening server that never accepts: a child process that listens with a
 * backlog of 1 and then blocks its own thread (its event loop never runs
 * again). Once its accept queue is full the kernel drops further SYNs, so a
 * connect() to it waits (SYN retries) instead of completing: the loopback
 * stand-in for a black-holed address. Call in a fiber; stop() ends it.
 */
function blackhole() {
  const child = spawnChild(process.execPath, [fixture('never-accepts.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const held = [];
  const stop = () => {
    for (const s of held) s.destroy();
    child.stdout.destroy();
    child.kill('SIGKILL');
  };
  try {
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    for (let i = 0; i < 1000 && !out.includes('\n'); i++) sleep(5);
    const port = Number(out.trim());
    if (!(port > 0)) throw new Error(`never-accepts.js did not report its port: ${JSON.stringify(out)}`);
    // Fill the accept queue: the connects that complete are kept open; the
    // first that does not complete in time shows the queue is full.
    for (let i = 0; i < 16; i++) {
      try {
        held.push(connect(port, '127.0.0.1', { timeout: 300 }));
      } catch (err) {
        if (err.code !== 'ETIMEDOUT') throw err;
        return { port, stop };
      }
    }
    throw new Error('the never-accepting server accepted every connection: the blackhole does not hold');
  } catch (err) {
    stop();
    throw err;
  }
}

/** `n` bytes of a pattern that shows where a byte came from (`seed` tells streams apart). */
function pattern(n, seed = 1) {
  const buf = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) buf[i] = (i * 31 + seed * 7 + (i >>> 12)) & 0xff;
  return buf;
}

/** In a fiber: reads from `sock` until EOF; returns the bytes. */
function readToEof(sock) {
  const parts = [];
  for (let b = sock.recv(); b.length > 0; b = sock.recv()) parts.push(b);
  return Buffer.concat(parts);
}

module.exports = { resources, expectNoLeakedResources, listenerCounts, fixture, runFixture, blackhole, pattern, readToEof };
