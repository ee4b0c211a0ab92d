// The errors of fibernet's Hub, greenlets and timeouts (gevent.exceptions in
// Node's idiom: each has a `name` and a stable `code` to match on).

/** Two fibers tried to wait on the same Waiter (or socket direction) at once. */
export class ConcurrentObjectUseError extends Error {
  readonly code = 'ERR_CONCURRENT_OBJECT_USE';
  constructor(message = 'This object is already used by another fiber') {
    super(message);
    this.name = 'ConcurrentObjectUseError';
  }
}

/** A fiber parked on a Waiter was resumed by something other than that Waiter. */
export class InvalidSwitchError extends Error {
  readonly code = 'ERR_INVALID_SWITCH';
  constructor(message = 'Invalid switch') {
    super(message);
    this.name = 'InvalidSwitchError';
  }
}

/** A blocking call was made where blocking is impossible: in an event-loop callback on the main thread. */
export class BlockingSwitchOutError extends Error {
  readonly code = 'ERR_BLOCKING_SWITCH_OUT';
  constructor(message = 'Impossible to call a blocking function in an event-loop callback: use spawn() to run it in a fiber') {
    super(message);
    this.name = 'BlockingSwitchOutError';
  }
}

/** A wait ran out of time. Message `timed out`, code `ETIMEDOUT`. */
export class TimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(message = 'timed out') {
    super(message);
    this.name = 'TimeoutError';
  }
}

/** The default error kill() raises inside a fiber; a greenlet that exits with it counts as successful. */
export class FiberExit extends Error {
  readonly code = 'ERR_FIBER_EXIT';
  constructor(message = 'fiber killed') {
    super(message);
    this.name = 'FiberExit';
  }
}

/** The root (main thread) waited, but nothing is left that could ever wake it. */
export class LoopExit extends Error {
  readonly code = 'ERR_LOOP_EXIT';
  constructor(message = 'This operation would block forever') {
    super(message);
    this.name = 'LoopExit';
  }
}
