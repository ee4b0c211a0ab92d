'use strict';
// Paired scenarios: each spec/gevent/<name>.js has a twin <name>.py written for
// gevent, and <name>.expected holds what gevent printed for it
// (scripts/gevent-expected.sh records it). The JavaScript side must print
// the same lines, in the same order: wake-up orders included.
const fs = require('fs');
const path = require('path');
const { expect } = require('chai');
const { runNode } = require('../helpers');

const dir = __dirname;
const scenarios = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.js') && f !== path.basename(__filename))
  .map((f) => f.slice(0, -3))
  .sort();

describe('paired scenarios (output must match gevent 22.10)', function () {
  it('every scenario has its Python twin and gevent\'s recorded output', function () {
    for (const name of scenarios) {
      expect(fs.existsSync(path.join(dir, `${name}.py`)), `${name}.py`).to.equal(true);
      expect(fs.existsSync(path.join(dir, `${name}.expected`)), `${name}.expected`).to.equal(true);
    }
  });

  for (const name of scenarios) {
    it(name, function () {
      const expected = fs.readFileSync(path.join(dir, `${name}.expected`), 'utf8').split('\n');
      const res = runNode(path.join(dir, `${name}.js`));
      expect(res.stderr, `${name}.js stderr`).to.equal('');
      expect(res.status, `${name}.js exit status`).to.equal(0);
      expect(res.stdout.split('\n')).to.deep.equal(expected);
    });
  }
});
