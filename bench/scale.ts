// Scale benchmarks: how many fibers can be parked at once and what each costs, on
// fibernet's two backends (stacks, the default where proved; threads,
// FIBERNET_BACKEND=threads), on Node 20, 22 and 24; and what parked fibers cost every
// young-generation GC. Each cell is a fresh child process running
// bench/scale-workload.js under that Node, from a tree whose addon is built for it
// (this repo for the Node running the suite, scripts/build-on-node.sh <major> for the
// others).
//
//   - 100,000 parked: RSS per parked fiber (KB) and time to create them (goal: at most
//     12 KB per fiber on every Node). The thread backend cannot park that many (one
//     thread each): its attempt stops at a cap (30,000) and the cell says how far it got.
//   - 1,000,000 parked on Node 22, stacks only: time and RSS (about 12 GB; skipped with
//     FIBERNET_BENCH_QUICK=1).
//   - gc({type:'minor'}) duration with 0 and with 10,000 fibers parked in a three-deep
//     call chain (a calls b calls c, which yields): the median of 30 calls in the table
//     (one slow scavenge moves a mean; the JSON line has both), and full GCs.
//
// Run standalone: `node dist/bench/scale.js`; or through `npm run bench`.
// Knobs: FIBERNET_BENCH_NODES (default 20,22,24), FIBERNET_BENCH_QUICK=1,
// FIBERNET_BENCH_THREADS_CAP (default 30000), FIBERNET_BENCH_MILLION_NODE (default 22),
// FIBERNET_BENCH_SCALE (scales every count, for smoke runs), FIBERNET_BENCH_STACK_KB
// (stackSize of every fiber), FIBERNET_BENCH_FORCE_STACKS=1.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot, runJsonChild, ChildResult, tail } from './run-child';
import { Backend, backendEnv, cellOf, columnName, count, fmt, heading, Notes, num, quick, scaled, table } from './report';

/** A Node to run workloads under, with a tree built for it. */
interface Runtime {
  major: number;
  node: string;
  root: string;
  version: string;
}

/** The RSS goal per parked fiber (KB), on every Node. */
const GOAL_KB = 12;

function log(msg: string): void {
  process.stderr.write(`scale: ${msg}\n`);
}

function majorOf(version: string): number {
  return Number(version.replace(/^v/, '').split('.')[0]);
}

