// An ES module entry point without top-level await, run in the main fiber.
import { sleep, getCurrent } from 'fibernet';
sleep(5);
console.log('esm slept in a fiber:', getCurrent() !== undefined);
