// `npm run bench`: every benchmark of the project, one after another, each
// printing its ratios measured side by side in this run.
import * as fs from 'fs';
import * as path from 'path';

const suites = ['fiber', 'hub', 'echo'];

async function runAll(): Promise<void> {
  for (const name of suites) {
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
