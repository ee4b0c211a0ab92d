// `npm run bench`: every benchmark of the project, one after another, each
// printing its ratios measured side by side in this run.
//
//   npm run bench                     every suite: fiber, hub, echo, burst, scale, monitor, http
//   npm run bench -- fiber scale      only those suites (or FIBERNET_BENCH_SUITES=fiber,scale)
//
// Env knobs (see each suite's header): FIBERNET_BENCH_QUICK=1 skips the 1,000,000-fiber
// row of the scale suite and runs the echo suite's short cells; FIBERNET_BENCH_NODES
// (scale suite, default 20,22,24); FIBERNET_BENCH_SCALE=<factor> scales the counts of
// the fiber, hub and scale suites (smoke runs of the drivers; figures then are not
// comparable with the goals); FIBERNET_BENCH_FORCE_STACKS=1 runs the stacks column
// with FIBERNET_BACKEND=stacks instead of the default selection.
import * as fs from 'fs';
import * as path from 'path';

const allSuites = ['fiber', 'hub', 'echo', 'burst', 'scale', 'monitor', 'http'];

function chosen(): string[] {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const env = (process.env.FIBERNET_BENCH_SUITES ?? '').split(',').filter(Boolean);
  const wanted = args.length ? args : env.length ? env : allSuites;
  for (const name of wanted) {
    if (!allSuites.includes(name)) throw new Error(`unknown suite '${name}' (one of ${allSuites.join(', ')})`);
  }
  return allSuites.filter((name) => wanted.includes(name));
}

async function runAll(): Promise<void> {
  for (const name of chosen()) {
    const file = path.join(__dirname, `${name}.js`);
    if (!fs.existsSync(file)) continue;
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const suite = require(file) as { main(): unknown };
    console.log();
    await suite.main();
  }
}

runAll().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
