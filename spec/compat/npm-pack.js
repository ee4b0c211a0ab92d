'use strict';
// Fetches a published package's tarball with `npm pack` and unpacks it under the
// repo's .cache (gitignored), so third-party test suites run here without being
// committed. Unpacking goes to a private temp dir that is renamed into place, so
// an interrupted or concurrent run never leaves a half-extracted copy behind.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const repo = path.resolve(__dirname, '..', '..');
const cacheRoot = path.resolve(repo, process.env.FIBERNET_NODE_CACHE || '.cache');

/** Returns the directory holding `name@version`'s unpacked files (its tarball's `package/`). */
function unpacked(name, version) {
  const finalDir = path.join(cacheRoot, 'npm-pack', `${name}-${version}`);
  const pkgDir = path.join(finalDir, 'package');
  if (fs.existsSync(path.join(finalDir, '.complete'))) return pkgDir;

  const tmp = `${finalDir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    let out;
    try {
      out = execFileSync('npm', ['pack', `${name}@${version}`, '--pack-destination', tmp, '--silent'], {
        cwd: tmp,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      throw new Error(`npm pack ${name}@${version} failed (network?): ${String(err.stderr || err.message).trim()}`);
    }
    const tarball = out.trim().split('\n').pop();
    execFileSync('tar', ['-xzf', path.join(tmp, tarball), '-C', tmp]);
    fs.writeFileSync(path.join(tmp, '.complete'), `${name}@${version}\n`);
    fs.rmSync(finalDir, { recursive: true, force: true });
    fs.renameSync(tmp, finalDir);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return pkgDir;
}

module.exports = { unpacked, repo };
