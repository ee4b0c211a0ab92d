#!/usr/bin/env node
'use strict';
// fibernet's soak: the long fault checks, too big for `npm test`. Each runs a
// fixture of spec/fixtures/faults/ in a child process of its own, bounded in
// time, on each fiber backend, and prints one PASS or FAIL line with its
// numbers. The exit code is 1 if any check failed.
//
//   npm run soak                       (compiles, then runs every check on both backends)
//   node scripts/soak.js [--backend=stacks|threads] [--only=churn,idle,...]
//
// The checks (spec/faults/*.spec.js runs the same fixtures at test sizes):
//   churn       50,000 connect / echo / close cycles: fds, live fibers and
//               runners back to baseline, RSS back near it
//   idle        5,000 idle connections held by parked greenlets for 5 s: all
//               still answer, then everything is released
//   slow-reader 100 MiB to a slow reader: bytes exact, at most one chunk
//               queued in Node, memory bounded
//   bulk        1,000 clients x 1 MiB echoed in random chunks, byte-exact
//   signals     SIGINT / SIGTERM with 1,000 greenlets parked: dies by the
//               signal or runs its listener, never an abort
//   exhaustion  stacks or threads run out under ulimit -v; fds run out under
//               ulimit -n: the failure is a coded error, the rest goes on
const path = require('path');
const { spawn, spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const fixtures = path.join(root, 'spec', 'fixtures', 'faults');
const cli = path.join(root, 'bin', 'fibernet.js');
const MiB = 1024 * 1024;

// ---------------------------------------------------------------- running a child

/**
 * Runs `node --expose-gc <fixture> args` through bash (so `limits`, e.g.
 * "ulimit -v 3000000 &&", apply to it alone), with the soft fd limit raised
 * to the hard one. Resolves to { code, signal, stdout, stderr, result,
 * timedOut }; `onStdout(text, child)` sees the output as it comes.
 */
function runChild(file, args, { env = {}, limits = '', timeoutMs, onStdout, nodeArgs = [] }) {
  const quoted = [...nodeArgs, file, ...args.map(String)].map((a) => `'${a}'`).join(' ');
  const cmd = `ulimit -n "$(ulimit -Hn)" 2>/dev/null; ${limits} exec "${process.execPath}" --expose-gc ${quoted}`;
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', cmd], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d) => {
      stdout += d;
      if (onStdout) onStdout(stdout, child);
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').reverse().find((l) => l.startsWith('RESULT '));
      let result = null;
      if (line) {
        try {
          result = JSON.parse(line.slice(7));
        } catch {
          result = null;
        }
      }
      resolve({ code, signal, stdout, stderr, result, timedOut });
    });
  });
}

/** Problems common to every fixture run: a timeout, a bad exit, stderr output, no RESULT. */
function runProblems(res, { expectResult = true } = {}) {
  const out = [];
  if (res.timedOut) out.push('did not finish in time');
  else if (res.code !== 0) out.push(`exit ${res.code === null ? `by ${res.signal}` : `code ${res.code}`}`);
  if (res.stderr !== '') out.push(`stderr: ${JSON.stringify(res.stderr.slice(0, 300))}`);
  if (expectResult && res.result === null) out.push('no RESULT line');
  return out;
}

const mib = (x) => `${Number(x).toFixed(1)} MiB`;

/** Checks fds, live fibers, runners and heap against the run's baseline; pushes problems to `bad`. */
function baselineProblems(r, bad) {
  if (r.after.fds > r.base.fds) bad.push(`fds ${r.base.fds} -> ${r.after.fds}`);
  if (r.after.live > r.base.live) bad.push(`live fibers ${r.base.live} -> ${r.after.live}`);
  if (r.after.alive - r.after.pooled > r.after.live) bad.push(`runners in use ${r.after.alive - r.after.pooled} with ${r.after.live} live fibers`);
  if (r.after.pooled > r.after.poolSize) bad.push(`pooled runners ${r.after.pooled} > pool size ${r.after.poolSize}`);
  if (r.after.heap > r.base.heap + 16) bad.push(`heap after GC ${mib(r.base.heap)} -> ${mib(r.after.heap)}`);
}

