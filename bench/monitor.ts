// The blocking monitor's cost when nothing blocks: the same fibernet echo
// server with and without FIBERNET_MONITOR=100 (its watchdog thread, the
// loop-turn counters), loaded in turn by the C load generator, median of 5.
// The goal (issue 12): throughput with the monitor on >= 0.97x off.
import * as path from 'path';
import { loadgen, median, runLoad, startChild, stop, type Started } from './echo';

export async function main(): Promise<void> {
  const echo = path.join(__dirname, 'echo.js');
  const rounds = 7;
  const ms = 1500;
  const cells: Array<[number, number]> = [
    [64, 100],
    [64, 1000],
  ];
  if (loadgen() === null) console.log('note: no C compiler: the JavaScript load generator drives the servers (it takes CPU from them)');
  const variants = [
    { name: 'off', env: { ...process.env, FIBERNET_MONITOR: '' } },
    { name: 'on', env: { ...process.env, FIBERNET_MONITOR: '100' } },
  ];
  const started: Array<Started & { name: string }> = [];
  const rates = new Map<string, number[]>();
  const cpus = new Map<string, number[]>();
  try {
    for (const v of variants) started.push({ ...(await startChild(process.execPath, [echo, 'server', 'fibernet'], v.env)), name: v.name });
    for (const [size, conns] of cells) {
      for (let round = 0; round < rounds; round++) {
        for (let i = 0; i < started.length; i++) {
          const s = started[(i + round) % started.length];
          const r = await runLoad(s.port, conns, size, ms, s.child.pid);
          const key = `${s.name}/${size}/${conns}`;
          rates.set(key, [...(rates.get(key) ?? []), r.rate]);
          if (r.userUs !== null && r.sysUs !== null) cpus.set(key, [...(cpus.get(key) ?? []), r.userUs + r.sysUs]);
        }
      }
    }
  } finally {
    for (const s of started) await stop(s.child);
  }
  console.log(`monitor cost: echo round trips/s with FIBERNET_MONITOR=100 against without (node ${process.version}, median of ${rounds} × ${ms} ms)`);
  console.log('| size | conns | monitor off | monitor on | on/off | server CPU µs/round trip off | on |');
  console.log('|-----:|------:|------------:|-----------:|-------:|-----:|-----:|');
  const cpu = (key: string) => (cpus.has(key) ? median(cpus.get(key)!).toFixed(2) : '-');
  for (const [size, conns] of cells) {
    const off = median(rates.get(`off/${size}/${conns}`)!);
    const on = median(rates.get(`on/${size}/${conns}`)!);
    console.log(
      `| ${size} | ${conns} | ${Math.round(off)} | ${Math.round(on)} | ${(on / off).toFixed(3)} | ${cpu(`off/${size}/${conns}`)} | ${cpu(`on/${size}/${conns}`)} |`,
    );
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
