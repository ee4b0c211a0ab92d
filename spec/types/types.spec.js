'use strict';
// The published types: a TypeScript user's file (spec/types/fixture/usage.ts)
// must compile under --strict with node10, node16 and nodenext resolution,
// importing 'fibernet', 'fibernet/fibers' and 'fibernet/future' as an
// installed package, with no casts.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { expect } = require('chai');
const { isSocketError, spawn, patchAll, connect } = require('../..');

const root = path.join(__dirname, '..', '..');
const fixture = path.join(__dirname, 'fixture');
const tsc = require.resolve('typescript/bin/tsc');

describe('TypeScript types', function () {
  this.timeout(120000);
  let dir;
  before(() => {
    // An "installed" copy: node_modules/fibernet is the package root.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fibernet-types-'));
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(root, path.join(dir, 'node_modules', 'fibernet'), 'dir');
    fs.symlinkSync(path.join(root, 'node_modules', '@types'), path.join(dir, 'node_modules', '@types'), 'dir');
    for (const f of fs.readdirSync(fixture)) fs.copyFileSync(path.join(fixture, f), path.join(dir, f));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const resolution of ['node10', 'node16', 'nodenext']) {
    it(`a user's file compiles with --strict under moduleResolution ${resolution}`, () => {
      const res = spawnSync(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], { cwd: dir, encoding: 'utf8' });
      expect(res.stdout + res.stderr).to.equal('');
      expect(res.status).to.equal(0);
    });
  }

  it('and the check can fail: a wrong use is reported', () => {
    fs.writeFileSync(path.join(dir, 'wrong.ts'), "import { joinAll } from 'fibernet';\nconst n: number = joinAll([]);\n");
    const res = spawnSync(process.execPath, [tsc, '--strict', '--noEmit', '--types', 'node', 'wrong.ts'], { cwd: dir, encoding: 'utf8' });
    expect(res.status).to.not.equal(0);
    expect(res.stdout).to.contain('wrong.ts(2,7): error TS2322');
  });
});

describe('isSocketError()', () => {
  before(() => patchAll());
  it('tells socket errors by code, and narrows to one code when asked', async () => {
    const net = require('net');
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const g = spawn(() => {
      const sock = connect(server.address().port, '127.0.0.1');
      sock.close();
      try {
        sock.recv();
      } catch (err) {
        return err;
      }
      return null;
    });
    const err = await new Promise((resolve) => g.link(() => resolve(g.value)));
    server.close();
    expect(isSocketError(err)).to.equal(true);
    expect(isSocketError(err, 'EBADF')).to.equal(true);
    expect(isSocketError(err, 'ECONNRESET')).to.equal(false);
    expect(isSocketError(new Error('plain'))).to.equal(false);
    expect(isSocketError(Object.assign(new Error('odd'), { code: 'ERR_SOMETHING' }))).to.equal(false);
    expect(isSocketError({ code: 'EBADF' }), 'not an Error').to.equal(false);
    expect(isSocketError(undefined)).to.equal(false);
  });
});
