// A fibers-era script: require('fibers') with Fiber.yield() and timers.
// Run it with: fibernet examples/legacy/fiber-timers.js
'use strict';
const Fiber = require('fibers');

function sleep(ms) {
  const fiber = Fiber.current;
  setTimeout(() => fiber.run(), ms);
  Fiber.yield();
}

Fiber(() => {
  console.log('wait...', new Date(0).toISOString().slice(0, 4));
  sleep(30);
  console.log('ok... after 30 ms');
  sleep(10);
  console.log('back in the fiber');
}).run();
console.log('back in main');
