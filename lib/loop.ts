// The native loop-turn functions (native/loop.cc) the Hub's root uses to run
// Node's event loop while the main thread blocks at a script's top level.
import * as path from 'path';

export interface LoopBinding {
  /**
   * One uv_run turn (UV_RUN_NOWAIT when nowait, else UV_RUN_ONCE), calling
   * `drain` in its prepare and check phases; returns whether the loop is
   * still alive. What the turn's callbacks (and `drain`) throw goes to Node's
   * uncaught-exception handling, as in Node's own loop.
   */
  runLoopOnce(nowait?: boolean, drain?: () => void): boolean;
  /** Calls `fn`; an error it throws goes to Node's uncaught-exception handling. Whether it returned. */
  callReportingErrors(fn: () => void): boolean;
  /** Whether the loop has active, referenced handles or requests. */
  loopAlive(): boolean;
  /** Makes the running turn return without blocking in poll. */
  stopLoop(): void;
  /** Runs the platform's queued tasks for this isolate; returns whether the loop is alive afterwards. */
  drainPlatformTasks(): boolean;
}

// node-gyp-build returns the same (cached) addon lib/binding.ts loads.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const load = require('node-gyp-build') as (dir: string) => Partial<LoopBinding>;
const addon = load(path.join(__dirname, '..', '..'));

function missing(): never {
  throw new Error('fibernet: the native addon has no loop support (native/loop.cc); rebuild it with `npm run build`');
}

export const loop: LoopBinding = {
  runLoopOnce: addon.runLoopOnce ?? missing,
  loopAlive: addon.loopAlive ?? missing,
  callReportingErrors: addon.callReportingErrors ?? missing,
  stopLoop: addon.stopLoop ?? missing,
  drainPlatformTasks: addon.drainPlatformTasks ?? missing,
};
