// The errors of fibernet's queues (gevent.queue's Empty and Full, and the
// ValueError / TypeError gevent lets Python raise), each with a `name` and a
// stable `code` to match on.

/** A get() or peek() found no item: its timeout passed, or it was told not to wait (ms 0, getNowait). */
export class QueueEmpty extends Error {
  readonly code = 'ERR_QUEUE_EMPTY';
  constructor(message = 'The queue is empty') {
    super(message);
    this.name = 'QueueEmpty';
  }
}

/** A put() found no free slot (or, on a Channel, no getter): its timeout passed, or it was told not to wait. */
export class QueueFull extends Error {
  readonly code = 'ERR_QUEUE_FULL';
  constructor(message = 'The queue is full') {
    super(message);
    this.name = 'QueueFull';
  }
}

/** JoinableQueue#taskDone() was called more times than items were put (Python raises ValueError). */
export class TaskDoneError extends RangeError {
  readonly code = 'ERR_TOO_MANY_TASK_DONE';
  constructor(message = 'taskDone() called too many times') {
    super(message);
    this.name = 'TaskDoneError';
  }
}

/**
 * A PriorityQueue's default ordering met two items it cannot order, such as
 * a number and a string (Python raises TypeError for `1 < 'a'`).
 */
export class IncomparableError extends TypeError {
  readonly code = 'ERR_INCOMPARABLE';
  constructor(message = 'The items cannot be ordered') {
    super(message);
    this.name = 'IncomparableError';
  }
}