const fixtureCheck = (file, args, judge, extra = {}) => async (backend) => {
  const res = await runChild(path.join(fixtures, file), args, { env: { FIBERNET_BACKEND: backend }, ...extra });
  const bad = runProblems(res);
  if (res.result === null) return { bad, numbers: '' };
  return judge(res.result, bad);
};

/** Wraps a check that needs `n` fds: fails it up front, with the reason, when the hard limit is lower. */
const needsFds = (n, run) => async (backend) => {
  const hard = spawnSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim();
  if (hard !== 'unlimited' && Number(hard) < n) return { bad: [`needs ${n} fds, the hard limit (ulimit -Hn) is ${hard}`], numbers: '' };
  return run(backend);
};

// ---------------------------------------------------------------- the checks

const checks = [
  {
    name: 'churn',
    what: '50,000 connect/echo/close cycles',
    run: fixtureCheck(
      'churn.js',
      [50000, 50],
      (r, bad) => {
        if (r.cycles !== 50000) bad.push(`${r.cycles} cycles`);
        if (r.mismatches !== 0) bad.push(`${r.mismatches} echoes wrong`);
        if (r.errors.length > 0) bad.push(`errors: ${r.errors.slice(0, 3).join('; ')}`);
        if (r.handlersRunning !== 0) bad.push(`${r.handlersRunning} handlers still running`);
        baselineProblems(r, bad);
        if (r.after.rss > r.base.rss + 64) bad.push(`RSS ${mib(r.base.rss)} -> ${mib(r.after.rss)} (more than 64 MiB above baseline)`);
        return {
          bad,
          numbers:
            `${r.cycles} cycles in ${(r.ms / 1000).toFixed(1)} s; fds ${r.base.fds} -> ${r.after.fds}; live fibers ${r.base.live} -> ${r.after.live}; ` +
            `runners ${r.after.alive} (${r.after.pooled} pooled); RSS ${mib(r.base.rss)} -> peak ${mib(r.peakRss)} -> ${mib(r.after.rss)}; heap ${mib(r.base.heap)} -> ${mib(r.after.heap)}`,
        };
      },
      { timeoutMs: 300000 },
    ),
  },
  {
    name: 'idle',
    what: '5,000 idle connections held by parked greenlets',
    run: needsFds(10100, fixtureCheck(
      'idle.js',
      [5000, 5000],
      (r, bad) => {
        if (r.connected !== 5000) bad.push(`${r.connected} connected`);
        if (r.fibersParked !== 10001) bad.push(`${r.fibersParked} fibers parked (expected 10,001)`);
        if (r.answered !== 5000) bad.push(`${r.answered} of 5000 answered; ${r.failures.join('; ')}`);
        if (r.errors.length > 0) bad.push(`errors: ${r.errors.join('; ')}`);
        baselineProblems(r, bad);
        return {
          bad,
          numbers:
            `${r.answered}/5000 answered after ${r.idleMs / 1000} s idle (in ${r.answerMs} ms); ${r.fibersParked} fibers parked; ` +
            `${r.held.fds} fds held; RSS ${mib(r.base.rss)} -> ${mib(r.held.rss)} held (${r.rssPerConnectionKiB} KiB per connection, both ends) -> ${mib(r.after.rss)}; fds after ${r.after.fds}`,
        };
      },
      { timeoutMs: 180000 },
    )),
  },
  {
    name: 'slow-reader',
    what: '100 MiB to a slow reader',
    run: fixtureCheck(
      'slow-reader.js',
      [100 * MiB, 65536, 65536, 1],
      (r, bad) => {
        if (r.received !== r.bytes || r.sent !== r.bytes) bad.push(`sent ${r.sent}, received ${r.received} of ${r.bytes}`);
        if (r.firstBad !== -1) bad.push(`first wrong byte at ${r.firstBad}`);
        if (!r.senderOk) bad.push(`sender failed: ${r.senderError}`);
        if (r.maxQueued > r.chunk) bad.push(`${r.maxQueued} bytes queued in Node (more than one chunk)`);
        if (!(r.blockedSendalls > 0)) bad.push('no sendall() ever waited for the reader');
        if (r.maxInFlight > 16 * MiB) bad.push(`${mib(r.maxInFlight / MiB)} sent but unread`);
        if (r.peakRss > r.base.rss + 64) bad.push(`RSS peak ${mib(r.peakRss)} (baseline ${mib(r.base.rss)})`);
        if (r.errors.length > 0) bad.push(`errors: ${r.errors.join('; ')}`);
        return {
          bad,
          numbers:
            `${mib(r.received / MiB)} exact in ${(r.ms / 1000).toFixed(1)} s; ${r.blockedSendalls} of ${r.sendalls} sendall() calls waited for the reader; ` +
            `at most ${r.maxQueued} bytes queued in Node, ${mib(r.maxInFlight / MiB)} in flight; ` +
            `RSS ${mib(r.base.rss)} -> peak ${mib(r.peakRss)}; heap peak ${mib(r.peakHeap)}`,
        };
      },
      { timeoutMs: 300000 },
    ),
  },
  {
    name: 'bulk',
    what: '1,000 clients x 1 MiB in random chunks',
    run: fixtureCheck(
      'bulk.js',
      [1000, MiB],
      (r, bad) => {
        if (r.exact !== 1000) bad.push(`${r.exact} of 1000 exact; ${r.failures.slice(0, 3).join('; ')}`);
        if (r.echoed !== 1000 * MiB) bad.push(`${r.echoed} bytes echoed`);
        if (r.errors.length > 0) bad.push(`errors: ${r.errors.slice(0, 3).join('; ')}`);
        // Everything in memory at once would be more than a GiB each way.
        if (r.peakRss > r.base.rss + 512) bad.push(`RSS peak ${mib(r.peakRss)} (baseline ${mib(r.base.rss)})`);
        baselineProblems(r, bad);
        return {
          bad,
          numbers: `${r.exact}/1000 exact (${mib(r.echoed / MiB)} echoed) in ${(r.ms / 1000).toFixed(1)} s; RSS ${mib(r.base.rss)} -> peak ${mib(r.peakRss)} -> ${mib(r.after.rss)}; fds ${r.base.fds} -> ${r.after.fds}`,
        };
      },
      { timeoutMs: 300000 },
    ),
  },
  {
    name: 'signals',
    what: 'SIGINT/SIGTERM with 1,000 greenlets parked',
    async run(backend) {
      const bad = [];
      let runs = 0;
      for (const where of ['root', 'runner', 'spawned']) {
        for (const sig of ['SIGINT', 'SIGTERM']) {
          for (const mode of ['none', 'exit', 'kill']) {
            let sent = false;
            const res = await runChild(path.join(fixtures, 'signal.js'), [where, mode, 1000], {
              env: { FIBERNET_BACKEND: backend },
              nodeArgs: where === 'runner' ? [cli] : [],
              timeoutMs: 30000,
              onStdout(out, child) {
                if (!sent && out.includes('ready\n')) {
                  sent = true;
                  child.kill(sig); // bash exec'd node: the child's pid is node's
                }
              },
            });
            runs++;
            const label = `${where}/${sig}/${mode}`;
            if (res.timedOut) {
              bad.push(`${label}: did not finish`);
              continue;
            }
            if (res.stderr !== '') bad.push(`${label}: stderr ${JSON.stringify(res.stderr.slice(0, 200))}`);
            const want =
              mode === 'none'
                ? { signal: sig, code: null, stdout: 'ready\n' }
                : mode === 'exit'
                  ? { signal: null, code: 0, stdout: `ready\nhandler ran for ${sig}\nexit 0: 1000 of 1000 unwound, 0 finished normally\n` }
                  : { signal: null, code: 0, stdout: 'ready\nmain returned\nexit 0: 1000 of 1000 unwound, 1000 finished normally\n' };
            if (res.signal !== want.signal || res.code !== want.code || res.stdout !== want.stdout) {
              bad.push(`${label}: exit ${res.code}/${res.signal}, stdout ${JSON.stringify(res.stdout)}`);
            }
          }
        }
      }
      return { bad, numbers: `${runs} runs (root, runner, spawned x SIGINT, SIGTERM x no listener, exit(), kill all)` };
    },
  },
  {
    name: 'exhaustion',
    what: 'stacks/threads (ulimit -v) and fds (ulimit -n) running out',
    async run(backend) {
      const bad = [];
      const res = await runChild(path.join(fixtures, 'exhaustion.js'), [], {
        env: { FIBERNET_BACKEND: backend },
        limits: 'ulimit -v 3000000 &&',
        timeoutMs: 120000,
      });
      bad.push(...runProblems(res));
      const r = res.result;
      const code = backend === 'threads' ? 'ERR_FIBER_THREAD_LIMIT' : 'ERR_FIBER_STACK_LIMIT';
      let numbers = '';
      if (r !== null) {
        if (!(r.limitAfter > 0)) bad.push(`no limit reached (${r.limitAfter})`);
        if (r.limitCode !== code) bad.push(`limit error ${r.limitCode}, expected ${code}`);
        if (r.stillAnswer !== r.limitAfter) bad.push(`${r.stillAnswer} of ${r.limitAfter} served connections still answer`);
        if (r.recovered !== 10) bad.push(`${r.recovered} of 10 new connections served after 10 closed`);
        if (r.recursion !== 'RangeError') bad.push(`deep recursion ended with ${r.recursion}`);
        numbers = `limit after ${r.limitAfter} handlers with 64 MiB stacks (${r.limitCode}); ${r.stillAnswer} still answer; ${r.recovered}/10 served after 10 closed; recursion: ${r.recursion}`;
      }
      const fds = await runChild(path.join(fixtures, 'fd-limit.js'), [], {
        env: { FIBERNET_BACKEND: backend },
        limits: 'ulimit -n 200 &&',
        timeoutMs: 60000,
      });
      bad.push(...runProblems(fds).map((p) => `fd limit: ${p}`));
      if (fds.result !== null) {
        const f = fds.result;
        if (!(f.connectErrors.EMFILE > 0) || Object.keys(f.connectErrors).length !== 1) bad.push(`fd limit: connect errors ${JSON.stringify(f.connectErrors)}`);
        if (f.recovered !== 10) bad.push(`fd limit: ${f.recovered} of 10 connections after freeing fds`);
        if (f.errors.length > 0) bad.push(`fd limit: errors ${f.errors.join('; ')}`);
        numbers += `; fds (ulimit -n 200): ${f.atLimit.clients} connections, then ${f.connectErrors.EMFILE} x EMFILE, ${f.recovered}/10 after freeing`;
      }
      return { bad, numbers };
    },
  },
];

