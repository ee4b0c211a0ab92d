'use strict';
// Helpers the sync-object specs share.
const { expect } = require('chai');
const { root, runNode } = require('../helpers');
const { expectCode } = require('../net/helpers');

/** Runs `code` as a plain node script's top level (the root) and returns its stdout lines. */
function runAtRoot(code) {
  const res = runNode('-e', [`const fibernet = require(${JSON.stringify(root)});\n${code}`]);
  expect(res.stderr).to.equal('');
  expect(res.status).to.equal(0);
  return res.stdout.trim().split('\n');
}

module.exports = { runAtRoot, expectCode };
