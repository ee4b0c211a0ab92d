// Hub benchmarks: wake-up latency, spawn+join per greenlet, and 10,000
// greenlets x 100 sleep(0), beside the old `fibers@5.0.3` on Node 14 doing
// the same work with a hand-written setImmediate "hub" (when
// scripts/old-fibers.sh can install it). Each measurement runs in a fresh
// child process (bench/hub-workload.js).
// Run standalone: `node dist/bench/hub.js`; or through `npm run bench`.
import * as os from 'os';
import * as path from 'path';
import { repoRoot, runJsonChild, table } from './run-child';

const workload = path.join(repoRoot, 'bench', 'hub-workload.js');
const oldFibers = path.join(repoRoot, 'scripts', 'old-fibers.sh');

type Impl = 'fibernet' | 'fibers';

function run<T>(impl: Impl, test: string, ...params: number[]): T | string {
  const args = [workload, impl, test, ...params.map(String)];
  const res =
    impl === 'fibernet' ? runJsonChild<T>(process.execPath, args, 600000) : runJsonChild<T>('bash', [oldFibers, ...args], 600000);
  return res.ok ? (res.value as T) : `n/a (${res.error})`;
}

function pick<K extends string>(v: Record<K, number> | string, key: K): number | string {
  return typeof v === 'string' ? v : v[key];
}

function fmt(v: number | string, digits = 2): string {
  return typeof v === 'number' ? v.toFixed(digits) : v;
}

function ratio(a: number | string, b: number | string): string {
  return typeof a === 'number' && typeof b === 'number' ? (a / b).toFixed(2) : '-';
}

export interface HubBenchOptions {
  /** Greenlets in the sleep(0) test (default 10,000). */
  greenlets?: number;
  /** sleep(0) calls per greenlet (default 100). */
  rounds?: number;
  /** Skip the old-fibers comparison. */
  skipOld?: boolean;
}

export function main(options: HubBenchOptions = {}): string[][] {
  const greenlets = options.greenlets ?? 10000;
  const rounds = options.rounds ?? 100;
  const old = <T>(test: string, ...params: number[]): T | string =>
    options.skipOld ? 'skipped' : run<T>('fibers', test, ...params);
  console.log(
    `# hub — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}`,
  );
  const rows: string[][] = [['measure', 'fibernet', 'old fibers (Node 14)', 'fibernet / old']];

  const newWake = pick(run<{ usMedian: number }>('fibernet', 'wakeLatency', 5000), 'usMedian');
  const oldWake = pick(old<{ usMedian: number }>('wakeLatency', 5000), 'usMedian');
  rows.push(['wake-up: Waiter.switch in setImmediate -> fiber runs (µs, median)', fmt(newWake), fmt(oldWake), ratio(newWake, oldWake)]);

  const oldSj = pick(old<{ usPerGreenlet: number }>('spawnJoin', 10000), 'usPerGreenlet');
  const newSj = pick(run<{ usPerGreenlet: number }>('fibernet', 'spawnJoin', 10000), 'usPerGreenlet');
  rows.push(['spawn + join, one at a time (µs per greenlet)', fmt(newSj), fmt(oldSj), ratio(newSj, oldSj)]);

  const newSja = pick(run<{ usPerGreenlet: number }>('fibernet', 'spawnJoinAll', 10000), 'usPerGreenlet');
  const oldSja = pick(old<{ usPerGreenlet: number }>('spawnJoinAll', 10000), 'usPerGreenlet');
  rows.push(['spawn 10,000 then joinAll (µs per greenlet)', fmt(newSja), fmt(oldSja), ratio(newSja, oldSja)]);

  const oldS0 = old<{ msTotal: number; usPerSleep: number }>('sleep0', greenlets, rounds);
  const newS0 = run<{ msTotal: number; usPerSleep: number }>('fibernet', 'sleep0', greenlets, rounds);
  const label = `${greenlets.toLocaleString('en-US')} greenlets x ${rounds} sleep(0)`;
  rows.push([`${label}: total (ms)`, fmt(pick(newS0, 'msTotal'), 0), fmt(pick(oldS0, 'msTotal'), 0), ratio(pick(newS0, 'msTotal'), pick(oldS0, 'msTotal'))]);
  rows.push([`${label}: per sleep(0) (µs)`, fmt(pick(newS0, 'usPerSleep')), fmt(pick(oldS0, 'usPerSleep')), ratio(pick(newS0, 'usPerSleep'), pick(oldS0, 'usPerSleep'))]);

  console.log(table(rows));
  return rows;
}

if (require.main === module) main();
