// Throws from the top level after blocking once: exit code 1, stack printed.
'use strict';
const { sleep } = require('fibernet');
console.log('about to fail');
sleep(5);
function failDeep() {
  throw new Error('legacy script failed');
}
failDeep();
