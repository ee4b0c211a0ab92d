'use strict';
// A leak of parked greenlets: every request spawns a watcher that waits on a
// Queue nobody ever puts to. After a while, dumpFibers() shows hundreds of
// greenlets parked in the same place for a long time.
//
//   node examples/debugging/leak.js
const { spawn, sleep, Queue, dumpFibers, joinAll } = require('../..');

const replies = new Queue();

function watchForReply(requestId) {
  // Bug: nobody puts replies for requests that completed without one.
  return replies.get();
}

function serveRequest(requestId) {
  spawn(watchForReply, requestId);
  sleep(1);
}

joinAll(Array.from({ length: 300 }, (_, i) => spawn(serveRequest, i)));
sleep(50);

// Group the dump by where each greenlet waits.
const byPlace = new Map();
for (const e of dumpFibers({ json: true })) {
  if (e.state !== 'parked') continue;
  const top = e.stack[0];
  const key = `${e.waitingOn} at ${top ? `${top.functionName} (${top.file}:${top.line})` : '?'}`;
  byPlace.set(key, (byPlace.get(key) || 0) + 1);
}
for (const [place, n] of byPlace) console.log(`${n} greenlets parked on ${place}`);
process.exit(0);
