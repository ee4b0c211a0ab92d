// A fibers/future script: Future.wrap(fs.readFile), Future.wait and
// future.wait(), at the top level (which the runner runs inside a fiber).
'use strict';
const Future = require('fibers/future');
const fs = require('fs');
const path = require('path');

const readFile = Future.wrap(fs.readFile);
const self = readFile(__filename, 'utf8');
const missing = readFile(path.join(__dirname, 'no-such-file.txt'), 'utf8');
Future.wait(self, missing);
console.log('first line:', self.get().split('\n')[0]);
try {
  missing.wait();
} catch (err) {
  console.log('missing file:', err.code);
}

const double = function (x) {
  return x * 2;
}.future();
console.log('task:', double(21).wait());
