// Child processes, blocking-style: ChildProcess#wait() and #communicate()
// (gevent.subprocess's Popen.wait/communicate), and, with
// patchAll({ childProcessSync: true }), execFileSync/execSync/spawnSync that
// park only the calling fiber instead of the whole process.
//
// The cooperative *Sync functions run the child with the asynchronous
// spawn() and rebuild what Node's synchronous ones return and throw: the
// same result object (pid, output, stdout, stderr, status, signal, error),
// the same errors (`spawnSync <file> ENOENT`, ETIMEDOUT after `timeout`,
// ENOBUFS past `maxBuffer`, `Command failed: ...` for a non-zero exit), the
// same stderr pass-through of execSync/execFileSync. Outside a fiber they are
// Node's own: blocking the main thread is then what the caller asked for.
import childProcess = require('child_process');
import { constants as osConstants } from 'os';
import { Fiber } from '../lib/fiber';
import { getHub, assertCanBlock, checkTimeout as checkHubTimeout } from '../lib/hub';
import { invalidArgType } from '../lib/args';
import type { Waiter } from '../lib/waiter';

/** What communicate() returns: the child's output and how it ended. */
export interface CommunicateResult<T extends Buffer | string = Buffer> {
  stdout: T | null;
  stderr: T | null;
  /** The exit code, or null when a signal ended it. */
  status: number | null;
  signal: NodeJS.Signals | null;
}

export interface CommunicateOptions {
  /** ms to wait before TimeoutError (the child is left running, as gevent does); null: forever. */
  timeout?: number | null;
  /** Decode stdout and stderr ('utf8', ...) instead of returning Buffers. */
  encoding?: BufferEncoding;
}

declare module 'child_process' {
  interface ChildProcess {
    /**
     * Parks the fiber until the child exits; returns its exit code, or the
     * signal that ended it. TimeoutError once `ms` pass (the child keeps running).
     */
    wait(ms?: number | null): number | NodeJS.Signals;
    /**
     * Writes `input` (if any) to the child's stdin and closes it, reads its
     * stdout and stderr (those that are pipes) to the end, and waits for it to exit.
     */
    communicate(input?: string | NodeJS.ArrayBufferView | null, options?: CommunicateOptions): CommunicateResult<Buffer | string>;
  }
}

const kExit = Symbol('fibernet.childExit');

interface ExitState {
  done: boolean;
  status: number | null;
  signal: NodeJS.Signals | null;
  waiters: Set<Waiter<void>>;
}

/** The child's exit, recorded from the moment fibernet first sees it (a child that already exited has exitCode set). */
function exitState(child: childProcess.ChildProcess): ExitState {
  const holder = child as unknown as { [kExit]?: ExitState };
  let st = holder[kExit];
  if (st === undefined) {
    const s: ExitState = { done: false, status: null, signal: null, waiters: new Set() };
    if (child.exitCode !== null || child.signalCode !== null) {
      s.done = true;
      s.status = child.exitCode;
      s.signal = child.signalCode as NodeJS.Signals | null;
    } else {
      child.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
        s.done = true;
        s.status = code;
        s.signal = signal;
        for (const w of s.waiters) w.switch(undefined);
        s.waiters.clear();
      });
    }
    Object.defineProperty(child, kExit, { value: s });
    st = s;
  }
  return st;
}

/** Parks until `ready()` or `timeout` ms (TimeoutError); `arm` registers the waiter with what will wake it. */
function parkUntil(what: string, timeout: number | null, ready: () => boolean, arm: (w: Waiter<void>) => () => void): void {
  if (ready()) return;
  assertCanBlock(what);
  let disarm: (() => void) | null = null;
  getHub().wait<void>(
    {
      start: (w) => {
        disarm = arm(w);
      },
      stop: () => {
        if (disarm !== null) disarm();
      },
      describeWait: () => ({ kind: 'child', detail: what }),
    },
    { timeout },
  );
}

