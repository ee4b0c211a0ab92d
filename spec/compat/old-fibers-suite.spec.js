'use strict';
// The old `fibers` package's own test suite (fibers@5.0.3, test/*.js), run against
// fibernet the way its test.js runs it: each file in a fresh `node`, cwd at the
// package root, NODE_PATH at a folder whose fibers.js / future.js are ours. A test
// passes when it prints exactly "pass\n", writes nothing to stderr and exits 0.
const path = require('path');
const fs = require('fs');
const { spawn } = require('child_process');
const { expect } = require('chai');
const { unpacked } = require('./npm-pack');

const NODE_PATH = path.join(__dirname, 'node_path');

// The 5.0.3 tarball's test/ folder; listed here because mocha needs one `it` per
// file before the tarball is fetched (the first `it` checks the list is current).
const OLD_TESTS = [
  'already-running.js',
  'async-hooks.js',
  'bad-context.js',
  'child-process.js',
  'cleanup.js',
  'current.js',
  'exec.js',
  'exit.js',
  'fibonacci.js',
  'finish-multiple.js',
  'future-exception.js',
  'future.js',
  'illegal-yield.js',
  'pool.js',
  'process-title.js',
  'stack-overflow.js',
  'stack-overflow2.js',
  'started.js',
  'unwind.js',
];

function runOldTest(pkgDir, file) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, NODE_PATH };
    const proc = spawn(process.execPath, [path.join('test', file)], { cwd: pkgDir, env });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.stdin.end();
    proc.on('error', reject);
    proc.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('old fibers@5.0.3 test suite against fibernet', function () {
  let pkgDir;

  before(function () {
    this.timeout(180000);
    pkgDir = unpacked('fibers', '5.0.3');
  });

  it('the stand-ins on NODE_PATH are fibernet', function () {
    expect(require(path.join(NODE_PATH, 'fibers.js'))).to.equal(require('../../dist/lib/compat/fibers.js'));
    expect(require(path.join(NODE_PATH, 'future.js'))).to.equal(require('../../dist/lib/compat/future.js'));
  });

  it('the tarball ships exactly the tests listed here', function () {
    const files = fs.readdirSync(path.join(pkgDir, 'test')).filter((f) => f.endsWith('.js')).sort();
    expect(files).to.deep.equal([...OLD_TESTS].sort());
  });

  for (const file of OLD_TESTS) {
    it(`test/${file}`, async function () {
      this.timeout(60000);
      const r = await runOldTest(pkgDir, file);
      const detail = `code=${r.code} signal=${r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
      expect(r.stdout, detail).to.equal('pass\n');
      expect(r.stderr, detail).to.equal('');
      expect(r.code, detail).to.equal(0);
    });
  }
});