/** The Node of `major` and a tree built for it, or why there is none. */
function resolveRuntime(major: number): Runtime | string {
  if (major === majorOf(process.version)) {
    return { major, node: process.execPath, root: repoRoot, version: process.version };
  }
  const script = (name: string) => path.join(repoRoot, 'scripts', name);
  log(`preparing Node ${major} (scripts/build-on-node.sh ${major}; the first time builds the addon)`);
  const nv = spawnSync('bash', [script('node-version.sh'), String(major)], { encoding: 'utf8', timeout: 600000 });
  if (nv.status !== 0) return `Node ${major} unavailable: scripts/node-version.sh ${major}: ${tail(nv.stderr || nv.error?.message, 2)}`;
  const node = path.join(nv.stdout.trim().split('\n').pop() ?? '', 'bin', 'node');
  const built = spawnSync('bash', [script('build-on-node.sh'), String(major)], {
    encoding: 'utf8',
    timeout: 1800000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (built.status !== 0) {
    return `no fibernet build for Node ${major}: scripts/build-on-node.sh ${major}: ${tail(built.stderr || built.error?.message, 2)}`;
  }
  const root = built.stdout.trim().split('\n').pop() ?? '';
  const v = spawnSync(node, ['-v'], { encoding: 'utf8' });
  if (v.status !== 0) return `Node ${major} at ${node} does not run`;
  return { major, node, root, version: v.stdout.trim() };
}

interface BackendStats {
  backend?: string | null;
  backendReason?: string | null;
}

interface ParkResult extends BackendStats {
  count: number;
  cap: number | null;
  target: number;
  parked: number;
  error: string | null;
  msTotal: number;
  usPerFiber: number | null;
  rssMbBefore: number;
  rssMbAfter: number;
  kbPerParkedFiber: number | null;
  mappings: number | null;
  resumedOk: number;
  stats?: { guarded?: number | null };
}

interface GcResult extends BackendStats {
  target: number;
  parked: number;
  error: string | null;
  reps: number;
  minorMs0: number;
  minorMedianMs0: number;
  minorMsParked: number;
  minorMedianMsParked: number;
  usPerParkedFiberPerScavenge: number | null;
  fullMs0: number;
  fullMsParked: number;
  resumedOk: number;
}

function runWorkload<T>(rt: Runtime, backend: Backend, args: string[], opts: { flags?: string[]; timeoutMs?: number } = {}): ChildResult<T> {
  const workload = path.join(rt.root, 'bench', 'scale-workload.js');
  const res = runJsonChild<T>(rt.node, ['--expose-gc', ...(opts.flags ?? []), workload, ...args], {
    cwd: rt.root,
    env: backendEnv(backend),
    timeoutMs: opts.timeoutMs ?? 900000,
  });
  if (!res.ok) {
    // How far did it get before it died?
    const progress = [...(res.stderr ?? '').matchAll(/^progress (\d+)/gm)].pop();
    if (progress) res.error = `died after parking ${count(Number(progress[1]))}: ${res.error}`;
  }
  return res;
}

export function main(): string[][] {
  const notes = new Notes();
  const majors = (process.env.FIBERNET_BENCH_NODES ?? '20,22,24')
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0);
  const parkCount = scaled(100000);
  const threadsCap = Math.min(parkCount, Number(process.env.FIBERNET_BENCH_THREADS_CAP ?? scaled(30000)));
  const gcParked = scaled(10000);
  const gcReps = 30;
  const million = scaled(1000000);
  const millionMajor = Number(process.env.FIBERNET_BENCH_MILLION_NODE ?? 22);
  const stackKB = process.env.FIBERNET_BENCH_STACK_KB;

  console.log(heading('scale'));
  if (stackKB) console.log(`every fiber gets stackSize ${stackKB} KiB (FIBERNET_BENCH_STACK_KB)`);

  const runtimes = new Map<number, Runtime | string>();
  for (const major of new Set([...majors, ...(quick() ? [] : [millionMajor])])) runtimes.set(major, resolveRuntime(major));

  const stacksCol = columnName('stacks');
  const threadsCol = columnName('threads');
  const parkLabel = `${count(parkCount)} parked`;
  const rssRows: string[][] = [];
  const timeRows: string[][] = [];
  const mapRows: string[][] = [];
  let maxMaps = '?';
  try {
    maxMaps = count(Number(fs.readFileSync('/proc/sys/vm/max_map_count', 'utf8').trim()));
  } catch {
    // not Linux
  }
  const mapLabel = `${parkLabel}: memory mappings (vm.max_map_count ${maxMaps})`;
  const gcRows: string[][] = [];

  /** The cells of one park run: RSS per fiber and creation time, with how far it got. */
  const parkCells = (res: ChildResult<ParkResult>, backend: Backend, where: string) => {
    const rss = cellOf(res, (v) => v.kbPerParkedFiber ?? undefined, notes, backend, where);
    const time = cellOf(res, (v) => (v.parked ? v.msTotal / 1e3 : undefined), notes, backend, where);
    let reach = '';
    let full = false;
    const v = res.ok ? res.value : undefined;
    if (v) {
      time.suffix = v.usPerFiber !== null ? ` s (${num(v.usPerFiber, 1)} µs each)` : ' s';
      if (v.error) reach = ` at ${count(v.parked)}, then ${notes.mark(`${columnName(backend)}${where}: parking #${count(v.parked + 1)} failed: ${v.error}`)}`;
      else if (v.parked < v.count) reach = ` at ${count(v.parked)} (cap)`;
      else full = true;
      if (v.resumedOk !== v.parked) {
        rss.marks.push(notes.mark(`${columnName(backend)}${where}: only ${count(v.resumedOk)} of ${count(v.parked)} parked fibers resumed intact`));
      }
    }
    const maps =
      v && v.mappings !== null
        ? `${count(v.mappings)}${v.stats?.guarded != null ? ` (${count(v.stats.guarded)} guarded)` : ''}${reach}`
        : fmt(rss);
    return { rss, time, reach, full, maps };
  };

  for (const major of majors) {
    const rt = runtimes.get(major)!;
    if (typeof rt === 'string') {
      const na = `n/a (Node ${major} unavailable) ${notes.mark(rt)}`;
      rssRows.push([`${parkLabel}: RSS per parked fiber (KB)`, `${major}`, na, na, `≤ ${GOAL_KB} KB: -`]);
      timeRows.push([`${parkLabel}: time to create them`, `${major}`, na, na, '-']);
      mapRows.push([mapLabel, `${major}`, na, na, '-']);
      gcRows.push([`minor GC, 0 / ${count(gcParked)} parked in a→b→c (ms, median of ${gcReps})`, `${major}`, na, na, '-']);
      continue;
    }
    const where = ` (Node ${rt.version})`;
    const node = rt.version;

    log(`Node ${node}: ${count(parkCount)} parked, stacks`);
    const ps = parkCells(runWorkload<ParkResult>(rt, 'stacks', ['park', String(parkCount)]), 'stacks', where);
    log(`Node ${node}: ${count(parkCount)} parked, threads (cap ${count(threadsCap)})`);
    const pt = parkCells(runWorkload<ParkResult>(rt, 'threads', ['park', String(parkCount), String(threadsCap)]), 'threads', where);
    const verdict =
      ps.rss.value === undefined
        ? '-'
        : !ps.full
          ? 'missed (not all parked)'
          : ps.rss.value <= GOAL_KB
            ? 'met'
            : 'missed';
    const goalMarks = ps.rss.marks.length ? ` ${[...new Set(ps.rss.marks)].join('')}` : '';
    rssRows.push([`${parkLabel}: RSS per parked fiber (KB)`, node, `${fmt(ps.rss, 1)}${ps.reach}`, `${fmt(pt.rss, 1)}${pt.reach}`, `≤ ${GOAL_KB} KB: ${verdict}${verdict === '-' ? '' : goalMarks}`]);
    timeRows.push([`${parkLabel}: time to create them`, node, `${fmt(ps.time, 2)}${ps.reach}`, `${fmt(pt.time, 2)}${pt.reach}`, '-']);
    mapRows.push([mapLabel, node, ps.maps, pt.maps, '-']);

    // Threads first here, so neither backend always runs on a machine fresh from the other.
    log(`Node ${node}: minor GC with ${count(gcParked)} parked, threads`);
    const gt = runWorkload<GcResult>(rt, 'threads', ['minorGc', String(gcParked), String(gcReps)]);
    log(`Node ${node}: minor GC with ${count(gcParked)} parked, stacks`);
    const gs = runWorkload<GcResult>(rt, 'stacks', ['minorGc', String(gcParked), String(gcReps)]);
    const gcCell = (res: ChildResult<GcResult>, backend: Backend, pick: (v: GcResult) => number | undefined, digits: number) => {
      const c = cellOf(res, pick, notes, backend, where);
      const v = res.ok ? res.value : undefined;
      if (v?.error) c.marks.push(notes.mark(`${columnName(backend)}${where}: parked only ${count(v.parked)} of ${count(v.target)}: ${v.error}`));
      return fmt(c, digits);
    };
    gcRows.push([`minor GC, 0 parked (ms, median of ${gcReps})`, node, gcCell(gs, 'stacks', (v) => v.minorMedianMs0, 3), gcCell(gt, 'threads', (v) => v.minorMedianMs0, 3), '-']);
    gcRows.push([
      `minor GC, ${count(gcParked)} parked in a→b→c (ms, median of ${gcReps})`,
      node,
      gcCell(gs, 'stacks', (v) => v.minorMedianMsParked, 3),
      gcCell(gt, 'threads', (v) => v.minorMedianMsParked, 3),
      '-',
    ]);
    gcRows.push([
      `… extra per parked fiber per minor GC (µs)`,
      node,
      gcCell(gs, 'stacks', (v) => v.usPerParkedFiberPerScavenge ?? undefined, 2),
      gcCell(gt, 'threads', (v) => v.usPerParkedFiberPerScavenge ?? undefined, 2),
      '-',
    ]);
    gcRows.push([
      `full GC, 0 → ${count(gcParked)} parked (ms, mean of 3)`,
      node,
      `${gcCell(gs, 'stacks', (v) => v.fullMs0, 1)} → ${gcCell(gs, 'stacks', (v) => v.fullMsParked, 1)}`,
      `${gcCell(gt, 'threads', (v) => v.fullMs0, 1)} → ${gcCell(gt, 'threads', (v) => v.fullMsParked, 1)}`,
      '-',
    ]);
  }

  // 1,000,000 parked (stacks only): about 12 GB and minutes.
  const millionLabel = `${count(million)} parked (stacks only)`;
  const millionRows: string[][] = [];
  const stacksOnly = `- (cannot: one thread per fiber)`;
  if (quick()) {
    const skip = 'skipped (FIBERNET_BENCH_QUICK=1)';
    millionRows.push([`${millionLabel}: time to create them`, `${millionMajor}`, skip, stacksOnly, '-']);
    millionRows.push([`${millionLabel}: RSS (MB; KB per fiber)`, `${millionMajor}`, skip, stacksOnly, '-']);
  } else {
    const rt = runtimes.get(millionMajor)!;
    if (typeof rt === 'string') {
      const na = `n/a (Node ${millionMajor} unavailable) ${notes.mark(rt)}`;
      millionRows.push([`${millionLabel}: time to create them`, `${millionMajor}`, na, stacksOnly, '-']);
      millionRows.push([`${millionLabel}: RSS (MB; KB per fiber)`, `${millionMajor}`, na, stacksOnly, '-']);
    } else {
      log(`Node ${rt.version}: ${count(million)} parked, stacks (about 12 GB; minutes)`);
      const heapMb = process.env.FIBERNET_BENCH_MILLION_HEAP_MB ?? '8192';
      const res = runWorkload<ParkResult>(rt, 'stacks', ['park', String(million)], { flags: [`--max-old-space-size=${heapMb}`], timeoutMs: 3600000 });
      const p = parkCells(res, 'stacks', ` (Node ${rt.version})`);
      const mb = cellOf(res, (v) => v.rssMbAfter, notes, 'stacks', ` (Node ${rt.version})`);
      if (res.ok && res.value?.kbPerParkedFiber != null) mb.suffix = ` MB (${num(res.value.kbPerParkedFiber, 1)} KB each)`;
      millionRows.push([`${millionLabel}: time to create them`, rt.version, `${fmt(p.time, 2)}${p.reach}`, stacksOnly, '-']);
      millionRows.push([`${millionLabel}: RSS (MB; KB per fiber)`, rt.version, `${fmt(mb, 0)}${p.reach}`, stacksOnly, '-']);
    }
  }

  const rows: string[][] = [['measure', 'Node', stacksCol, `${threadsCol} (cap ${count(threadsCap)})`, 'goal'], ...rssRows, ...timeRows, ...mapRows, ...millionRows, ...gcRows];
  console.log(table(rows));
  notes.print();
  return rows;
}

if (require.main === module) main();
