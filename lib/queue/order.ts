// The orderings of a PriorityQueue: Python's `<` for numbers, strings and
// arrays (compared element by element, as Python compares tuples), and a
// binary heap that makes exactly the comparisons Python's heapq makes, so
// equal-priority items come out in the order they would under gevent.
import { inspect } from 'util';
import { IncomparableError } from './errors';

/** `a < b`; may throw (IncomparableError, or whatever a user's compare throws). */
export type Less<T> = (a: T, b: T) => boolean;

const NUMERIC = 0;
const STRING = 1;
const ARRAY = 2;
const OTHER = 3;

function kindOf(v: unknown): number {
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return NUMERIC;
    case 'string':
      return STRING;
    default:
      return Array.isArray(v) ? ARRAY : OTHER;
  }
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object' || typeof v === 'function') {
    const ctor = (v as { constructor?: { name?: string } }).constructor;
    return ctor && ctor.name ? ctor.name : typeof v;
  }
  return typeof v;
}

/** Compares strings by code point, as Python does (JavaScript's `<` compares UTF-16 code units). */
function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a.charCodeAt(i) !== b.charCodeAt(i)) return a.codePointAt(i)! - b.codePointAt(i)!;
  }
  return a.length - b.length;
}

/** Python's `==` between the values the default ordering knows: never throws; other values by identity. */
function pyEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ka = kindOf(a);
  if (ka !== kindOf(b)) return false;
  if (ka === NUMERIC) return (a as number) == (b as number); // 1 == 1n, as Python's 1 == 1
  if (ka === ARRAY) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!pyEqual(x[i], y[i])) return false;
    return true;
  }
  return false;
}

/**
 * The default ordering: Python's `a < b` for numbers (and bigints), strings
 * (by code point) and arrays (like tuples: the first unequal elements decide,
 * else the shorter array is smaller). Any other pair, a number and a string
 * say, throws IncomparableError, as Python raises TypeError.
 */
export function pythonLess(a: unknown, b: unknown): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === kb) {
    if (ka === NUMERIC) return (a as number) < (b as number);
    if (ka === STRING) return compareStrings(a as string, b as string) < 0;
    if (ka === ARRAY) {
      const x = a as unknown[];
      const y = b as unknown[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        if (!pyEqual(x[i], y[i])) return pythonLess(x[i], y[i]);
      }
      return x.length < y.length;
    }
  }
  throw new IncomparableError(
    `'<' not supported between ${describeType(a)} and ${describeType(b)} (${inspect(a, { depth: 0 })} and ${inspect(b, { depth: 0 })}): ` +
      'give the PriorityQueue a compare function, or items of one comparable kind',
  );
}

/**
 * Writes to a heap that can be undone: a comparison that throws halfway
 * through a sift leaves the heap as it was (Python's heapq would leave it
 * half-sifted).
 */
class Journal<T> {
  private readonly undo: Array<[number, T]> = [];
  constructor(private readonly heap: T[]) {}
  set(i: number, v: T): void {
    this.undo.push([i, this.heap[i]]);
    this.heap[i] = v;
  }
  rollback(): void {
    for (let k = this.undo.length - 1; k >= 0; k--) this.heap[this.undo[k][0]] = this.undo[k][1];
  }
}

// heapq's two sifts, same comparisons in the same order.

function siftDown<T>(heap: T[], j: Journal<T>, start: number, pos: number, less: Less<T>): void {
  const item = heap[pos];
  while (pos > start) {
    const parentPos = (pos - 1) >> 1;
    const parent = heap[parentPos];
    if (less(item, parent)) {
      j.set(pos, parent);
      pos = parentPos;
      continue;
    }
    break;
  }
  j.set(pos, item);
}

function siftUp<T>(heap: T[], j: Journal<T>, pos: number, less: Less<T>): void {
  const end = heap.length;
  const start = pos;
  const item = heap[pos];
  let child = 2 * pos + 1;
  while (child < end) {
    const right = child + 1;
    if (right < end && !less(heap[child], heap[right])) child = right;
    j.set(pos, heap[child]);
    pos = child;
    child = 2 * pos + 1;
  }
  j.set(pos, item);
  siftDown(heap, j, start, pos, less);
}

/** heapq.heappush; on a throwing comparison the heap is unchanged and the error propagates. */
export function heapPush<T>(heap: T[], item: T, less: Less<T>): void {
  heap.push(item);
  const j = new Journal(heap);
  try {
    siftDown(heap, j, 0, heap.length - 1, less);
  } catch (err) {
    j.rollback();
    heap.pop();
    throw err;
  }
}

/** heapq.heappop (the heap must not be empty); on a throwing comparison the heap is unchanged. */
export function heapPop<T>(heap: T[], less: Less<T>): T {
  const last = heap.pop()!;
  if (heap.length === 0) return last;
  const top = heap[0];
  const j = new Journal(heap);
  try {
    j.set(0, last);
    siftUp(heap, j, 0, less);
  } catch (err) {
    j.rollback();
    heap.push(last);
    throw err;
  }
  return top;
}

/** heapq.heapify, in place (a throwing comparison propagates; the caller discards the heap). */
export function heapify<T>(heap: T[], less: Less<T>): void {
  const j = new Journal(heap);
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftUp(heap, j, i, less);
}

/**
 * Puts back `item`, which was the heap's smallest when it was taken out:
 * by heapPush; should that throw (items that cannot be ordered against it
 * came in since), it is placed at the top regardless, so it is not lost.
 */
export function heapRestore<T>(heap: T[], item: T, less: Less<T>): void {
  try {
    heapPush(heap, item, less);
  } catch {
    heap.push(item);
    let pos = heap.length - 1;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      heap[pos] = heap[parent];
      pos = parent;
    }
    heap[0] = item;
  }
}
