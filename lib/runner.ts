// Runs a script's main module inside a main fiber, so its top level may block
// (the runner and `node -r fibernet/register` share this).
//
// The main fiber is started at once, from where Node would run the main
// module, so ordering against process.nextTick, promises and timers is what
// plain `node` gives. When the main fiber first blocks, control returns here
// and Node starts its event loop; from then on the Hub resumes it. An error
// escaping the main fiber is an uncaught exception, reported by Node from the
// place it was thrown, exactly as under `node`.
import * as fs from 'fs';
import Module = require('module');
import * as path from 'path';
import { runMainFiber } from './fiber';

interface ModuleInternals {
  runMain(main?: string): unknown;
  _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: unknown): string;
}
const ModuleApi = Module as unknown as ModuleInternals;

const compat = path.join(__dirname, 'compat');
const aliases: Record<string, string> = {
  fibers: path.join(compat, 'fibers.js'),
  'fibers/fibers': path.join(compat, 'fibers.js'),
  'fibers/future': path.join(compat, 'future.js'),
  'fibers/future.js': path.join(compat, 'future.js'),
};

let aliasInstalled = false;

/**
 * Makes `require('fibers')` and `require('fibers/future')` resolve to
 * fibernet's drop-ins, whether or not the old package is installed (its
 * native part cannot load on Node 16+ anyway).
 */
export function installFibersAlias(): void {
  if (aliasInstalled) return;
  aliasInstalled = true;
  const resolve = ModuleApi._resolveFilename;
  ModuleApi._resolveFilename = function resolveWithFibersAlias(request, parent, isMain, options) {
    const target = typeof request === 'string' ? aliases[request] : undefined;
    return target ?? resolve.call(this, request, parent, isMain, options);
  };
}

/** Whether Node would load `file` as an ES module. */
function isEsm(file: string): boolean {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs') || !file.endsWith('.js')) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { type?: string }).type === 'module';
      } catch {
        return false;
      }
    }
    if (path.dirname(dir) === dir) return false;
  }
}

function resolveMain(main: string): string | null {
  try {
    return ModuleApi._resolveFilename(path.resolve(main), null, true);
  } catch {
    return null;
  }
}

/** The error raised for an ES module entry point that uses top-level await. */
export class TopLevelAwaitError extends Error {
  readonly code = 'ERR_FIBERNET_TOP_LEVEL_AWAIT';
  constructor(file: string) {
    super(
      `fibernet cannot run ${file} in its main fiber: the module uses top-level await, and an ` +
        'awaiting module finishes evaluating in a promise job on the event loop, outside any fiber, ' +
        'where blocking calls are not allowed. Move the await into an async function, or block on ' +
        'the promise with waitFor(promise) instead.',
    );
    this.name = 'TopLevelAwaitError';
  }
}

/**
 * Runs the main module (`runOriginal` = Node's own Module.runMain) inside a
 * main fiber. ES module entry points are loaded with require(), which
 * evaluates them synchronously, inside the fiber.
 */
export function runMainInFiber(main: string | undefined, runOriginal: (main?: string) => unknown): void {
  const file = main === undefined ? undefined : resolveMain(main);
  const body =
    file !== undefined && file !== null && isEsm(file)
      ? () => {
          try {
            require(file);
          } catch (err) {
            if ((err as { code?: string })?.code === 'ERR_REQUIRE_ASYNC_MODULE') throw new TopLevelAwaitError(file);
            throw err;
          }
        }
      : () => {
          runOriginal(main);
        };
  runMainFiber(body);
}

let mainHooked = false;

/** Makes Node's next Module.runMain() run the main module inside a main fiber. */
export function hookRunMain(): void {
  if (mainHooked) return;
  mainHooked = true;
  const original = ModuleApi.runMain;
  ModuleApi.runMain = function runMain(this: unknown, main?: string) {
    ModuleApi.runMain = original;
    runMainInFiber(main ?? process.argv[1], (m) => original.call(this, m));
  };
}
