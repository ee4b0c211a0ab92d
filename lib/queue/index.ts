// gevent.queue for fibernet: Queue, LifoQueue, PriorityQueue, JoinableQueue,
// Channel, and their errors.
export { Queue, LifoQueue, PriorityQueue } from './queue';
export type { QueueOptions, PriorityQueueOptions } from './queue';
export { JoinableQueue } from './joinable';
export type { JoinableQueueOptions } from './joinable';
export { Channel } from './channel';
export { QueueEmpty, QueueFull, TaskDoneError, IncomparableError } from './errors';
