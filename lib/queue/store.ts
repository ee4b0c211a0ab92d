// Where a queue keeps its items: first in first out, last in first out, or
// a heap. A queue takes items from its store and, when a getter it served
// was killed before it could run, gives the item back (restore) so it goes
// to the next getter instead.
import { heapify, heapPop, heapPush, heapRestore, type Less } from './order';

/** @internal */
export interface Store<T> {
  readonly size: number;
  /** Adds an item (may throw for a heap whose items cannot be ordered; the store is then unchanged). */
  add(item: T): void;
  /** Removes and returns the next item (the store must not be empty). */
  take(): T;
  /** The next item, left in place (the store must not be empty). */
  first(): T;
  /** Puts back the item take() just returned, as the next one to be taken. */
  restore(item: T): void;
  /** The items, for copies and messages (a heap's in heap order, as gevent shows them). */
  toArray(): T[];
}

/** @internal First in, first out: an array with a moving head, so take() is O(1). */
export class FifoStore<T> implements Store<T> {
  private items: T[];
  private head = 0;
  constructor(items: T[]) {
    this.items = items;
  }
  get size(): number {
    return this.items.length - this.head;
  }
  add(item: T): void {
    this.items.push(item);
  }
  take(): T {
    const item = this.items[this.head];
    this.items[this.head] = undefined as T; // keep nothing alive
    this.head++;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }
  first(): T {
    return this.items[this.head];
  }
  restore(item: T): void {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
  }
  toArray(): T[] {
    return this.items.slice(this.head);
  }
}

/** @internal Last in, first out. */
export class LifoStore<T> implements Store<T> {
  constructor(private readonly items: T[]) {}
  get size(): number {
    return this.items.length;
  }
  add(item: T): void {
    this.items.push(item);
  }
  take(): T {
    return this.items.pop()!;
  }
  first(): T {
    return this.items[this.items.length - 1];
  }
  restore(item: T): void {
    this.items.push(item);
  }
  toArray(): T[] {
    return this.items.slice();
  }
}

/** @internal Smallest first, by `less`, with heapq's comparisons. */
export class HeapStore<T> implements Store<T> {
  private readonly heap: T[];
  constructor(items: T[], private readonly less: Less<T>) {
    this.heap = items;
    heapify(this.heap, less);
  }
  get size(): number {
    return this.heap.length;
  }
  add(item: T): void {
    heapPush(this.heap, item, this.less);
  }
  take(): T {
    return heapPop(this.heap, this.less);
  }
  first(): T {
    return this.heap[0];
  }
  restore(item: T): void {
    heapRestore(this.heap, item, this.less);
  }
  toArray(): T[] {
    return this.heap.slice();
  }
}
