// An ES module entry point with top-level await: refused with a clear error.
await new Promise((resolve) => setTimeout(resolve, 1));
console.log('never printed under the runner');
