'use strict';
// The two native backends: which one loads, why, what the environment can
// force, and that fibers behave the same on both. Tests that need a given
// backend run a child process with the environment set; the in-process tests
// hold on both (CI runs the suite by default and with FIBERNET_BACKEND=threads).
const { expect } = require('chai');
const path = require('path');
const { spawnSync } = require('child_process');
const { Fiber, fiberStats } = require('../..');
const { runNode } = require('../helpers');

const fixture = (name) => path.join(__dirname, '..', 'fixtures', name);
const report = fixture('backend-report.js');

/** The stack backend must be proved on the official Node 20, 22 and 24 linux-x64 builds. */
const forcedThreads = process.env.FIBERNET_BACKEND === 'threads';

/** Environment for a child: ours without the backend variables, plus `env` (undefined unsets). */
function childEnv(env = {}) {
  return { FIBERNET_BACKEND: undefined, FIBERNET_STACKS_SABOTAGE: undefined, ...env };
}

/** Runs the report fixture with `env`; returns the result with the first stdout line parsed. */
function runReport(env, args = [], nodeArgs = ['--expose-gc']) {
  const res = runNode(report, args, { env: childEnv(env), nodeArgs });
  const lines = res.stdout.split('\n');
  let chosen;
  try {
    chosen = JSON.parse(lines[0]);
  } catch {
    // Unparsable: the assertions on it then print what the child wrote.
    chosen = { backend: undefined, backendReason: `child wrote:\n${res.stdout}\n${res.stderr}` };
  }
  return { ...res, chosen, trace: lines.slice(1).join('\n') };
}

/** What a load error looks like, from the fixture's `catch` mode. */
function loadError(env) {
  const res = runNode(report, ['catch'], { env: childEnv(env) });
  expect(res.stderr, 'stderr').to.equal('');
  expect(res.status, res.stdout).to.equal(0);
  return JSON.parse(res.stdout);
}

// The trace of the report fixture's fibers, the same under either backend.
const expectedTrace = [
  'g0:0:0 g1:0:0 g2:0:0 g0:1:1 g1:1:1 g2:1:1 g0:2:2 g1:2:2 g2:2:2 g0 done:3 g1 done:3 g2 done:3',
  'outer got inner parked',
  'outer caught TypeError: from inner after resume',
  'caught object {"n":42}',
  'finally ran',
  '0v0 1v1 2v2 3v3 4v4 5v5 6v6 7v7 8v8 9v9',
  'recursion: RangeError',
  'a1 b1 c1 a2 b2 c2 a3 b3 c3 -> ABC',
  'live 0, created>0 true, pooled<=poolSize true',
  'guarded ok true',
  '',
].join('\n');