function wait(this: childProcess.ChildProcess, ms?: number | null): number | NodeJS.Signals {
  if (!(this instanceof childProcess.ChildProcess)) throw invalidArgType('this', 'an instance of ChildProcess', this);
  const timeout = checkHubTimeout(ms, 'ms');
  const st = exitState(this);
  parkUntil(`ChildProcess#wait() on pid ${this.pid}`, timeout, () => st.done, (w) => {
    st.waiters.add(w);
    return () => st.waiters.delete(w);
  });
  return st.status !== null ? st.status : (st.signal as NodeJS.Signals);
}

function communicate(
  this: childProcess.ChildProcess,
  input?: string | NodeJS.ArrayBufferView | null,
  options?: CommunicateOptions,
): CommunicateResult<Buffer | string> {
  if (!(this instanceof childProcess.ChildProcess)) throw invalidArgType('this', 'an instance of ChildProcess', this);
  if (input !== undefined && input !== null && typeof input !== 'string' && !ArrayBuffer.isView(input)) {
    throw invalidArgType('input', 'of type string, Buffer, TypedArray or DataView, or null', input);
  }
  if (options !== undefined && (options === null || typeof options !== 'object')) throw invalidArgType('options', 'of type object', options);
  const timeout = checkHubTimeout(options?.timeout, 'options.timeout');
  const encoding = options?.encoding;
  if (encoding !== undefined && !Buffer.isEncoding(encoding)) throw invalidArgType('options.encoding', 'a Buffer encoding', encoding);
  if (input !== undefined && input !== null && this.stdin === null) {
    throw invalidArgType('input', "null: the child's stdin is not a pipe", input);
  }
  assertCanBlock('ChildProcess#communicate()');
  const st = exitState(this);
  const out = collect(this.stdout);
  const err = collect(this.stderr);
  if (this.stdin !== null && !this.stdin.writableEnded) {
    // An EPIPE from a child that exits without reading is not the caller's error.
    this.stdin.on('error', () => {});
    if (input !== undefined && input !== null) this.stdin.end(input);
    else this.stdin.end();
  }
  parkUntil(`ChildProcess#communicate() on pid ${this.pid}`, timeout, () => st.done && out.done && err.done, (w) => {
    const check = () => {
      if (st.done && out.done && err.done) w.switch(undefined);
    };
    st.waiters.add(w);
    out.onDone.add(check);
    err.onDone.add(check);
    return () => {
      st.waiters.delete(w);
      out.onDone.delete(check);
      err.onDone.delete(check);
    };
  });
  const decode = (c: Collected) => (c.stream === null ? null : encoding === undefined ? Buffer.concat(c.chunks) : Buffer.concat(c.chunks).toString(encoding));
  return { stdout: decode(out), stderr: decode(err), status: st.status, signal: st.signal };
}

interface Collected {
  stream: NodeJS.ReadableStream | null;
  chunks: Buffer[];
  done: boolean;
  onDone: Set<() => void>;
}

function collect(stream: NodeJS.ReadableStream | null): Collected {
  // A stream that already ended (Node drains unread output once the child
  // exits) has nothing more to give.
  const state = stream as { readableEnded?: boolean; destroyed?: boolean } | null;
  const ended = state === null || state.readableEnded === true || state.destroyed === true;
  const c: Collected = { stream, chunks: [], done: ended, onDone: new Set() };
  if (stream !== null) {
    stream.on('data', (d: Buffer | string) => c.chunks.push(typeof d === 'string' ? Buffer.from(d) : d));
    const finish = () => {
      if (c.done) return;
      c.done = true;
      for (const f of c.onDone) f();
    };
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
  }
  return c;
}

// ------------------------------------------------- cooperative *Sync functions

type SyncOptions = childProcess.SpawnSyncOptions & { argv0?: string };

const original = {
  spawnSync: childProcess.spawnSync,
  execFileSync: childProcess.execFileSync,
  execSync: childProcess.execSync,
};

function errnoError(code: string, syscall: string, path: string, spawnargs: string[]): Error {
  const errno = (osConstants.errno as Record<string, number>)[code];
  const err = new Error(`${syscall} ${code}`) as Error & Record<string, unknown>;
  err.errno = errno === undefined ? undefined : -errno;
  err.code = code;
  err.syscall = syscall;
  err.path = path;
  err.spawnargs = spawnargs;
  return err;
}

