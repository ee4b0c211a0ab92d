// Accept-burst benchmark: how fast each echo server (bench/echo.ts) takes a
// burst of new connections, each sending one byte and waiting for it back.
//
//   node dist/bench/burst.js                       the table
//   node dist/bench/burst.js client <port> <n> <rate> <timeoutMs>
//        opens <n> connections (all at once when <rate> is 0, else <rate> per
//        second), prints JSON: how many were served, how long until the last
//        one was, and how many failed or were never answered.
//
// Each server first serves a warm-up burst of 1,000 connections (closed again),
// so the measured one meets code that has been compiled, as in a server that
// has been running.
//
// A connection the server never accepts still looks connected to the client
// (the kernel completes the handshake into the listen queue); when that queue
// overflows the kernel drops the handshake, and such a client waits until the
// timeout: those count as "not served". Where /proc/net/netstat tells, each
// cell also gives the handshakes the kernel dropped for a full listen queue
// meanwhile (TcpExtListenOverflows: system-wide, so the run should be alone);
// those clients retry after a second, which is what a slow cell usually is.
import * as fs from 'fs';
import * as net from 'net';
import { echoServers, stop } from './echo';
import { runJsonChild } from './run-child';
import { checkBackend, columnName, Notes, table, heading, quick } from './report';

const HOST = '127.0.0.1';

interface BurstResult {
  served: number;
  failed: number;
  msToLast: number;
  /** Handshakes the kernel dropped for a full listen queue during the run, or null where unknown. */
  overflows?: number | null;
}

/** The kernel's count of handshakes dropped for a full listen queue (all sockets), or null. */
function listenOverflows(): number | null {
  let text: string;
  try {
    text = fs.readFileSync('/proc/net/netstat', 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n').filter((l) => l.startsWith('TcpExt:'));
  if (lines.length < 2) return null;
  const names = lines[0].split(/\s+/);
  const values = lines[1].split(/\s+/);
  const i = names.indexOf('ListenOverflows');
  return i > 0 && values[i] !== undefined ? Number(values[i]) : null;
}

/** Opens `n` connections at once, each echoing one byte, then closes them all. */
function warmUp(port: number, n: number): Promise<void> {
  return new Promise((resolve) => {
    let left = n;
    const sockets: net.Socket[] = [];
    for (let i = 0; i < n; i++) {
      const s = net.connect(port, HOST, () => s.write('x'));
      sockets.push(s);
      const done = () => {
        if (--left === 0) {
          for (const t of sockets) t.destroy();
          setTimeout(resolve, 300);
        }
      };
      s.once('data', done);
      s.once('error', done);
    }
  });
}

async function client(port: number, n: number, rate: number, timeoutMs: number): Promise<void> {
  await warmUp(port, 1000);
  const t0 = process.hrtime.bigint();
  let served = 0;
  let failed = 0;
  let last = 0;
  const sockets: net.Socket[] = [];
  const finish = () => {
    process.stdout.write(`${JSON.stringify({ served, failed, msToLast: last } satisfies BurstResult)}\n`);
    for (const s of sockets) s.destroy();
    process.exit(0);
  };
  const timer = setTimeout(finish, timeoutMs);
  const open = () => {
    const s = net.connect(port, HOST);
    sockets.push(s);
    let done = false;
    s.on('connect', () => s.write('x'));
    s.once('data', () => {
      done = true;
      served++;
      last = Number(process.hrtime.bigint() - t0) / 1e6;
      if (served + failed === n) {
        clearTimeout(timer);
        finish();
      }
    });
    s.on('error', () => {
      if (done) return;
      done = true;
      failed++;
      if (served + failed === n) {
        clearTimeout(timer);
        finish();
      }
    });
  };
  if (rate === 0) {
    for (let i = 0; i < n; i++) open();
    return;
  }
  // Paced: every millisecond, open as many as the rate allows so far.
  let opened = 0;
  const pace = setInterval(() => {
    const due = Math.min(n, Math.floor((Number(process.hrtime.bigint() - t0) / 1e9) * rate));
    while (opened < due) {
      open();
      opened++;
    }
    if (opened === n) clearInterval(pace);
  }, 1);
}

function runClient(port: number, n: number, rate: number, timeoutMs: number): BurstResult {
  const before = listenOverflows();
  // The server is a process of its own, so waiting synchronously here holds up nothing.
  const res = runJsonChild<BurstResult>(process.execPath, [__filename, 'client', String(port), String(n), String(rate), String(timeoutMs)], {
    timeoutMs: timeoutMs + 60000,
  });
  if (!res.ok || res.value === undefined) throw new Error(`burst client failed: ${res.error}`);
  const after = listenOverflows();
  return { ...res.value, overflows: before === null || after === null ? null : after - before };
}

export async function main(): Promise<void> {
  console.log(heading('accept burst'));
  const n = quick() ? 2000 : 5000;
  const timeoutMs = quick() ? 10000 : 30000;
  const cases: Array<{ label: string; rate: number }> = [
    { label: `${n} connections at once`, rate: 0 },
    { label: `${n} connections at 8,000/s`, rate: 8000 },
  ];
  const notes = new Notes();
  const servers = echoServers();
  const results = new Map<string, BurstResult>();
  const marks = new Map<string, string>();
  for (const server of servers) {
    for (const c of cases) {
      // A fresh server per case: the second must not start with the first's sockets.
      const { port, child, backend } = await server.start();
      if (server.backend) marks.set(server.name, [...new Set(checkBackend(server.backend, backend ?? {}, notes))].join(''));
      try {
        results.set(`${server.name}/${c.rate}`, runClient(port, n, c.rate, timeoutMs));
      } finally {
        await stop(child);
      }
    }
  }
  const names = servers.map((s) => s.name);
  const header = names.map((name) => (name === 'fibernet' ? columnName('stacks') : name === 'threads' ? columnName('threads') : name));
  const rows: string[][] = [['case', ...header.map((h) => `${h}: served, ms to last, SYNs dropped`), 'stacks / node (time)']];
  for (const c of cases) {
    const cell = (name: string) => {
      const r = results.get(`${name}/${c.rate}`);
      if (r === undefined) return '-';
      const dropped = r.overflows == null ? '' : `, ${r.overflows}`;
      return `${r.served}/${n}${r.failed ? ` (${r.failed} failed)` : ''}, ${Math.round(r.msToLast)} ms${dropped}${marks.get(name) ?? ''}`;
    };
    const f = results.get(`fibernet/${c.rate}`);
    const nd = results.get(`node/${c.rate}`);
    const ratio = f && nd && f.served === n && nd.served === n ? (f.msToLast / nd.msToLast).toFixed(2) : '-';
    rows.push([c.label, ...names.map(cell), ratio]);
  }
  console.log(table(rows));
  notes.print();
}

if (require.main === module) {
  const [role, ...rest] = process.argv.slice(2);
  if (role === 'client') void client(Number(rest[0]), Number(rest[1]), Number(rest[2]), Number(rest[3]));
  else
    main().catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
