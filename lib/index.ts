// fibernet's public entry point.
export { Fiber, fiberStats } from './fiber';
export type { FiberOptions, FiberConstructor } from './fiber';
export { Future } from './future';
export { ConcurrentObjectUseError, InvalidSwitchError, BlockingSwitchOutError, TimeoutError, FiberExit, LoopExit } from './errors';
export { Waiter } from './waiter';
export { Hub, getHub, assertCanBlock, canBlock, wait, iwait } from './hub';
export type { Watcher, HubWaitOptions, Linkable, WaitOptions } from './hub';
export { Greenlet, spawn, spawnLater, sleep, joinAll, killAll, getCurrent } from './greenlet';
export type { LinkCallback, KillOptions, JoinAllOptions } from './greenlet';
export { Timeout, withTimeout } from './timeout';
export type { WithTimeoutOptions } from './timeout';
export { waitFor, blocking } from './bridges';
export type { WaitForOptions } from './bridges';
export { patchAll, unpatchAll, isPatched, getOriginal } from '../patches';
export type { PatchOptions } from '../patches';
export { connect } from '../patches/net';
export type { BlockingOptions, ConnectOptions, ShutdownHow } from '../patches/net';
