'use strict';
// The runner (`fibernet script.js`) and `node -r fibernet/register`, driven as
// child processes over the legacy-style scripts in examples/legacy/.
const { expect } = require('chai');
const path = require('path');
const fs = require('fs');
const os = require('os');
const { spawn } = require('child_process');
const { root, runNode } = require('../helpers');

const cli = path.join(root, 'bin', 'fibernet.js');
const register = path.join(root, 'dist', 'lib', 'register.js');
const legacy = (name) => path.join(root, 'examples', 'legacy', name);

const viaRunner = (file, args = [], options = {}) => runNode(cli, [...(options.runnerArgs || []), file, ...args], options);
const viaRegister = (file, args = [], options = {}) =>
  runNode(file, args, { ...options, nodeArgs: ['-r', register] });

function tmpScript(name, source) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fibernet-runner-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, source);
  return file;
}

describe('the fibernet runner', () => {
  for (const [how, run] of [
    ['fibernet script.js', viaRunner],
    ['node -r fibernet/register script.js', viaRegister],
  ]) {
    describe(how, () => {
      it('runs a fibers-era script: Fiber.yield with timers', () => {
        const res = run(legacy('fiber-timers.js'));
        expect(res.stdout).to.equal('wait... 1970\nback in main\nok... after 30 ms\nback in the fiber\n');
        expect(res.stderr).to.equal('');
        expect(res.status).to.equal(0);
      });

      it('runs a blocking echo server and client pair', () => {
        const res = run(legacy('echo-pair.js'));
        expect(res.stdout).to.equal(
          'echo: alpha\necho: beta\necho: gamma\nserver closed after our EOF: true\n',
        );
        expect(res.stderr).to.equal('');
        expect(res.status).to.equal(0);
      });

      it('does blocking HTTP over connect() to a local server', () => {
        const res = run(legacy('http-get.js'));
        expect(res.stdout).to.equal('HTTP/1.1 200 OK\nhello from /legacy\n');
        expect(res.status).to.equal(0);
      });

      it('runs a fibers/future script at its top level', () => {
        const res = run(legacy('future-readfile.js'));
        expect(res.stdout).to.equal(
          'first line: // A fibers/future script: Future.wrap(fs.readFile), Future.wait and\n' +
            'missing file: ENOENT\ntask: 42\n',
        );
        expect(res.status).to.equal(0);
      });

      it('exits 1 with the stack printed, from the throw site, when the script throws', () => {
        const res = run(legacy('throws.js'));
        expect(res.stdout).to.equal('about to fail\n');
        expect(res.status).to.equal(1);
        expect(res.stderr).to.match(/throws\.js:7\n {2}throw new Error\('legacy script failed'\);\n {2}\^\n/);
        expect(res.stderr).to.contain('Error: legacy script failed\n    at failDeep');
      });

      it('keeps process.exitCode and waits for spawned greenlets', () => {
        const res = run(legacy('exit-code.js'));
        expect(res.stdout).to.equal('main done\ngreenlet done\n');
        expect(res.status).to.equal(3);
      });

      it('passes process.argv, require.main and __filename as node does', () => {
        const file = tmpScript(
          'argv.js',
          'console.log(JSON.stringify([process.argv.slice(1), require.main === module, __filename]));',
        );
        const res = run(file, ['a', '--b']);
        expect(JSON.parse(res.stdout)).to.deep.equal([[file, 'a', '--b'], true, file]);
      });

      it('runs an ES module entry point without top-level await in the main fiber', () => {
        const res = run(legacy('esm-entry.mjs'));
        expect(res.stdout).to.equal('esm slept in a fiber: true\n');
        expect(res.status).to.equal(0);
      });

      it('refuses an ES module entry point with top-level await with a clear error', () => {
        const res = run(legacy('esm-tla.mjs'));
        expect(res.stdout).to.equal('');
        expect(res.status).to.equal(1);
        expect(res.stderr).to.contain('uses top-level await');
        expect(res.stderr).to.contain('ERR_FIBERNET_TOP_LEVEL_AWAIT');
      });

      it('process.exit() from a greenlet while the main fiber and 1,000 others are parked: every finally block and exit listener runs, no FiberExit trace', () => {
        const file = tmpScript(
          'exit-from-greenlet.js',
          `const { spawn, sleep } = require(${JSON.stringify(root)});
let unwound = 0;
process.on('exit', (code) => console.log('exit listener: code ' + code + ', finally blocks ' + unwound));
for (let i = 0; i < 1000; i++) spawn(() => { try { sleep(1e9); } finally { unwound++; } });
spawn(() => { sleep(5); process.exit(4); });
try { sleep(1e9); } finally { unwound++; }
`,
        );
        const res = run(file);
        expect(res.stderr).to.equal('');
        expect(res.stdout).to.equal('exit listener: code 4, finally blocks 1001\n');
        expect(res.status).to.equal(4);
      });

      it('lets the script call patchAll() again harmlessly', () => {
        const res = run(legacy('both-ways.js'));
        expect(res.stdout).to.equal('greenlet says 42\nwhile blocked: tick, promise, timer\n');
        expect(res.status).to.equal(0);
      });

      it('resolves require("fibers") to fibernet even though the old package is not installed', () => {
        const file = tmpScript(
          'alias.js',
          `console.log(require('fibers') === require(${JSON.stringify(root)}).Fiber, typeof require('fibers/future').wrap);`,
        );
        const res = run(file);
        expect(res.stdout).to.equal('true function\n');
      });
    });
  }

  for (const [name, expected] of [
    ['both-ways.js', 'greenlet says 42\nwhile blocked: tick, promise, timer\n'],
    ['echo-pair.js', 'echo: alpha\necho: beta\necho: gamma\nserver closed after our EOF: true\n'],
    ['http-get.js', 'HTTP/1.1 200 OK\nhello from /legacy\n'],
  ]) {
    it(`runs ${name} the same under plain node (the root blocks) and the runner`, () => {
      const plain = runNode(legacy(name));
      const runner = viaRunner(legacy(name));
      expect(plain.stdout).to.equal(expected);
      expect(runner.stdout).to.equal(plain.stdout);
      expect(runner.status).to.equal(plain.status).and.to.equal(0);
    });
  }

  it('--no-fibers-alias leaves require("fibers") to normal resolution', () => {
    const file = tmpScript('noalias.js', "try { require('fibers') } catch (e) { console.log(e.code) }");
    const res = viaRunner(file, [], { runnerArgs: ['--no-fibers-alias'] });
    expect(res.stdout).to.equal('MODULE_NOT_FOUND\n');
  });

  it('FIBERNET_NO_FIBERS_ALIAS=1 does the same for node -r fibernet/register', () => {
    const file = tmpScript('noalias.js', "try { require('fibers') } catch (e) { console.log(e.code) }");
    const res = viaRegister(file, [], { env: { FIBERNET_NO_FIBERS_ALIAS: '1' } });
    expect(res.stdout).to.equal('MODULE_NOT_FOUND\n');
  });

  it('--version and --help', () => {
    const { version } = require('../../package.json');
    expect(viaRunner('--version').stdout).to.equal(`fibernet v${version} (Node.js ${process.version})\n`);
    const help = runNode(cli, ['--help']);
    expect(help.stdout).to.contain('Usage: fibernet [options] <script.js> [arguments...]');
    expect(help.status).to.equal(0);
  });

  it('an unknown option or no script: usage on stderr, exit code 9 as node', () => {
    const unknown = runNode(cli, ['--bogus', 'x.js']);
    expect(unknown.status).to.equal(9);
    expect(unknown.stderr).to.contain('unknown option --bogus');
    const none = runNode(cli, []);
    expect(none.status).to.equal(9);
    expect(none.stderr).to.contain('no script given');
  });

  it('a missing script gives node\'s message and exit code', () => {
    const missing = path.join(os.tmpdir(), 'fibernet-no-such-script.js');
    const plain = runNode(missing);
    const res = viaRunner(missing);
    expect(res.status).to.equal(plain.status).and.to.equal(1);
    const head = (s) => s.split('\n').slice(0, 5).join('\n');
    expect(head(res.stderr)).to.equal(head(plain.stderr));
    expect(res.stderr).to.contain(`Error: Cannot find module '${missing}'`);
  });

  it('a syntax error gives node\'s message and exit code', () => {
    const file = tmpScript('bad.js', 'let x = ;\n');
    const plain = runNode(file);
    const res = viaRunner(file);
    expect(res.status).to.equal(plain.status).and.to.equal(1);
    const head = (s) => s.split('\n').slice(0, 5).join('\n');
    expect(head(res.stderr)).to.equal(head(plain.stderr));
  });

  it('an uncaughtException handler sees an error thrown after the main fiber blocked', () => {
    const file = tmpScript(
      'handled.js',
      "process.on('uncaughtException', (e) => console.log('handled', e.message));\n" +
        `require(${JSON.stringify(root)}).sleep(5);\nthrow new Error('late');\n`,
    );
    const res = viaRunner(file);
    expect(res.stdout).to.equal('handled late\n');
    expect(res.status).to.equal(0);
  });

  it('a signal ends the runner as it ends node', (done) => {
    const file = tmpScript('sleepy.js', `console.log('ready');\nrequire(${JSON.stringify(root)}).sleep(20000);\n`);
    const child = spawn(process.execPath, [cli, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.once('data', () => child.kill('SIGTERM'));
    child.on('exit', (code, signal) => {
      expect(code).to.equal(null);
      expect(signal).to.equal('SIGTERM');
      done();
    });
  });
});
