// What the suites share to turn child-process results into tables: cells that
// carry footnote marks, ratios and goals, and the check that each fibernet
// column ran the backend it is labelled with.
import * as os from 'os';
import { ChildResult } from './run-child';

export type Backend = 'stacks' | 'threads';

/** The fibernet columns every table shows, in order. */
export const BACKENDS: Backend[] = ['stacks', 'threads'];

/** A column of the fiber and hub tables: a fibernet backend, or the old package. */
export type Impl = Backend | 'old';

/**
 * The order the columns run in for the n-th measure: each measure runs them in a
 * different order, so drift on a shared machine does not always favour the same one.
 */
export function columnOrder(n: number): Impl[] {
  const orders: Impl[][] = [
    ['stacks', 'threads', 'old'],
    ['old', 'threads', 'stacks'],
    ['threads', 'old', 'stacks'],
    ['stacks', 'old', 'threads'],
    ['old', 'stacks', 'threads'],
  ];
  return orders[n % orders.length];
}

/** What a fibernet workload reports about the core it ran on (bench/backend-info.js). */
export interface BackendInfo {
  backend?: string | null;
  backendReason?: string | null;
  requestedBackend?: string | null;
}

/**
 * The environment for a fibernet child of one backend column. The stacks column runs
 * fibernet's default selection (FIBERNET_BACKEND unset), unless
 * FIBERNET_BENCH_FORCE_STACKS=1 asks for FIBERNET_BACKEND=stacks; the threads column
 * always sets FIBERNET_BACKEND=threads.
 */
export function backendEnv(backend: Backend, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = { ...base };
  delete env.FIBERNET_BACKEND;
  if (backend === 'threads') env.FIBERNET_BACKEND = 'threads';
  else if (base.FIBERNET_BENCH_FORCE_STACKS === '1') env.FIBERNET_BACKEND = 'stacks';
  return env;
}

export function columnName(backend: Backend): string {
  return backend === 'stacks'
    ? process.env.FIBERNET_BENCH_FORCE_STACKS === '1'
      ? 'fibernet stacks (forced)'
      : 'fibernet stacks (default)'
    : 'fibernet threads';
}

/** Numbered footnotes under a table; the same text always gets the same mark. */
export class Notes {
  private readonly list: string[] = [];
  private readonly seen = new Map<string, Set<string>>();

  mark(text: string): string {
    let i = this.list.indexOf(text);
    if (i < 0) {
      this.list.push(text);
      i = this.list.length - 1;
    }
    return `[${i + 1}]`;
  }

  /** Remembers which backend a column really ran (printed under the table). */
  saw(column: string, what: string): void {
    if (!this.seen.has(column)) this.seen.set(column, new Set());
    this.seen.get(column)!.add(what);
  }

  lines(): string[] {
    const out: string[] = [];
    for (const [column, whats] of this.seen) out.push(`${column} ran: ${[...whats].join('; ')}`);
    this.list.forEach((text, i) => out.push(`[${i + 1}] ${text}`));
    return out;
  }

  print(): void {
    for (const line of this.lines()) console.log(line);
  }
}

/** One table cell: a number (with an optional suffix), or why there is none; plus footnote marks. */
export interface Cell {
  value?: number;
  na?: string;
  suffix?: string;
  marks: string[];
}

export const naCell = (why: string, notes: Notes): Cell => ({ na: 'n/a', marks: [notes.mark(why)] });

/**
 * Checks that a fibernet result came from the backend its column is labelled with.
 * Returns the footnote marks to put on the cell (none when it did).
 */
export function checkBackend(want: Backend, info: BackendInfo | undefined, notes: Notes, where = ''): string[] {
  if (info === undefined) return [];
  const column = columnName(want);
  const got = typeof info.backend === 'string' ? info.backend : null;
  const reason = info.backendReason ? ` (${info.backendReason})` : '';
  if (got === null) {
    notes.saw(column, 'unknown backend (fiberStats() has no `backend` field)');
    if (want === 'threads') return [];
    return [
      notes.mark(
        `${column}${where}: fiberStats() reports no \`backend\`: this core predates the stacks backend and has only ` +
          'threads, so this cell measured the thread backend',
      ),
    ];
  }
  notes.saw(column, `${got}${reason}`);
  if (got === want) return [];
  const asked = want === 'threads' ? 'FIBERNET_BACKEND=threads' : process.env.FIBERNET_BENCH_FORCE_STACKS === '1' ? 'FIBERNET_BACKEND=stacks' : 'the default';
  return [notes.mark(`${column}${where}: asked for ${want} (${asked}), the core ran '${got}'${reason}`)];
}

/**
 * A cell from a child's result: `pick` chooses the number; errors become "n/a" with the
 * reason in a footnote; a fibernet result is checked against `want`.
 */
export function cellOf<T>(res: ChildResult<T>, pick: (v: T) => number | undefined, notes: Notes, want?: Backend, where = ''): Cell {
  const label = [want !== undefined ? columnName(want) : '', where.trim()].filter(Boolean).join(' ');
  const prefix = label ? `${label}: ` : '';
  if (!res.ok || res.value === undefined) return naCell(`${prefix}${res.error ?? 'failed'}`, notes);
  const marks: string[] = [];
  if (want !== undefined) marks.push(...checkBackend(want, res.value as BackendInfo, notes, where));
  if (res.exitNote) marks.push(notes.mark(`${prefix}${res.exitNote}`));
  const v = pick(res.value);
  if (typeof v !== 'number' || !Number.isFinite(v)) return { na: 'n/a', marks: [...marks, notes.mark(`${prefix}no number in ${JSON.stringify(res.value).slice(0, 200)}`)] };
  return { value: v, marks };
}

export function num(v: number, digits: number): string {
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmt(c: Cell, digits = 2): string {
  const body = c.value !== undefined ? `${num(c.value, digits)}${c.suffix ?? ''}` : (c.na ?? '-');
  return c.marks.length ? `${body} ${[...new Set(c.marks)].join('')}` : body;
}

export function ratio(a: Cell, b: Cell): Cell {
  if (a.value === undefined || b.value === undefined || b.value === 0) return { na: '-', marks: [] };
  return { value: a.value / b.value, marks: [...a.marks, ...b.marks] };
}

/** "≤ 0.50×: met" / "missed" for a ratio (or any value) against its limit. */
export function goal(c: Cell, limit: number, unit = '×', digits = 2): string {
  const target = `≤ ${num(limit, digits)}${unit}`;
  if (c.value === undefined) return `${target}: -`;
  const verdict = c.value <= limit ? 'met' : 'missed';
  return `${target}: ${verdict}${c.marks.length ? ` ${[...new Set(c.marks)].join('')}` : ''}`;
}

/** Formats rows as a markdown table with aligned columns (pasteable into README.md). */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(3, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => (cell ?? '').padEnd(widths[c])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

/** The heading line of a suite. */
export function heading(name: string): string {
  const cpus = os.cpus();
  return `# ${name} — ${new Date().toISOString().slice(0, 10)}, ${cpus.length} cores (${cpus[0]?.model ?? '?'}), Node ${process.version}`;
}

/** FIBERNET_BENCH_SCALE (default 1) scales a suite's counts, for smoke runs of the drivers. */
export function scaled(n: number, min = 1): number {
  const f = Number(process.env.FIBERNET_BENCH_SCALE ?? '1');
  return Math.max(min, Math.round(n * (Number.isFinite(f) && f > 0 ? f : 1)));
}

export const quick = (): boolean => process.env.FIBERNET_BENCH_QUICK === '1';

export function count(n: number): string {
  return n.toLocaleString('en-US');
}
