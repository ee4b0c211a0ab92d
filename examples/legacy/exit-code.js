// Sets process.exitCode and lets a spawned greenlet finish before exiting.
'use strict';
const { spawn, sleep } = require('fibernet');
spawn(() => {
  sleep(20);
  console.log('greenlet done');
});
process.exitCode = 3;
console.log('main done');
