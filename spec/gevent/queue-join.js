'use strict';
// Twin of queue-join.py (see there).
const { JoinableQueue, TaskDoneError, FiberExit, spawn, sleep, joinAll } = require('../..');

const tf = (x) => (x ? 'true' : 'false');
const q = new JoinableQueue();

function worker() {
  for (;;) {
    const item = q.get();
    console.log('W works on', item);
    sleep(0);
    q.taskDone();
    console.log('W done with', item, 'unfinished', q.unfinishedTasks);
  }
}

function j1() {
  console.log('J1 joins');
  console.log('J1 joined', tf(q.join()), 'unfinished', q.unfinishedTasks);
  console.log('J1 joined again', tf(q.join()));
  q.put('d');
  console.log('J1 put d, unfinished', q.unfinishedTasks);
  console.log('J1 joined a third time', tf(q.join()), 'unfinished', q.unfinishedTasks);
}

function j2() {
  console.log('J2 joins');
  console.log('J2 joined', tf(q.join()), 'unfinished', q.unfinishedTasks);
  console.log('J2 joins again');
  console.log('J2 joined again', tf(q.join()), 'unfinished', q.unfinishedTasks);
}

function j3() {
  console.log('J3 joins');
  try {
    q.join();
  } catch (err) {
    if (err instanceof FiberExit) console.log('J3 killed while joining');
    throw err;
  }
}

for (const x of ['a', 'b', 'c']) q.put(x);
console.log('unfinished', q.unfinishedTasks, 'qsize', q.qsize());
const w = spawn(worker);
const gs = [spawn(j1), spawn(j2)];
joinAll(gs);
console.log('all joined, unfinished', q.unfinishedTasks);
console.log('join(0) when done', tf(q.join(0)));

w.kill();
console.log('worker killed');
q.put('e');
const g3 = spawn(j3);
sleep(0);
console.log('join with a timeout', tf(q.join(20)));
g3.kill();
console.log('J3 dead', tf(g3.dead));
console.log('got', q.get());
q.taskDone();
console.log('join after task_done', tf(q.join()), 'unfinished', q.unfinishedTasks);
try {
  q.taskDone();
} catch (err) {
  if (!(err instanceof TaskDoneError)) throw err;
  console.log('too many task_done: ValueError');
}
