// Runs the same under `node` (the root blocks, the Hub turns the loop) and
// under the `fibernet` runner (the main fiber blocks).
'use strict';
const fibernet = require('fibernet');
fibernet.patchAll();
const order = [];
setTimeout(() => order.push('timer'), 1);
process.nextTick(() => order.push('tick'));
Promise.resolve().then(() => order.push('promise'));
fibernet.sleep(20);
const g = fibernet.spawn((x) => x * 2, 21);
console.log('greenlet says', g.get());
console.log('while blocked:', order.join(', '));
