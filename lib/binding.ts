// Loads the native fiber core (native/fiber.cc) for this Node ABI.
import * as path from 'path';

/** An opaque handle on one native fiber. */
export type FiberHandle = object & { readonly __fiberHandle: unique symbol };

export interface NativeStats {
  threadsCreated: number;
  threadsAlive: number;
  pooled: number;
  live: number;
  poolSize: number;
}

export interface FiberBinding {
  /** reportUncaught: an error escaping the fiber's entry goes to Node's uncaught-exception handling. */
  create(stackSize: number, reportUncaught?: boolean): FiberHandle;
  /** Runs the fiber until control comes back: true when the fiber's entry returned. */
  resume(handle: FiberHandle, entry?: () => void): boolean;
  /** Parks the running fiber; hands control to its resumer, or to the parked fiber `next` in its place. */
  suspend(next?: FiberHandle): void;
  stats(): NativeStats;
  setPoolSize(n: number): void;
}

// node-gyp-build finds build/Release (or a prebuild) from the package root.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const load = require('node-gyp-build') as (dir: string) => FiberBinding;

export const binding: FiberBinding = load(path.join(__dirname, '..', '..'));
