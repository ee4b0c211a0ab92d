// dumpFibers(): every live greenlet and fiber, what each waits on, for how
// long, and where it is parked (gevent's print_run_info, in Node's idiom).
//
// Nothing here runs on the switch path: a park records only its Waiter and
// the Hub's clock. The stack of a parked fiber is read when a dump is asked
// for, by resuming the fiber into the native core alone (native peek()),
// which records its frames and switches straight back.
import { performance } from 'perf_hooks';
import { binding, type StackFrameInfo } from './binding';
import { formatFrames, userFrames } from './frames';
import { Greenlet, pendingGreenlets } from './greenlet';
import { Fiber, snapshotFibers } from './fiber';
import { getHub, type Party, type WaitDescription } from './hub';
import { invalidArgType } from './args';
import { isMainThread } from 'worker_threads';

/** One live greenlet or fiber in a dump. */
export interface FiberDumpEntry {
  /** 'Greenlet#3(worker)', 'Fiber(fn)' for a plain Fiber, 'the main fiber (the script under fibernet)', or 'the main thread'. */
  name: string;
  /** The greenlet, when it is one. */
  greenlet: Greenlet<unknown> | undefined;
  /**
   * running: it asked for the dump, or resumed the fiber that did; ready: woken, queued for the
   * Hub; parked: waiting; not started: spawned, waiting for the Hub's next turn (or its delay).
   */
  state: 'running' | 'ready' | 'parked' | 'not started';
  /** What it waits on, in short ('recv', 'accept', 'sleep', 'Event', 'Queue', 'Waiter', 'Future', 'join', ...); null when running. */
  waitKind: string | null;
  /** The same in a sentence (the socket's addresses, the time a sleep has left, ...). */
  waitingOn: string | null;
  /** Milliseconds since it parked (to within the Hub's 5 ms switch interval); null when not parked. */
  waitedMs: number | null;
  /** Where it runs or is parked, innermost first; empty when that cannot be read (not started, or up the running chain). */
  stack: StackFrameInfo[];
}

export interface DumpOptions {
  /** Return the entries as objects instead of text. */
  json?: boolean;
  /** Keep fibernet's own frames (the Hub, Waiter, socket patches) in the stacks. */
  internal?: boolean;
}

/** A dump of every live greenlet and fiber as text (the form SIGUSR2 prints), or with `json` as objects. */
export function dumpFibers(options: DumpOptions & { json: true }): FiberDumpEntry[];
export function dumpFibers(options?: DumpOptions & { json?: false }): string;
export function dumpFibers(options?: DumpOptions): string | FiberDumpEntry[];
export function dumpFibers(options?: DumpOptions): string | FiberDumpEntry[] {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw invalidArgType('options', 'of type object', options);
  }
  const entries = collect(options?.internal === true);
  return options?.json === true ? entries : formatDump(entries);
}

function collect(internal: boolean): FiberDumpEntry[] {
  const hub = getHub();
  const now = performance.now();
  const ready = hub.readyParties();
  const out: FiberDumpEntry[] = [];
  const root = hub.root;
  if (Fiber.current === undefined) {
    out.push(entry('the main thread', undefined, 'running', null, null, userFrames(binding.captureStack(), internal)));
  } else if (root.waiter !== null) {
    // The root blocked at a script's top level; it runs the Hub, which resumed the caller.
    out.push(entry('the main thread', undefined, 'parked', describeWait(root), now - root.parkedAt, []));
  }
  for (const snap of snapshotFibers()) {
    const owner = snap.owner;
    const greenlet = owner instanceof Greenlet ? owner : undefined;
    const party = greenlet !== undefined ? hub.findParty(greenlet.fiber) : owner instanceof WeakRef ? (owner.deref() as Party | undefined) : undefined;
    const name =
      greenlet !== undefined ? String(greenlet) : snap.main ? 'the main fiber (the script under fibernet)' : `Fiber(${snap.fnName || 'anonymous'})`;
    const stack = userFrames(snap.stack ?? [], internal);
    if (snap.current || !snap.parked) {
      out.push(entry(name, greenlet, 'running', null, null, stack));
      continue;
    }
    const parkedOnHub = party !== undefined && (party.waiter !== null || party.yieldParked);
    const wait: WaitDescription = parkedOnHub
      ? describeWait(party)
      : { kind: 'Fiber.yield', detail: 'Fiber.yield(): until something calls run() or throwInto()' };
    const state = party !== undefined && ready.has(party) ? 'ready' : 'parked';
    out.push(entry(name, greenlet, state, wait, parkedOnHub ? now - party.parkedAt : null, stack));
  }
  for (const g of pendingGreenlets()) {
    out.push(entry(String(g), g, 'not started', { kind: 'start', detail: 'spawned: starts at the Hub\'s next turn (or after its startLater delay)' }, null, []));
  }
  return out;
}

function entry(
  name: string,
  greenlet: Greenlet<unknown> | undefined,
  state: FiberDumpEntry['state'],
  wait: WaitDescription | null,
  waitedMs: number | null,
  stack: StackFrameInfo[],
): FiberDumpEntry {
  return {
    name,
    greenlet,
    state,
    waitKind: wait === null ? null : wait.kind,
    waitingOn: wait === null ? null : wait.detail,
    waitedMs: waitedMs === null ? null : Math.max(0, Math.round(waitedMs)),
    stack,
  };
}

/** What `p` is parked on, from the watcher Hub.wait() started (its describeWait), or the kind of park. */
function describeWait(p: Party): WaitDescription {
  if (p.yieldParked) return { kind: 'Future', detail: 'Future.wait(): until the future resolves' };
  const w = p.waiter;
  if (w === null) return { kind: 'none', detail: 'nothing' };
  const source = w.source as { describeWait?: () => WaitDescription } | undefined;
  if (source === undefined) return { kind: 'Waiter', detail: `Waiter.get() on ${String(w)}` };
  if (typeof source.describeWait === 'function') {
    try {
      return source.describeWait();
    } catch (err) {
      return { kind: 'Hub.wait', detail: `Hub.wait() (its watcher could not describe itself: ${String(err)})` };
    }
  }
  return { kind: 'Hub.wait', detail: `Hub.wait() on a watcher without describeWait()` };
}

function formatDump(entries: FiberDumpEntry[]): string {
  const lines: string[] = [`fibernet: ${entries.length} live greenlet(s) and fiber(s) at ${new Date().toISOString()}`];
  for (const e of entries) {
    let head = `${e.name}: ${e.state}`;
    if (e.waitingOn !== null) head += ` on ${e.waitingOn}`;
    if (e.waitedMs !== null) head += ` (for ${e.waitedMs} ms)`;
    lines.push('', head);
    if (e.stack.length > 0) lines.push(formatFrames(e.stack));
  }
  return lines.join('\n') + '\n';
}

let signalInstalled = false;

/** FIBERNET_DUMP_ON_SIGNAL=1: SIGUSR2 prints dumpFibers() to stderr (main thread only: signals go there). */
export function dumpOnSignalFromEnv(): void {
  if (process.env.FIBERNET_DUMP_ON_SIGNAL !== '1' || signalInstalled || !isMainThread) return;
  signalInstalled = true;
  process.on('SIGUSR2', () => {
    process.stderr.write(dumpFibers());
  });
}