/** spawnSync's work, in a fiber: the same result object, only the fiber waits. */
function spawnSyncInFiber(file: string, args: readonly string[], options: SyncOptions): childProcess.SpawnSyncReturns<Buffer | string> {
  const stdio = options.stdio ?? 'pipe';
  const maxBuffer = options.maxBuffer ?? 1024 * 1024;
  const encoding = options.encoding === undefined || options.encoding === 'buffer' ? null : options.encoding;
  const { input, timeout, killSignal, maxBuffer: _m, encoding: _e, ...spawnOptions } = options;
  void _m;
  void _e;
  const result: childProcess.SpawnSyncReturns<Buffer | string> = {
    pid: 0,
    output: [],
    stdout: null as unknown as Buffer,
    stderr: null as unknown as Buffer,
    status: null,
    signal: null,
  };
  // Bad arguments throw here, with the errors Node's spawnSync throws for them.
  const child = childProcess.spawn(file, args, { ...spawnOptions, stdio } as childProcess.SpawnOptions);
  let spawnError: Error | undefined;
  let killedFor: string | null = null;
  const chunks: [Buffer[], Buffer[]] = [[], []];
  let total = 0;
  const pipes = [child.stdout, child.stderr];
  const done = { exit: false, closed: false };
  let wake: (() => void) | null = null;
  const check = () => {
    if (wake !== null && (done.closed || spawnError !== undefined)) wake();
  };
  pipes.forEach((p, i) => {
    if (p === null) return;
    p.on('data', (d: Buffer) => {
      // As Node's spawnSync: the read that crosses maxBuffer is kept whole,
      // the child is stopped, and nothing after it is kept.
      if (killedFor === 'ENOBUFS') return;
      chunks[i].push(d);
      total += d.length;
      if (total > maxBuffer) {
        killedFor = 'ENOBUFS';
        child.kill(killSignal ?? 'SIGTERM');
      }
    });
  });
  child.on('error', (err) => {
    spawnError = err;
    check();
  });
  child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
    done.closed = true;
    result.status = code;
    result.signal = signal;
    check();
  });
  if (child.stdin !== null) {
    child.stdin.on('error', () => {});
    if (input !== undefined && input !== null) child.stdin.end(input as string | Buffer);
    else child.stdin.end();
  }
  let timer: NodeJS.Timeout | null = null;
  if (timeout !== undefined && timeout > 0) {
    timer = setTimeout(() => {
      if (killedFor === null) killedFor = 'ETIMEDOUT';
      child.kill(killSignal ?? 'SIGTERM');
    }, timeout);
  }
  try {
    if (!done.closed && spawnError === undefined) {
      getHub().wait<void>({
        start: (w) => {
          wake = () => w.switch(undefined);
        },
        stop: () => {
          wake = null;
        },
        describeWait: () => ({ kind: 'child', detail: `spawnSync() of ${file} (pid ${child.pid})` }),
      });
    }
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
  if (spawnError !== undefined) {
    // The spawn itself failed (ENOENT, EACCES): nothing ran, so Node's own
    // spawnSync fails the same way at once, and its result has the exact shape
    // this Node gives (fields null on one version, undefined on another).
    return original.spawnSync(file, args, options) as childProcess.SpawnSyncReturns<Buffer | string>;
  }
  result.pid = child.pid ?? 0;
  const syscall = `spawnSync ${file}`;
  const spawnargs = [...args];
  if (killedFor !== null) result.error = errnoError(killedFor, syscall, file, spawnargs);
  const out = pipes.map((p, i) => {
    if (p === null) return null;
    const b = Buffer.concat(chunks[i]);
    return encoding === null ? b : b.toString(encoding);
  });
  result.output = [null, out[0], out[1]];
  result.stdout = out[0] as Buffer;
  result.stderr = out[1] as Buffer;
  return result;
}

