// Runs one benchmark workload in a child process and parses the JSON line it
// prints: every measurement gets a fresh process, so RSS and thread counts of
// one cannot leak into the next.
import { spawnSync } from 'child_process';
import * as path from 'path';

export const repoRoot = path.join(__dirname, '..', '..');

export interface ChildResult<T> {
  ok: boolean;
  value?: T;
  error?: string;
}

export function runJsonChild<T>(command: string, args: string[], timeoutMs = 300000): ChildResult<T> {
  const res = spawnSync(command, args, { cwd: repoRoot, encoding: 'utf8', timeout: timeoutMs });
  if (res.error) return { ok: false, error: res.error.message };
  const line = res.stdout.trim().split('\n').pop() ?? '';
  try {
    if (res.status !== 0) throw new Error(`exit ${res.status}`);
    return { ok: true, value: JSON.parse(line) as T };
  } catch {
    const why = (res.stderr || res.stdout).trim().split('\n').slice(-3).join(' | ');
    return { ok: false, error: why || `exit ${res.status}` };
  }
}

/** Formats rows as an aligned text table. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ')).join('\n');
}
