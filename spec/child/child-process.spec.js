'use strict';
// child_process after patchAll(): ChildProcess#wait() and #communicate(), and
// with patchAll({ childProcessSync: true }) *Sync functions that park only
// the calling fiber, returning and throwing what Node's own do.
const cp = require('child_process');
const { expect } = require('chai');
const { patchAll, unpatchAll, getOriginal, isPatched, spawn, sleep, TimeoutError, BlockingSwitchOutError } = require('../..');

/** Runs fn in a greenlet; resolves with what it returned or threw (as { value } / { error }). */
function inGreenlet(fn) {
  return new Promise((resolve) => {
    const g = spawn(() => {
      try {
        return { value: fn() };
      } catch (error) {
        return { error };
      }
    });
    g.link(() => resolve(g.value));
  });
}

/** A greenlet that counts 10 ms sleeps: `ticks` grows only while other greenlets let it run. */
function startTicker() {
  const ticker = { ticks: 0, greenlet: null };
  ticker.greenlet = spawn(() => {
    for (;;) {
      sleep(10);
      ticker.ticks++;
    }
  });
  return ticker;
}

describe('child_process, blocking-style', () => {
  before(() => patchAll());

  describe('ChildProcess#wait()', () => {
    it('returns the exit code once the child exits, while other greenlets run', async () => {
      const ticker = startTicker();
      const { value } = await inGreenlet(() => cp.spawn('sh', ['-c', 'sleep 0.2; exit 7']).wait());
      ticker.greenlet.kill();
      expect(value).to.equal(7);
      expect(ticker.ticks, 'the ticker ran while wait() waited').to.be.at.least(1);
    });

    it('returns the signal name for a child a signal ended, and at once for a child already gone', async () => {
      const { value } = await inGreenlet(() => {
        const child = cp.spawn('sleep', ['5']);
        setTimeout(() => child.kill('SIGKILL'), 20);
        const first = child.wait();
        return [first, child.wait()];
      });
      expect(value).to.deep.equal(['SIGKILL', 'SIGKILL']);
    });

    it('throws TimeoutError after ms and leaves the child running', async () => {
      const { value, error } = await inGreenlet(() => {
        const child = cp.spawn('sleep', ['5']);
        try {
          child.wait(50);
        } finally {
          setTimeout(() => child.kill(), 0);
        }
      });
      expect(value).to.equal(undefined);
      expect(error).to.be.instanceOf(TimeoutError);
    });

    it('refuses a bad ms, another this, and blocking in an event-loop callback', async () => {
      const child = cp.spawn('sleep', ['5']);
      expect(() => child.wait('1')).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
      expect(() => child.wait(-1)).to.throw(RangeError).with.property('code', 'ERR_OUT_OF_RANGE');
      expect(() => cp.ChildProcess.prototype.wait.call({})).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
      await new Promise((resolve) => setImmediate(resolve));
      expect(() => child.wait()).to.throw(BlockingSwitchOutError);
      child.kill();
      await new Promise((resolve) => child.once('exit', resolve));
    });
  });

  describe('ChildProcess#communicate()', () => {
    it('feeds stdin, reads stdout and stderr to the end, and waits for the exit', async () => {
      const { value } = await inGreenlet(() =>
        cp.spawn('sh', ['-c', 'cat; echo done >&2; exit 3']).communicate('fed through stdin\n'),
      );
      expect(value.stdout).to.be.instanceOf(Buffer);
      expect(value.stdout.toString()).to.equal('fed through stdin\n');
      expect(value.stderr.toString()).to.equal('done\n');
      expect([value.status, value.signal]).to.deep.equal([3, null]);
    });

    it('decodes with options.encoding, and gives null for a stream that is not a pipe', async () => {
      const { value } = await inGreenlet(() =>
        cp.spawn('sh', ['-c', 'echo hi'], { stdio: ['pipe', 'pipe', 'ignore'] }).communicate(null, { encoding: 'utf8' }),
      );
      expect(value).to.deep.equal({ stdout: 'hi\n', stderr: null, status: 0, signal: null });
    });

    it('reads more than a pipe holds without deadlock (1 MiB each way)', async () => {
      const input = Buffer.alloc(1 << 20, 'x');
      const { value } = await inGreenlet(() => cp.spawn('cat').communicate(input));
      expect(value.stdout.length).to.equal(1 << 20);
      expect(value.status).to.equal(0);
    });

    it('throws TimeoutError after options.timeout', async () => {
      let child;
      const { error } = await inGreenlet(() => {
        child = cp.spawn('sleep', ['5']);
        return child.communicate(null, { timeout: 50 });
      });
      child.kill();
      expect(error).to.be.instanceOf(TimeoutError);
    });

    it('refuses input of the wrong type, input for a stdin that is not a pipe, bad options', async () => {
      const child = cp.spawn('true', [], { stdio: ['ignore', 'pipe', 'pipe'] });
      const run = (...args) => inGreenlet(() => child.communicate(...args));
      expect((await run(42)).error).to.have.property('code', 'ERR_INVALID_ARG_TYPE');
      expect((await run('text')).error.message).to.contain("stdin is not a pipe");
      expect((await run(null, 'utf8')).error).to.have.property('code', 'ERR_INVALID_ARG_TYPE');
      expect((await run(null, { encoding: 'klingon' })).error).to.have.property('code', 'ERR_INVALID_ARG_TYPE');
      expect((await run(null, { timeout: -1 })).error).to.have.property('code', 'ERR_OUT_OF_RANGE');
      expect((await run()).value.status).to.equal(0);
    });
  });

  describe('patchAll({ childProcessSync: true })', () => {
    const original = {};
    before(() => {
      expect(isPatched('childProcessSync'), 'off by default').to.equal(false);
      expect(cp.execSync).to.equal(getOriginal('child_process', 'execSync'));
      for (const name of ['spawnSync', 'execSync', 'execFileSync']) original[name] = cp[name];
      patchAll({ childProcessSync: true });
    });
    after(() => {
      // Back to the default patching for the specs that follow.
      unpatchAll();
      patchAll();
    });

    /** What a result or error is made of, comparable across Node's run and ours. */
    function shape(r) {
      const pick = (o, keys) => Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));
      const text = (v) => (v === null || v === undefined ? v : String(v));
      if (r instanceof Error) {
        return { message: r.message, ...pick(r, ['code', 'errno', 'syscall', 'path', 'spawnargs', 'status', 'signal']), stdout: text(r.stdout), stderr: text(r.stderr) };
      }
      if (r !== null && typeof r === 'object' && 'pid' in r) {
        return {
          ...pick(r, ['status', 'signal']),
          pid: typeof r.pid,
          output: r.output && r.output.map(text),
          stdout: text(r.stdout),
          stderr: text(r.stderr),
          error: r.error && shape(r.error),
        };
      }
      return { value: text(r), type: typeof r };
    }

    const cases = [
      ['spawnSync', 'echo', ['hi']],
      ['spawnSync', 'sh', ['-c', 'echo out; echo err >&2; exit 3']],
      ['spawnSync', 'no-such-command-fibernet', []],
      ['spawnSync', 'sleep', ['2'], { timeout: 100 }],
      ['spawnSync', 'cat', [], { input: 'fed', encoding: 'utf8' }],
      ['spawnSync', 'sh', ['-c', 'echo x'], { stdio: 'ignore' }],
      ['execSync', 'echo hello'],
      ['execSync', 'exit 2', { stdio: 'pipe' }],
      ['execSync', 'echo $0', { shell: '/bin/bash', encoding: 'utf8' }],
      ['execFileSync', 'echo', ['a', 'b'], { encoding: 'utf8' }],
      ['execFileSync', 'sh', ['-c', 'echo bad >&2; exit 1'], { stdio: 'pipe' }],
      ['execFileSync', 'no-such-command-fibernet'],
      ['execFileSync', 'cat', { input: 'options in second place' }],
    ];
    for (const [name, ...args] of cases) {
      it(`${name}(${args.map((a) => JSON.stringify(a)).join(', ')}) returns or throws what Node's does`, async () => {
        let expected;
        try {
          expected = original[name](...args);
        } catch (err) {
          expected = err;
        }
        const { value, error } = await inGreenlet(() => cp[name](...args));
        expect(shape(error !== undefined ? error : value)).to.deep.equal(shape(expected));
      });
    }

    it('past maxBuffer: ENOBUFS and SIGTERM, as Node (the output kept ends where a read crossed it)', async () => {
      const { value } = await inGreenlet(() => cp.spawnSync('yes', [], { maxBuffer: 1000 }));
      expect(value.error).to.have.property('code', 'ENOBUFS');
      expect(value.error.message).to.equal('spawnSync yes ENOBUFS');
      expect(value.signal).to.equal('SIGTERM');
      expect(value.stdout.length).to.be.above(1000);
    });

    it('parks only the calling fiber: others run while execSync waits', async () => {
      const ticker = startTicker();
      const { value } = await inGreenlet(() => cp.execSync('sleep 0.3; echo slept', { encoding: 'utf8' }));
      ticker.greenlet.kill();
      expect(value).to.equal('slept\n');
      expect(ticker.ticks, 'the ticker ran while execSync waited').to.be.at.least(1);
    });

    it("outside a fiber they are Node's own (the main thread blocks, as asked)", () => {
      expect(cp.execSync('echo plain', { encoding: 'utf8' })).to.equal('plain\n');
      expect(cp.spawnSync('true').status).to.equal(0);
    });

    it('unpatchAll() gives Node its own functions back', () => {
      unpatchAll();
      try {
        for (const name of ['spawnSync', 'execSync', 'execFileSync']) expect(cp[name]).to.equal(original[name]);
      } finally {
        patchAll({ childProcessSync: true });
      }
    });
  });
});
