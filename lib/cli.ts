// The `fibernet` command: `fibernet [options] script.js [args...]` runs a
// script as `node script.js [args...]` would, after patchAll(), with its main
// module inside a main fiber.
import * as path from 'path';
import Module = require('module');
import { patchAll } from '../patches';
import { hookRunMain, installFibersAlias } from './runner';
import { monitorFromEnv } from './monitor';
import { dumpOnSignalFromEnv } from './dump';

const usage = `Usage: fibernet [options] <script.js> [arguments...]

Runs a Node.js script with fibernet: patchAll() first, then the script's main
module inside a main fiber, so blocking-style code (sock.recv(), sleep(),
Future#wait(), Fiber.yield()) works at its top level. require('fibers') and
require('fibers/future') resolve to fibernet's drop-ins.

Options:
  --no-fibers-alias  leave require('fibers') to the normal module resolution
  -v, --version      print fibernet's version
  -h, --help         print this help

The same without the wrapper: node -r fibernet/register script.js`;

function version(): string {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return (require(path.join(__dirname, '..', '..', 'package.json')) as { version: string }).version;
}

/** Parses the command line and runs the script; returns an exit code when it did not run one. */
export function main(argv: string[]): number | undefined {
  let alias = true;
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('-'); i++) {
    const arg = argv[i];
    if (arg === '--') {
      i++;
      break;
    } else if (arg === '--no-fibers-alias') {
      alias = false;
    } else if (arg === '-v' || arg === '--version') {
      console.log(`fibernet v${version()} (Node.js ${process.version})`);
      return 0;
    } else if (arg === '-h' || arg === '--help') {
      console.log(usage);
      return 0;
    } else {
      console.error(`fibernet: unknown option ${arg}\n\n${usage}`);
      return 9; // node's exit code for an invalid argument
    }
  }
  if (i >= argv.length) {
    console.error(`fibernet: no script given\n\n${usage}`);
    return 9;
  }
  // The script sees the command line plain `node script.js args` gives it.
  process.argv = [process.argv[0], path.resolve(argv[i]), ...argv.slice(i + 1)];
  patchAll();
  // FIBERNET_MONITOR and FIBERNET_DUMP_ON_SIGNAL work for scripts that never load fibernet themselves.
  monitorFromEnv();
  dumpOnSignalFromEnv();
  if (alias) installFibersAlias();
  hookRunMain();
  (Module as unknown as { runMain(main?: string): void }).runMain(process.argv[1]);
  return undefined;
}
