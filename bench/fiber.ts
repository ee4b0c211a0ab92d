// Fiber core benchmarks: fibernet's two backends (stacks, the default where proved;
// threads, FIBERNET_BACKEND=threads) beside the old `fibers@5.0.3` on Node 14 (when
// scripts/old-fibers.sh can install it), each cell a fresh child process running
// bench/fiber-workload.js, all measured in the same run.
// Run standalone: `node dist/bench/fiber.js`; or through `npm run bench`.
import * as path from 'path';
import { repoRoot, runJsonChild, ChildResult } from './run-child';
import { backendEnv, Cell, cellOf, columnName, columnOrder, count, fmt, goal, heading, Impl, Notes, ratio, scaled, table } from './report';

const workload = path.join(repoRoot, 'bench', 'fiber-workload.js');
const oldFibers = path.join(repoRoot, 'scripts', 'old-fibers.sh');

/** A column: one of fibernet's backends, or the old package. */

function run<T>(impl: Impl, test: string, n: number): ChildResult<T> {
  const args = ['--expose-gc', workload, impl === 'old' ? 'fibers' : 'fibernet', test, String(n)];
  return impl === 'old'
    ? runJsonChild<T>('bash', [oldFibers, ...args], { timeoutMs: 600000 })
    : runJsonChild<T>(process.execPath, args, { timeoutMs: 600000, env: backendEnv(impl) });
}

/** The goal of the issue: fibernet (stacks) at most half the old package's time. */
const GOAL = 0.5;

export function main(): string[][] {
  console.log(heading('fiber core'));
  const notes = new Notes();
  const rows: string[][] = [
    ['measure', columnName('stacks'), columnName('threads'), 'old fibers (Node 14)', 'stacks / old', 'threads / old', 'goal (stacks / old)'],
  ];
  let turn = 0;
  const measure = <T>(test: string, n: number, pick: (v: T) => number | undefined): Record<Impl, Cell> => {
    const out = {} as Record<Impl, Cell>;
    for (const impl of columnOrder(turn++)) {
      out[impl] = cellOf(run<T>(impl, test, n), pick, notes, impl === 'old' ? undefined : impl, impl === 'old' ? ' old fibers' : '');
    }
    return out;
  };
  const timed = (label: string, test: string, n: number, pick: (v: any) => number | undefined, digits = 2, withGoal = true) => {
    const c = measure(test, n, pick);
    const so = ratio(c.stacks, c.old);
    rows.push([label, fmt(c.stacks, digits), fmt(c.threads, digits), fmt(c.old, digits), fmt(so), fmt(ratio(c.threads, c.old)), withGoal ? goal(so, GOAL) : '-']);
  };

  timed('run()+yield() round trip (µs)', 'roundTrip', scaled(1000000), (v: { usPerRoundTrip: number }) => v.usPerRoundTrip);
  timed('create+run+finish per fiber (µs)', 'createRunFinish', scaled(200000), (v: { usPerFiber: number }) => v.usPerFiber);
  timed('100-fiber round robin (µs per resume)', 'roundRobin', scaled(300000, 100), (v: { usPerResume: number }) => v.usPerResume);

  const parked = scaled(10000);
  timed(`RSS per parked fiber at ${count(parked)} (KB)`, 'parkedRss', parked, (v: { kbPerParkedFiber: number }) => v.kbPerParkedFiber, 1, false);

  const cap = scaled(30000);
  const maxCells = {} as Record<Impl, string>;
  for (const impl of columnOrder(turn++)) {
    const res = run<{ parked: number; error: string | null }>(impl, 'maxParked', cap);
    const c = cellOf(res, (v) => v.parked, notes, impl === 'old' ? undefined : impl, impl === 'old' ? ' old fibers' : '');
    const err = res.ok && res.value?.error ? ` (then ${notes.mark(`${impl === 'old' ? 'old fibers' : columnName(impl)}: ${res.value.error}`)})` : res.ok ? ' (cap)' : '';
    maxCells[impl] = `${fmt(c, 0)}${err}`;
  }
  rows.push([`most fibers parked at once (cap ${count(cap)})`, maxCells.stacks, maxCells.threads, maxCells.old, '-', '-', '-']);

  console.log(table(rows));
  notes.print();
  return rows;
}

if (require.main === module) main();