/** Node's checkExecSyncError: the spawn error, or "Command failed" for a non-zero exit, with the result's fields. */
function execSyncError(ret: childProcess.SpawnSyncReturns<Buffer | string>, command: string): Error | undefined {
  if (ret.error) return Object.assign(ret.error, ret);
  if (ret.status !== 0) {
    let msg = `Command failed: ${command}`;
    if (ret.stderr && ret.stderr.length > 0) msg += `\n${ret.stderr.toString()}`;
    return Object.assign(new Error(msg), ret);
  }
  return undefined;
}

function splitArgs(args: unknown, options: unknown): { args: string[]; options: SyncOptions } {
  if (args !== undefined && args !== null && !Array.isArray(args)) {
    if (typeof args === 'object') return { args: [], options: { ...(args as SyncOptions) } };
    throw invalidArgType('args', 'an instance of Array', args);
  }
  return { args: Array.isArray(args) ? [...(args as string[])] : [], options: { ...((options as SyncOptions) ?? {}) } };
}

function spawnSync(this: unknown, file: string, args?: unknown, options?: unknown): childProcess.SpawnSyncReturns<Buffer | string> {
  if (Fiber.current === undefined || typeof file !== 'string') {
    return (original.spawnSync as (...a: unknown[]) => childProcess.SpawnSyncReturns<Buffer | string>).apply(this, [...arguments]);
  }
  const split = splitArgs(args, options);
  return spawnSyncInFiber(file, split.args, split.options);
}

function execFileSync(this: unknown, file: string, args?: unknown, options?: unknown): Buffer | string {
  if (Fiber.current === undefined || typeof file !== 'string') {
    return (original.execFileSync as (...a: unknown[]) => Buffer | string).apply(this, [...arguments]);
  }
  const split = splitArgs(args, options);
  const inheritStderr = split.options.stdio === undefined;
  const opts: SyncOptions = inheritStderr ? { ...split.options, stdio: ['pipe', 'pipe', 'pipe'] } : split.options;
  const ret = spawnSyncInFiber(file, split.args, opts);
  if (inheritStderr && ret.stderr) process.stderr.write(ret.stderr);
  const err = execSyncError(ret, [split.options.argv0 ?? file, ...split.args].join(' '));
  if (err) throw err;
  return ret.stdout;
}

function execSync(this: unknown, command: string, options?: unknown): Buffer | string {
  if (Fiber.current === undefined || typeof command !== 'string') {
    return (original.execSync as (...a: unknown[]) => Buffer | string).apply(this, [...arguments]);
  }
  const opts: SyncOptions = { ...((options as SyncOptions) ?? {}) };
  const inheritStderr = opts.stdio === undefined;
  if (inheritStderr) opts.stdio = ['pipe', 'pipe', 'pipe'];
  const shell = typeof opts.shell === 'string' ? opts.shell : '/bin/sh';
  const ret = spawnSyncInFiber(shell, ['-c', command], { ...opts, shell: false });
  if (inheritStderr && ret.stderr) process.stderr.write(ret.stderr);
  const err = execSyncError(ret, command);
  if (err) throw err;
  return ret.stdout;
}

const method = (value: unknown): PropertyDescriptor => ({ value, writable: true, configurable: true, enumerable: false });

/** patchAll()'s entries for child_process (ChildProcess#wait, #communicate). */
export function childProcessPatches(): Array<[object, string, PropertyDescriptor]> {
  return [
    [childProcess.ChildProcess.prototype, 'wait', method(wait)],
    [childProcess.ChildProcess.prototype, 'communicate', method(communicate)],
  ];
}

/** patchAll({ childProcessSync: true })'s entries: the *Sync functions, cooperative in fibers. */
export function childProcessSyncPatches(): Array<[object, string, PropertyDescriptor]> {
  const fn = (value: unknown): PropertyDescriptor => ({ value, writable: true, configurable: true, enumerable: true });
  return [
    [childProcess, 'spawnSync', fn(spawnSync)],
    [childProcess, 'execFileSync', fn(execFileSync)],
    [childProcess, 'execSync', fn(execSync)],
  ];
}
