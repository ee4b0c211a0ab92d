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
  /** Set when the child printed its JSON line but then exited badly (non-zero status, signal). */
  exitNote?: string;
  /** The child's stderr (workloads write progress there). */
  stderr?: string;
}

export interface RunOptions {
  timeoutMs?: number;
  /** The child's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Working directory (default: the repository root). */
  cwd?: string;
}

function lastJsonLine(stdout: string): string | null {
  const lines = stdout.trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    if (line.startsWith('{')) return line;
  }
  return null;
}

/** The last few lines of a child's output, on one line, for an error cell or note. */
export function tail(text: string | null | undefined, lines = 3): string {
  return (text ?? '').trim().split('\n').slice(-lines).join(' | ');
}

/**
 * The line of a dead child's stderr that says why (V8's "FATAL ERROR", a failed check,
 * an uncaught error), skipping native stack frames, GC traces and progress lines.
 */
export function reason(text: string | null | undefined): string {
  const lines = (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(\d+: 0x|at |#|<---|\[\d+:0x|progress |\^|Node\.js v)/.test(l));
  const key = lines.find((l) => /fatal|error|check failed|abort|segmentation|killed/i.test(l));
  return (key ?? lines.slice(-2).join(' | ')).slice(0, 300);
}

export function runJsonChild<T>(command: string, args: string[], options: number | RunOptions = 300000): ChildResult<T> {
  const opts: RunOptions = typeof options === 'number' ? { timeoutMs: options } : options;
  const res = spawnSync(command, args, {
    cwd: opts.cwd ?? repoRoot,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 300000,
    env: opts.env ?? process.env,
    maxBuffer: 64 * 1024 * 1024,
  });
  const stdout = res.stdout ?? '';
  const stderr = res.stderr ?? '';
  const line = lastJsonLine(stdout);
  let value: T | undefined;
  if (line !== null) {
    try {
      value = JSON.parse(line) as T;
    } catch {
      value = undefined;
    }
  }
  const how = res.error
    ? res.error.message
    : res.signal
      ? `killed by ${res.signal}`
      : res.status !== 0
        ? `exit ${res.status}`
        : '';
  if (value !== undefined) {
    return how ? { ok: true, value, stderr, exitNote: `${how} after printing its result${reason(stderr) ? `: ${reason(stderr)}` : ''}` } : { ok: true, value, stderr };
  }
  const why = reason(stderr) || tail(stdout);
  return { ok: false, stderr, error: [how, why].filter(Boolean).join(': ') || 'no JSON line on stdout' };
}
