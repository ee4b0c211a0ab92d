// Hub benchmarks: wake-up latency, spawn+join per greenlet, and 10,000
// greenlets x 100 sleep(0), on fibernet's two backends (stacks, the default
// where proved; threads, FIBERNET_BACKEND=threads) beside the old
// `fibers@5.0.3` on Node 14 doing the same work with a hand-written
// setImmediate "hub" (when scripts/old-fibers.sh can install it). Each
// measurement runs in a fresh child process (bench/hub-workload.js).
// Run standalone: `node dist/bench/hub.js`; or through `npm run bench`.
import * as path from 'path';
import { repoRoot, runJsonChild, ChildResult } from './run-child';
import { backendEnv, Cell, cellOf, columnName, columnOrder, count, fmt, goal, heading, Impl, Notes, ratio, scaled, table } from './report';

const workload = path.join(repoRoot, 'bench', 'hub-workload.js');
const oldFibers = path.join(repoRoot, 'scripts', 'old-fibers.sh');


function run<T>(impl: Impl, test: string, ...params: number[]): ChildResult<T> {
  const args = [workload, impl === 'old' ? 'fibers' : 'fibernet', test, ...params.map(String)];
  return impl === 'old'
    ? runJsonChild<T>('bash', [oldFibers, ...args], { timeoutMs: 600000 })
    : runJsonChild<T>(process.execPath, args, { timeoutMs: 600000, env: backendEnv(impl) });
}

/** The goal of the issue: fibernet (stacks) no slower than the old package. */
const GOAL = 1.0;

export interface HubBenchOptions {
  /** Greenlets in the sleep(0) test (default 10,000). */
  greenlets?: number;
  /** sleep(0) calls per greenlet (default 100). */
  rounds?: number;
  /** Skip the old-fibers comparison. */
  skipOld?: boolean;
}

export function main(options: HubBenchOptions = {}): string[][] {
  const greenlets = options.greenlets ?? scaled(10000, 10);
  const rounds = options.rounds ?? scaled(100, 2);
  const notes = new Notes();
  console.log(heading('hub'));
  const rows: string[][] = [
    ['measure', columnName('stacks'), columnName('threads'), 'old fibers (Node 14)', 'stacks / old', 'threads / old', 'goal (stacks / old)'],
  ];
  let turn = 0;
  /** Runs one test in every column; returns each column's result. */
  const measure = <T>(test: string, ...params: number[]): Record<Impl, ChildResult<T>> => {
    const out = {} as Record<Impl, ChildResult<T>>;
    for (const impl of columnOrder(turn++)) {
      out[impl] = impl === 'old' && options.skipOld ? { ok: false, error: 'skipped (skipOld)' } : run<T>(impl, test, ...params);
    }
    return out;
  };
  const row = <T>(label: string, res: Record<Impl, ChildResult<T>>, pick: (v: T) => number | undefined, digits: number, withGoal: boolean) => {
    const c = {} as Record<Impl, Cell>;
    for (const impl of ['stacks', 'threads', 'old'] as Impl[]) {
      c[impl] = cellOf(res[impl], pick, notes, impl === 'old' ? undefined : impl, impl === 'old' ? ' old fibers' : '');
    }
    const so = ratio(c.stacks, c.old);
    rows.push([label, fmt(c.stacks, digits), fmt(c.threads, digits), fmt(c.old, digits), fmt(so), fmt(ratio(c.threads, c.old)), withGoal ? goal(so, GOAL) : '-']);
  };

  // Enough wakes for both sides to be optimized before the median is taken.
  const wakes = scaled(50000, 200);
  row('wake-up: Waiter.switch in setImmediate -> fiber runs (µs, median)', measure<{ usMedian: number }>('wakeLatency', wakes), (v) => v.usMedian, 2, true);

  const joins = scaled(10000);
  row('spawn + join, one at a time (µs per greenlet)', measure<{ usPerGreenlet: number }>('spawnJoin', joins), (v) => v.usPerGreenlet, 2, true);
  row(`spawn ${count(joins)} then joinAll (µs per greenlet)`, measure<{ usPerGreenlet: number }>('spawnJoinAll', joins), (v) => v.usPerGreenlet, 2, false);

  const s0 = measure<{ msTotal: number; usPerSleep: number }>('sleep0', greenlets, rounds);
  const label = `${count(greenlets)} greenlets x ${rounds} sleep(0)`;
  row(`${label}: total (ms)`, s0, (v) => v.msTotal, 0, true);
  row(`${label}: per sleep(0) (µs)`, s0, (v) => v.usPerSleep, 2, true);

  console.log(table(rows));
  notes.print();
  return rows;
}

if (require.main === module) main();
