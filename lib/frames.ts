// Stack frames as dumpFibers() and the monitor show them: fibernet's own
// frames (the Hub, the Waiter, the patched socket methods) are left out, so
// a stack starts at the user's code that called the blocking function.
import * as path from 'path';
import type { StackFrameInfo } from './binding';

/** Files under it are fibernet's own (the compiled lib/ and patches/). */
export const INTERNAL_PREFIX = path.resolve(__dirname, '..') + path.sep;

/** `frames` without fibernet's own, unless `internal` keeps them. */
export function userFrames(frames: StackFrameInfo[], internal = false): StackFrameInfo[] {
  return internal ? frames : frames.filter((f) => !f.file.startsWith(INTERNAL_PREFIX));
}

/** The frames as lines the way Error#stack prints them. */
export function formatFrames(frames: StackFrameInfo[], indent = '    '): string {
  return frames.map((f) => `${indent}at ${f.functionName || '<anonymous>'} (${f.file}:${f.line}:${f.column})`).join('\n');
}
