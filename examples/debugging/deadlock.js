'use strict';
// Two greenlets that each wait for the other: the process just sits there.
// With FIBERNET_DUMP_ON_SIGNAL=1, `kill -USR2 <pid>` prints where every
// greenlet waits; this example sends the signal to itself after 100 ms.
//
//   FIBERNET_DUMP_ON_SIGNAL=1 node examples/debugging/deadlock.js
const { spawn, Lock, sleep } = require('../..');

const accounts = new Lock();
const audit = new Lock();

function transfer() {
  accounts.acquire();
  sleep(10);
  audit.acquire(); // waits for report(), which waits for us
}

function report() {
  audit.acquire();
  sleep(10);
  accounts.acquire();
}

const a = spawn(transfer);
const b = spawn(report);
setTimeout(() => process.kill(process.pid, 'SIGUSR2'), 100);
setTimeout(() => {
  a.kill();
  b.kill();
}, 200);
