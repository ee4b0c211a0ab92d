// HTTP handlers in greenlets against async/await: examples/http-blocking.js
// served both ways (patchAll({ http: true }) with a blocking handler, and the
// same app with an async handler), loaded in turn by wrk (Debian's `wrk`
// package), median of 3 rounds per server.
import { spawn as spawnChild, spawnSync, type ChildProcess } from 'child_process';
import * as path from 'path';
import { median, stop } from './echo';

function startApp(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const app = path.join(__dirname, '..', '..', 'examples', 'http-blocking.js');
  return new Promise((resolve, reject) => {
    const child = spawnChild(process.execPath, [app, '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`http-blocking.js ${args.join(' ')} exited with ${code} before listening`)));
  });
}

/** Requests/s wrk measured, or null when wrk is missing. */
function wrk(port: number, conns: number, seconds: number): number | null {
  const r = spawnSync('wrk', ['-t1', `-c${conns}`, `-d${seconds}s`, `http://127.0.0.1:${port}/users/3`], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) return null;
  const m = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  return m ? Number(m[1]) : null;
}

export async function main(): Promise<void> {
  if (spawnSync('wrk', ['--version']).error !== undefined) {
    console.log('note: wrk not found (apt-get install wrk); skipping the http suite');
    return;
  }
  const variants = [
    { name: 'greenlets', args: [] as string[] },
    { name: 'async', args: ['--async'] },
  ];
  const rounds = 3;
  const conns = [10, 100];
  const started = [];
  const rates = new Map<string, number[]>();
  try {
    for (const v of variants) started.push({ ...(await startApp(v.args)), name: v.name });
    for (const c of conns) {
      for (let round = 0; round < rounds; round++) {
        for (let i = 0; i < started.length; i++) {
          const s = started[(i + round) % started.length];
          const rate = wrk(s.port, c, 3);
          if (rate !== null) rates.set(`${s.name}/${c}`, [...(rates.get(`${s.name}/${c}`) ?? []), rate]);
        }
      }
    }
  } finally {
    for (const s of started) await stop(s.child);
  }
  console.log(`http: examples/http-blocking.js, requests/s (node ${process.version}, wrk -t1, median of ${rounds} × 3 s)`);
  console.log('| conns | blocking handler in greenlets | async/await handler | greenlets / async |');
  console.log('|------:|------:|------:|------:|');
  for (const c of conns) {
    const g = rates.get(`greenlets/${c}`);
    const a = rates.get(`async/${c}`);
    const gm = g ? median(g) : NaN;
    const am = a ? median(a) : NaN;
    console.log(`| ${c} | ${Math.round(gm)} | ${Math.round(am)} | ${(gm / am).toFixed(2)} |`);
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
