'use strict';
// Fault suite: SIGINT and SIGTERM with 1,000 greenlets parked (in recv() and
// sleep()), in a child process (spec/fixtures/faults/signal.js). Without a
// listener the process dies by the signal, with nothing on stderr (no V8
// abort, no "async hook stack has become corrupted"); a listener that calls
// process.exit() exits with its code after every parked greenlet is unwound;
// a listener that kills the greenlets lets the process end by itself. And
// process.exit() always exits, even past a greenlet that will not unwind.
const { expect } = require('chai');
const path = require('path');
const { spawn: spawnChild, spawnSync } = require('child_process');
const { root } = require('../helpers');
const { fixture } = require('./helpers');

const cli = path.join(root, 'bin', 'fibernet.js');

/** Runs signal.js, sends `sig` once it printed "ready"; resolves to { code, signal, stdout, stderr }. */
function runWithSignal(where, mode, sig) {
  return new Promise((resolve, reject) => {
    const args = [...(where === 'runner' ? [cli] : []), fixture('signal.js'), where, mode, '1000'];
    const child = spawnChild(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!sent && stdout.includes('ready\n')) {
        sent = true;
        child.kill(sig);
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('faults: signals with 1,000 greenlets parked (child processes)', function () {
  for (const where of ['root', 'runner', 'spawned']) {
    const how = { root: 'the main code blocked at top level', runner: 'under bin/fibernet (main fiber parked)', spawned: 'only greenlets left' }[where];
    for (const sig of ['SIGINT', 'SIGTERM']) {
      it(`${how}, ${sig}, no listener: the process dies by ${sig}, nothing on stderr`, async () => {
        const res = await runWithSignal(where, 'none', sig);
        expect(res.stderr).to.equal('');
        expect(res.signal).to.equal(sig);
        expect(res.code).to.equal(null);
        expect(res.stdout).to.equal('ready\n');
      });

      it(`${how}, ${sig}, a listener that calls process.exit(0): exit code 0, every parked greenlet unwound`, async () => {
        const res = await runWithSignal(where, 'exit', sig);
        expect(res.stderr).to.equal('');
        expect(res.signal).to.equal(null);
        expect(res.code).to.equal(0);
        expect(res.stdout).to.equal(`ready\nhandler ran for ${sig}\nexit 0: 1000 of 1000 unwound, 0 finished normally\n`);
      });

      it(`${how}, ${sig}, a listener that kills the greenlets: they finish, the main code returns, the process ends by itself`, async () => {
        const res = await runWithSignal(where, 'kill', sig);
        expect(res.stderr).to.equal('');
        expect(res.signal).to.equal(null);
        expect(res.code).to.equal(0);
        expect(res.stdout).to.equal('ready\nmain returned\nexit 0: 1000 of 1000 unwound, 1000 finished normally\n');
      });
    }
  }
});

describe('faults: process exit with a greenlet that will not unwind (child process)', function () {
  // At exit fibernet unwinds parked fibers by throwing FiberExit into them.
  // A greenlet that catches everything in a retry loop parks again each
  // time: the exit must still happen (it is given up on), with the code asked for.
  it('process.exit(0) exits with code 0 even when a parked greenlet catches the unwinding FiberExit and parks again', function () {
    const res = spawnSync(process.execPath, [fixture('exit-catch-all.js')], { cwd: root, encoding: 'utf8', timeout: 10000 });
    expect(res.signal, 'killed after 10 s: the process did not exit').to.equal(null);
    expect(res.stdout).to.equal('exiting\nexit 0\n');
    expect(res.status).to.equal(0);
  });
});
