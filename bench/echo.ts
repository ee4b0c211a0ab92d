// Echo benchmark: fibernet's blocking echo server, on both backends (stacks,
// the default where proved; threads, FIBERNET_BACKEND=threads), against a plain
// callback Node echo server and gevent's StreamServer echo, driven by one
// ping-pong load generator running in its own process.
//
//   node dist/bench/echo.js                 the whole table (about 2 minutes)
//   node dist/bench/echo.js --quick         fewer cells, shorter runs (also FIBERNET_BENCH_QUICK=1)
//   node dist/bench/echo.js server <kind>   one server (fibernet | node), prints "PORT <n>"
//                                           (fibernet first prints "BACKEND <json>")
//   node dist/bench/echo.js load <port> <conns> <size> <ms>   one load run, prints JSON
//                                           (the JavaScript generator: the table uses
//                                           bench/loadgen.c, compiled into .cache/, when cc works)
//
// Each load run opens <conns> connections, then on every connection sends a
// <size>-byte message, waits for all of it to come back, and repeats; after a
// warm-up it counts completed round trips for <ms> milliseconds.
import { spawn as spawnChild, spawnSync, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { Backend, backendEnv, checkBackend, columnName, Notes, BackendInfo } from './report';

const HOST = '127.0.0.1';
const WARMUP_MS = 300;

const GEVENT_SERVER = `
import sys, socket
from gevent.server import StreamServer
def handle(sock, addr):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            sock.sendall(data)
    except OSError:
        pass
    finally:
        sock.close()
server = StreamServer(('${HOST}', 0), handle, backlog=2048)
server.start()
print('PORT', server.address[1], flush=True)
server.serve_forever()
`;

// ------------------------------------------------------------------ servers

function serveFibernet(): void {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const fibernet = require('../lib/index') as typeof import('../lib/index');
  fibernet.patchAll();
  const stats = fibernet.fiberStats() as { backend?: unknown; backendReason?: unknown };
  const info = {
    backend: typeof stats.backend === 'string' ? stats.backend : null,
    backendReason: stats.backendReason != null ? String(stats.backendReason) : null,
    requestedBackend: process.env.FIBERNET_BACKEND || null,
  };
  process.stdout.write(`BACKEND ${JSON.stringify(info)}\n`);
  const server = net.createServer();
  server.on('listening', () => process.stdout.write(`PORT ${(server.address() as net.AddressInfo).port}\n`));
  server.listen({ port: 0, host: HOST, backlog: 2048 });
  const handle = (conn: net.Socket) => {
    conn.setNoDelay(true);
    try {
      for (;;) {
        const data = conn.recv(65536);
        if (data.length === 0) break;
        conn.sendall(data);
      }
    } catch {
      // a load generator going away resets its connections
    } finally {
      conn.close();
    }
  };
  fibernet.spawn(() => {
    for (;;) fibernet.spawn(handle, server.accept());
  });
}

function serveNode(): void {
  const server = net.createServer((conn) => {
    conn.setNoDelay(true);
    conn.on('data', (data) => conn.write(data));
    conn.on('error', () => conn.destroy());
  });
  server.on('listening', () => process.stdout.write(`PORT ${(server.address() as net.AddressInfo).port}\n`));
  server.listen({ port: 0, host: HOST, backlog: 2048 });
}

// ------------------------------------------------------------------ load generator

function load(port: number, conns: number, size: number, ms: number): void {
  const message = Buffer.alloc(size, 0x61);
  const sockets: net.Socket[] = [];
  let measuring = false;
  let count = 0;
  let connected = 0;
  let failed = 0;
  const begin = () => {
    for (const s of sockets) s.write(message);
    setTimeout(() => {
      measuring = true;
      const t0 = process.hrtime.bigint();
      setTimeout(() => {
        measuring = false;
        const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
        process.stdout.write(`${JSON.stringify({ roundTrips: count, seconds: elapsed, failed })}\n`);
        for (const s of sockets) s.destroy();
        process.exit(0);
      }, ms);
    }, WARMUP_MS);
  };
  // Connect in batches so the listen backlog never overflows.
  const BATCH = 100;
  const openBatch = (from: number) => {
    const to = Math.min(conns, from + BATCH);
    let pending = to - from;
    for (let i = from; i < to; i++) {
      const s = net.connect(port, HOST);
      s.setNoDelay(true);
      let got = 0;
      s.on('data', (chunk: Buffer) => {
        got += chunk.length;
        while (got >= size) {
          got -= size;
          if (measuring) count++;
          s.write(message);
        }
      });
      s.on('error', () => {
        failed++;
      });
      s.once('connect', () => {
        connected++;
        if (--pending === 0) {
          if (to < conns) openBatch(to);
          else begin();
        }
      });
      sockets.push(s);
    }
  };
  openBatch(0);
  void connected;
}

// ------------------------------------------------------------------ driver

export interface Started {
  port: number;
  child: ChildProcess;
  /** What a fibernet server said about its backend. */
  backend?: BackendInfo;
}

export interface Server {
  name: string;
  /** The fibernet backend the column is labelled with. */
  backend?: Backend;
  start(): Promise<Started>;
}

export function startChild(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawnChild(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      const b = /BACKEND (.*)\n/.exec(out);
      if (m) resolve({ port: Number(m[1]), child, backend: b ? (JSON.parse(b[1]) as BackendInfo) : undefined });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${cmd} ${args.join(' ')} exited with ${code} before listening`)));
  });
}

/** The C load generator (bench/loadgen.c), compiled once into .cache/; null when no C compiler works. */
let loadgenPath: string | null | undefined;
export function loadgen(): string | null {
  if (loadgenPath !== undefined) return loadgenPath;
  const root = path.join(__dirname, '..', '..');
  const out = path.join(root, '.cache', 'loadgen');
  const src = path.join(root, 'bench', 'loadgen.c');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const fresh = fs.existsSync(out) && fs.statSync(out).mtimeMs >= fs.statSync(src).mtimeMs;
  const ok = fresh || spawnSync('cc', ['-O2', '-o', out, src], { stdio: 'inherit' }).status === 0;
  loadgenPath = ok ? out : null;
  return loadgenPath;
}

/** CPU time (user, system) a process has used so far, in µs, from /proc. */
export function cpuMicros(pid: number): { user: number; sys: number } | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    const tick = 1e6 / 100; // USER_HZ is 100 on Linux
    return { user: Number(fields[11]) * tick, sys: Number(fields[12]) * tick };
  } catch {
    return null;
  }
}

export interface LoadResult {
  /** Round trips per second. */
  rate: number;
  /** Server CPU time per round trip (µs), user and system, over the whole run. */
  userUs: number | null;
  sysUs: number | null;
}

/** One load run against the server `serverPid` listening on `port`. */
export function runLoad(port: number, conns: number, size: number, ms: number, serverPid?: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const gen = loadgen();
    const args = [String(port), String(conns), String(size), String(ms), String(WARMUP_MS)];
    const child =
      gen !== null
        ? spawnChild(gen, args, { stdio: ['ignore', 'pipe', 'inherit'] })
        : spawnChild(process.execPath, [__filename, 'load', ...args.slice(0, 4)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const before = serverPid === undefined ? null : cpuMicros(serverPid);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      const after = serverPid === undefined ? null : cpuMicros(serverPid);
      try {
        const r = JSON.parse(out) as { roundTrips: number; seconds: number };
        // The CPU window also spans connecting and the warm-up, in which the
        // same round trips run: count them at the measured rate.
        const total = (r.roundTrips / r.seconds) * (r.seconds + WARMUP_MS / 1000);
        const per = (a: number, b: number) => (b - a) / total;
        resolve({
          rate: r.roundTrips / r.seconds,
          userUs: before && after ? per(before.user, after.user) : null,
          sysUs: before && after ? per(before.sys, after.sys) : null,
        });
      } catch {
        reject(new Error(`load generator exited with ${code}: ${out}`));
      }
    });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A python3 that can import gevent, or null. */
function findGeventPython(): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import gevent'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/**
 * The echo servers every network benchmark compares: fibernet on each backend
 * (accept loop + a greenlet per connection), plain Node, and gevent's
 * StreamServer when python3-gevent is installed.
 */
export function echoServers(): Server[] {
  const servers: Server[] = [
    { name: 'fibernet', backend: 'stacks', start: () => startChild(process.execPath, [__filename, 'server', 'fibernet'], backendEnv('stacks')) },
    { name: 'threads', backend: 'threads', start: () => startChild(process.execPath, [__filename, 'server', 'fibernet'], backendEnv('threads')) },
    { name: 'node', start: () => startChild(process.execPath, [__filename, 'server', 'node']) },
  ];
  const py = findGeventPython();
  if (py === null) {
    console.log('note: gevent not found (apt-get install python3-gevent); skipping the gevent column');
  } else {
    servers.push({ name: 'gevent', start: () => startChild(py, ['-c', GEVENT_SERVER]) });
  }
  return servers;
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const quick = argv.includes('--quick') || process.env.FIBERNET_BENCH_QUICK === '1';
  const notes = new Notes();
  const ms = quick ? 700 : 1500;
  const rounds = quick ? 1 : 3;
  const sizes = [64, 4096];
  const connCounts = quick ? [100, 1000] : [1, 100, 1000];
  const servers = echoServers();
  const gen = loadgen();
  if (gen === null) console.log('note: no C compiler: the JavaScript load generator drives the servers (it takes CPU from them)');
  // Every server runs from the start (an idle one costs nothing); each cell
  // loads them in turn, in a different order each round, so drift on a
  // shared machine does not favour one; a cell's figure is its median.
  const started: Array<Started & { server: Server }> = [];
  const results = new Map<string, LoadResult[]>();
  const marks = new Map<string, string>();
  try {
    for (const server of servers) {
      const st = await server.start();
      started.push({ ...st, server });
      if (server.backend) marks.set(server.name, [...new Set(checkBackend(server.backend, st.backend ?? {}, notes))].join(''));
    }
    for (const size of sizes) {
      for (const conns of connCounts) {
        for (let round = 0; round < rounds; round++) {
          for (let i = 0; i < started.length; i++) {
            const { server, port, child } = started[(i + round) % started.length];
            const r = await runLoad(port, conns, size, ms, child.pid);
            const key = `${server.name}/${size}/${conns}`;
            results.set(key, [...(results.get(key) ?? []), r]);
            console.log(`  ${server.name.padEnd(8)} ${String(size).padStart(5)} B ${String(conns).padStart(5)} conns: ${Math.round(r.rate)} round trips/s`);
          }
        }
      }
    }
  } finally {
    for (const { child } of started) await stop(child);
  }
  const rate = (key: string) => {
    const rs = results.get(key);
    return rs === undefined ? undefined : median(rs.map((r) => r.rate));
  };
  const cpu = (key: string) => {
    const rs = results.get(key)?.filter((r) => r.userUs !== null);
    return rs === undefined || rs.length === 0 ? '-' : `${median(rs.map((r) => r.userUs!)).toFixed(1)} + ${median(rs.map((r) => r.sysUs!)).toFixed(1)}`;
  };
  const mark = (name: string) => (marks.get(name) ? ` ${marks.get(name)}` : '');
  const fmt = (n: number | undefined, name = '') => (n === undefined ? '-' : `${Math.round(n)}${mark(name)}`);
  const ratio = (a: number | undefined, b: number | undefined, name = '') =>
    a === undefined || b === undefined ? '-' : `${(a / b).toFixed(2)}${mark(name)}`;
  console.log('');
  console.log(
    `echo round trips/s (node ${process.version}, ${gen !== null ? 'C' : 'JavaScript'} load generator, median of ${rounds} × ${ms} ms per cell)`,
  );
  console.log(
    `| size | conns | ${columnName('stacks')} | ${columnName('threads')} | node | gevent | stacks/node | threads/node | stacks/gevent | threads/gevent |`,
  );
  console.log('|-----:|------:|---------:|---------:|-----:|-------:|------------:|-------------:|--------------:|---------------:|');
  for (const size of sizes) {
    for (const conns of connCounts) {
      const f = rate(`fibernet/${size}/${conns}`);
      const t = rate(`threads/${size}/${conns}`);
      const n = rate(`node/${size}/${conns}`);
      const g = rate(`gevent/${size}/${conns}`);
      console.log(
        `| ${size} | ${conns} | ${fmt(f, 'fibernet')} | ${fmt(t, 'threads')} | ${fmt(n)} | ${fmt(g)} | ${ratio(f, n, 'fibernet')} | ${ratio(t, n, 'threads')} | ${ratio(f, g, 'fibernet')} | ${ratio(t, g, 'threads')} |`,
      );
    }
  }
  console.log('');
  console.log('server CPU per round trip, µs user + system (median; lower is better)');
  console.log(`| size | conns | ${columnName('stacks')} | ${columnName('threads')} | node | gevent |`);
  console.log('|-----:|------:|---------:|---------:|-----:|-------:|');
  for (const size of sizes) {
    for (const conns of connCounts) {
      console.log(`| ${size} | ${conns} | ${cpu(`fibernet/${size}/${conns}`)} | ${cpu(`threads/${size}/${conns}`)} | ${cpu(`node/${size}/${conns}`)} | ${cpu(`gevent/${size}/${conns}`)} |`);
    }
  }
  notes.print();
}

if (require.main === module) {
  const [role, ...rest] = process.argv.slice(2);
  if (role === 'server') {
    if (rest[0] === 'fibernet') serveFibernet();
    else if (rest[0] === 'node') serveNode();
    else throw new Error(`unknown server ${rest[0]}`);
  } else if (role === 'load') {
    load(Number(rest[0]), Number(rest[1]), Number(rest[2]), Number(rest[3]));
  } else {
    main().catch((err) => {
      console.error(err);
      process.exit(1);
    });
  }
}
