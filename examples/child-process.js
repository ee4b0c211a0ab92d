'use strict';
// Child processes from greenlets: communicate() feeds a child and reads all it
// says, wait() waits for one to exit, and with patchAll({ childProcessSync: true })
// an execSync() inside a greenlet parks only that greenlet while the others run.
//
//   node examples/child-process.js
//
// Prints what each greenlet got, and how many times the ticker ticked while
// execSync() was waiting (the whole process would have stood still without the option).
const cp = require('child_process');
const { patchAll, spawn, joinAll, sleep } = require('..');

patchAll({ childProcessSync: true });

let ticks = 0;
const ticker = spawn(() => {
  for (;;) {
    sleep(10);
    ticks++;
  }
});
const sorted = spawn(() => cp.spawn('sort').communicate('pear\napple\nfig\n', { encoding: 'utf8' }).stdout);
const exitCode = spawn(() => cp.spawn('sh', ['-c', 'exit 3']).wait());
const slow = spawn(() => {
  const before = ticks;
  const out = cp.execSync('sleep 0.2; echo slow command done', { encoding: 'utf8' }).trim();
  return `${out} (the ticker ticked ${ticks - before > 0 ? 'meanwhile' : 'not at all'})`;
});
joinAll([sorted, exitCode, slow]);
ticker.kill();
console.log(`sorted: ${JSON.stringify(sorted.value)}`);
console.log(`exit code: ${exitCode.value}`);
console.log(slow.value);