describe('Fiber backends', () => {
  describe('in this process', () => {
    it("reports the backend: 'stacks' by default on linux-x64, 'threads' when FIBERNET_BACKEND=threads", () => {
      const stats = fiberStats();
      expect(stats.backend).to.be.oneOf(['stacks', 'threads']);
      expect(stats.backendReason).to.be.a('string').that.is.not.empty;
      if (forcedThreads) {
        expect(stats.backend).to.equal('threads');
        expect(stats.backendReason).to.contain('FIBERNET_BACKEND');
      } else {
        // fibernet supports linux-x64 only, where the official builds prove the stacks backend.
        expect(stats.backend, stats.backendReason).to.equal('stacks');
      }
    });

    it('keeps its counters consistent while fibers park and finish', () => {
      const before = fiberStats();
      const fibers = [];
      for (let i = 0; i < 30; i++) {
        const f = Fiber(() => Fiber.yield(i));
        expect(f.run()).to.equal(i);
        fibers.push(f);
      }
      const during = fiberStats();
      expect(during.live).to.equal(before.live + 30);
      // Every parked fiber keeps a runner (stack or thread) of its own.
      expect(during.alive - during.pooled).to.be.at.least(during.live);
      expect(during.created).to.be.at.least(during.alive);
      expect(during.guarded).to.be.at.most(during.alive);
      for (const f of fibers) f.run();
      const after = fiberStats();
      expect(after.live).to.equal(before.live);
      expect(after.pooled).to.be.at.most(after.poolSize);
      expect(after.alive).to.be.at.most(after.poolSize + after.live + 1);
      expect(after.created).to.be.at.least(during.created);
      if (after.backend === 'threads') expect(after.guarded).to.equal(0);
      else expect(after.guarded).to.be.at.most(after.alive);
      // The backend never changes once loaded.
      expect(after.backend).to.equal(before.backend);
      expect(after.backendReason).to.equal(before.backendReason);
    });
  });

  describe('chosen at load (child processes)', () => {
    it("defaults to 'stacks' on linux-x64 when FIBERNET_BACKEND is unset", function () {
      const res = runReport({});
      expect(res.stderr).to.equal('');
      expect(res.status).to.equal(0);
      expect(res.chosen.backend, res.chosen.backendReason).to.equal('stacks');
      expect(res.chosen.backendReason).to.be.a('string').that.is.not.empty;
      expect(res.trace).to.equal(expectedTrace);
    });

    for (const backend of ['threads', 'stacks']) {
      it(`FIBERNET_BACKEND=${backend} forces the ${backend} backend, and says so`, function () {
        const res = runReport({ FIBERNET_BACKEND: backend });
        expect(res.stderr).to.equal('');
        expect(res.status).to.equal(0);
        expect(res.chosen.backend).to.equal(backend);
        expect(res.chosen.backendReason).to.contain('FIBERNET_BACKEND');
        expect(res.trace).to.equal(expectedTrace);
      });
    }

    it('runs, yields, nests, throws and blocks the same way on both backends', function () {
      const stacks = runReport({ FIBERNET_BACKEND: 'stacks' });
      const threads = runReport({ FIBERNET_BACKEND: 'threads' });
      expect(stacks.chosen.backend, stacks.chosen.backendReason).to.equal('stacks');
      expect(threads.chosen.backend, threads.chosen.backendReason).to.equal('threads');
      expect(stacks.trace).to.equal(threads.trace);
      expect(stacks.trace).to.equal(expectedTrace);
    });

    for (const bad of ['coroutines', 'pthreads']) {
      it(`refuses FIBERNET_BACKEND=${bad} with ERR_FIBERNET_BACKEND naming the value`, () => {
        const err = loadError({ FIBERNET_BACKEND: bad });
        expect(err.thrown).to.equal(true);
        expect(err.isError).to.equal(true);
        expect(err.code).to.equal('ERR_FIBERNET_BACKEND');
        expect(err.message).to.contain(bad);
        // Uncaught, it ends the process with the code on stderr.
        const res = runReport({ FIBERNET_BACKEND: bad });
        expect(res.status).to.not.equal(0);
        expect(res.stdout).to.equal('');
        expect(res.stderr).to.contain('ERR_FIBERNET_BACKEND');
        expect(res.stderr).to.contain(bad);
      });
    }
  });

  describe('a proof that fails (FIBERNET_STACKS_SABOTAGE)', () => {
    // [sabotage, the check it must name, the other slot's check it must not name]
    const cases = [
      ['thread-id', /thread[- _]?id/i, /stack[- _]?start/i],
      ['stack-start', /stack[- _]?start/i, /thread[- _]?id/i],
    ];

    it('the proof holds unsabotaged (so a failure below comes from the sabotage)', () => {
      const res = runReport({}, [], []);
      expect(res.chosen.backend, res.chosen.backendReason).to.equal('stacks');
      expect(res.status, res.stderr).to.equal(0);
    });

    for (const [sabotage, names, other] of cases) {
      it(`${sabotage}: falls back to threads, and backendReason names the failed check`, () => {
        const res = runReport({ FIBERNET_STACKS_SABOTAGE: sabotage });
        expect(res.stderr).to.equal('');
        expect(res.status).to.equal(0);
        expect(res.chosen.backend).to.equal('threads');
        expect(res.chosen.backendReason).to.match(names);
        expect(res.chosen.backendReason).to.not.match(other);
        expect(res.chosen.backendReason).to.not.contain('FIBERNET_BACKEND=threads');
        // The fallback is a working backend.
        expect(res.trace).to.equal(expectedTrace);
      });

      it(`${sabotage} with FIBERNET_BACKEND=stacks: require throws ERR_FIBERNET_STACKS_UNPROVEN naming the check`, () => {
        const err = loadError({ FIBERNET_BACKEND: 'stacks', FIBERNET_STACKS_SABOTAGE: sabotage });
        expect(err.thrown).to.equal(true);
        expect(err.isError).to.equal(true);
        expect(err.code).to.equal('ERR_FIBERNET_STACKS_UNPROVEN');
        expect(err.message).to.match(names);
        expect(err.message).to.not.match(other);
        const res = runReport({ FIBERNET_BACKEND: 'stacks', FIBERNET_STACKS_SABOTAGE: sabotage });
        expect(res.status).to.not.equal(0);
        expect(res.stdout).to.equal('');
        expect(res.stderr).to.contain('ERR_FIBERNET_STACKS_UNPROVEN');
        expect(res.stderr).to.match(names);
      });
    }

    it('each sabotage fails a different check', () => {
      const reasonOf = (sabotage) => runReport({ FIBERNET_STACKS_SABOTAGE: sabotage }).chosen.backendReason;
      const threadId = reasonOf('thread-id');
      const stackStart = reasonOf('stack-start');
      expect(threadId).to.match(/thread[- _]?id/i);
      expect(stackStart).to.match(/stack[- _]?start/i);
      expect(threadId).to.not.equal(stackStart);
    });

    it('FIBERNET_BACKEND=threads does not need the proof', () => {
      const res = runReport({ FIBERNET_BACKEND: 'threads', FIBERNET_STACKS_SABOTAGE: 'thread-id' });
      expect(res.stderr).to.equal('');
      expect(res.status).to.equal(0);
      expect(res.chosen.backend).to.equal('threads');
      expect(res.trace).to.equal(expectedTrace);
    });
  });

  describe('a fiber that cannot get a stack or thread', () => {
    // Under a virtual-memory cap, 64 MiB fiber stacks run out after a few dozen.
    const cases = [
      ['threads', 'ERR_FIBER_THREAD_LIMIT'],
      ['stacks', 'ERR_FIBER_STACK_LIMIT'],
    ];
    /** Runs a fixture on `backend` under a 3 GB virtual-memory cap. */
    const underCap = (name, backend) =>
      spawnSync('bash', ['-c', `ulimit -v 3000000 && exec "${process.execPath}" "${fixture(name)}"`], {
        encoding: 'utf8',
        timeout: 60000,
        env: { ...process.env, FIBERNET_BACKEND: backend, FIBERNET_STACKS_SABOTAGE: undefined },
      });
    for (const [backend, code] of cases) {
      it(`${backend}: run() throws ${code}, and fibers keep working after`, function () {
        const res = underCap('backend-limit.js', backend);
        expect(res.stderr).to.equal('');
        expect(res.stdout).to.match(new RegExp(`^backend ${backend}\\nlimit reached after \\d+ fibers: ${code}: \\S`));
        expect(res.stdout).to.contain('\nresumed 10 parked: ok\nstill works: yes\n');
        expect(res.status).to.equal(0);
      });

      it(`${backend}: a greenlet that cannot start fails alone (dead, its exception ${code}, handleError) and the rest go on`, function () {
        const res = underCap('greenlet-limit.js', backend);
        expect(res.stderr).to.equal('');
        expect(res.stdout).to.match(new RegExp(`^backend ${backend}\\nlimit reached after \\d+ greenlets: dead true, ${code}\\n`));
        expect(res.stdout).to.contain('\nreported: true\nparked ones finished: true\nstill works: yes\n');
        expect(res.status).to.equal(0);
      });
    }
  });
});
