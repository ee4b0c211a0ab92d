'use strict';
// synchronize@2.0.0 (a fibers-based control-flow library) runs its own, unchanged
// test suite with `require('fibers')` resolved to fibernet through NODE_PATH. Its
// package.json runs `mocha -R spec test/*.js` (mocha 1.0, chai 1.3); our mocha and
// chai stand in for those: the suite only uses describe/it/beforeEach and
// expect(...).to.eql/exist/throw/be.greaterThan, which both keep.
const path = require('path');
const fs = require('fs');
const os = require('os');
const { spawn, execFileSync } = require('child_process');
const { expect } = require('chai');
const { unpacked, repo } = require('./npm-pack');

const NODE_PATH = [path.join(__dirname, 'node_path'), path.join(repo, 'node_modules')].join(path.delimiter);
const MOCHA = path.join(repo, 'node_modules', 'mocha', 'bin', 'mocha.js');

// synchronize 2.0.0 commented out the check this test relies on (`_defered` in
// deferSerial), so sync.defer() never throws; the test fails the same way with the
// real fibers@5.0.3 on Node 14 ("expected [Function] to throw Error").
const FAILS_UPSTREAM = {
  'Control Flow should throw error when not matched defer-await pair': /expected \[Function\] to throw Error/,
};

function runSuite(pkgDir, reportFile) {
  return new Promise((resolve, reject) => {
    // --no-config/--no-package: otherwise mocha would pick up this repo's .mocharc.
    const args = [MOCHA, '--no-config', '--no-package', '--reporter', 'json', '--reporter-option', `output=${reportFile}`, 'test/*.js'];
    const proc = spawn(process.execPath, args, { cwd: pkgDir, env: { ...process.env, NODE_PATH } });
    let output = '';
    proc.stdout.on('data', (d) => (output += d));
    proc.stderr.on('data', (d) => (output += d));
    proc.stdin.end();
    proc.on('error', reject);
    proc.on('close', (code) => resolve({ code, output }));
  });
}

describe('synchronize@2.0.0 test suite against fibernet', function () {
  let pkgDir;
  let run;
  let report;

  before(async function () {
    this.timeout(180000);
    pkgDir = unpacked('synchronize', '2.0.0');
    const reportFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fibernet-sync-')), 'report.json');
    run = await runSuite(pkgDir, reportFile);
    report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
    fs.rmSync(path.dirname(reportFile), { recursive: true, force: true });
  });

  it('resolves `fibers` to fibernet from the package directory', function () {
    const resolved = execFileSync(process.execPath, ['-p', "require.resolve('fibers')"], {
      cwd: pkgDir,
      env: { ...process.env, NODE_PATH },
      encoding: 'utf8',
    }).trim();
    expect(resolved).to.equal(path.join(__dirname, 'node_path', 'fibers.js'));
  });

  it('runs the whole suite (28 tests, none pending)', function () {
    expect(report.stats.tests, run.output).to.equal(28);
    expect(report.stats.pending).to.equal(0);
  });

  it('passes every test except the one that also fails with the old fibers', function () {
    const failed = report.failures.map((t) => t.fullTitle);
    expect(failed, run.output).to.have.members(Object.keys(FAILS_UPSTREAM));
    expect(report.stats.passes).to.equal(28 - Object.keys(FAILS_UPSTREAM).length);
  });

  it('fails that test exactly the way the old fibers does', function () {
    for (const t of report.failures) {
      expect(t.err.message, t.fullTitle).to.match(FAILS_UPSTREAM[t.fullTitle]);
    }
    // mocha exits with the number of failures.
    expect(run.code).to.equal(report.failures.length);
  });
});
