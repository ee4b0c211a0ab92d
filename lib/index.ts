// fibernet's public entry point.
export { Fiber, fiberStats } from './fiber';
export type { FiberOptions, FiberConstructor } from './fiber';
