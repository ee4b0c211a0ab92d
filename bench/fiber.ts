// Fiber core benchmarks: fibernet beside the old `fibers@5.0.3` on Node 14
// (when scripts/old-fibers.sh can install them), measured in the same run.
import * as os from 'os';
import * as path from 'path';
import { repoRoot, runJsonChild, table } from './run-child';

const workload = path.join(repoRoot, 'bench', 'fiber-workload.js');
const oldFibers = path.join(repoRoot, 'scripts', 'old-fibers.sh');

type Impl = 'fibernet' | 'fibers';

function run<T>(impl: Impl, test: string, n: number): T | string {
  const args = ['--expose-gc', workload, impl, test, String(n)];
  const res =
    impl === 'fibernet'
      ? runJsonChild<T>(process.execPath, args)
      : runJsonChild<T>('bash', [oldFibers, ...args]);
  return res.ok ? (res.value as T) : `n/a (${res.error})`;
}

function fmt(v: number | string, digits = 2): string {
  return typeof v === 'number' ? v.toFixed(digits) : v;
}

export function main(): void {
  console.log(`# fiber core — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}`);
  const rows: string[][] = [['measure', 'fibernet', `old fibers (Node 14)`, 'fibernet / old']];
  const pick = <K extends string>(v: Record<K, number> | string, key: K): number | string =>
    typeof v === 'string' ? v : v[key];
  const ratio = (a: number | string, b: number | string) =>
    typeof a === 'number' && typeof b === 'number' ? (a / b).toFixed(2) : '-';

  // Alternate the two implementations so drift on a shared machine hits both.
  const oldRt = pick(run<{ usPerRoundTrip: number }>('fibers', 'roundTrip', 1000000), 'usPerRoundTrip');
  const newRt = pick(run<{ usPerRoundTrip: number }>('fibernet', 'roundTrip', 1000000), 'usPerRoundTrip');
  rows.push(['run()+yield() round trip (µs)', fmt(newRt), fmt(oldRt), ratio(newRt, oldRt)]);

  const newCrf = pick(run<{ usPerFiber: number }>('fibernet', 'createRunFinish', 200000), 'usPerFiber');
  const oldCrf = pick(run<{ usPerFiber: number }>('fibers', 'createRunFinish', 200000), 'usPerFiber');
  rows.push(['create+run+finish per fiber (µs)', fmt(newCrf), fmt(oldCrf), ratio(newCrf, oldCrf)]);

  const oldRss = pick(run<{ kbPerParkedFiber: number }>('fibers', 'parkedRss', 10000), 'kbPerParkedFiber');
  const newRss = pick(run<{ kbPerParkedFiber: number }>('fibernet', 'parkedRss', 10000), 'kbPerParkedFiber');
  rows.push(['RSS per parked fiber at 10,000 (KB)', fmt(newRss, 1), fmt(oldRss, 1), ratio(newRss, oldRss)]);

  const cap = 30000;
  const newMax = run<{ parked: number; error: string | null }>('fibernet', 'maxParked', cap);
  const oldMax = run<{ parked: number; error: string | null }>('fibers', 'maxParked', cap);
  const describe = (v: { parked: number; error: string | null } | string) =>
    typeof v === 'string' ? v : `${v.parked}${v.error ? ` (then ${v.error})` : ` (cap ${cap})`}`;
  rows.push([`most fibers parked at once (cap ${cap})`, describe(newMax), describe(oldMax), '-']);

  console.log(table(rows));
}

if (require.main === module) main();