// ---------------------------------------------------------------- main

function parseArgs(argv) {
  const opts = { backends: ['stacks', 'threads'], only: null };
  for (const a of argv) {
    const m = /^--(backend|only)=(.+)$/.exec(a);
    if (!m) {
      console.error(`usage: node scripts/soak.js [--backend=stacks|threads] [--only=${checks.map((c) => c.name).join(',')}]`);
      process.exit(2);
    }
    if (m[1] === 'backend') opts.backends = m[2].split(',');
    else opts.only = m[2].split(',');
  }
  for (const b of opts.backends) if (b !== 'stacks' && b !== 'threads') throw new Error(`unknown backend ${b}`);
  for (const n of opts.only || []) if (!checks.some((c) => c.name === n)) throw new Error(`unknown check ${n}`);
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let failed = 0;
  let passed = 0;
  for (const backend of opts.backends) {
    for (const check of checks) {
      if (opts.only && !opts.only.includes(check.name)) continue;
      const started = Date.now();
      let outcome;
      try {
        outcome = await check.run(backend);
      } catch (err) {
        outcome = { bad: [`the check itself threw: ${err && err.stack}`], numbers: '' };
      }
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      const head = `${check.name} [${backend}] ${check.what} (${secs} s)`;
      if (outcome.bad.length === 0) {
        passed++;
        console.log(`PASS ${head}: ${outcome.numbers}`);
      } else {
        failed++;
        console.log(`FAIL ${head}: ${outcome.bad.join('; ')}${outcome.numbers ? ` | ${outcome.numbers}` : ''}`);
      }
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

main();
