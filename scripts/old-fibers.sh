#!/usr/bin/env bash
# Usage: scripts/old-fibers.sh <file.js> [args...]
#
# Runs a JS file under Node 14 with the old `fibers@5.0.3` package (which ships a
# prebuilt binary for Node 14 on linux-x64) resolvable through NODE_PATH, so
# `require('fibers')` / `require('fibers/future')` work. Used by the benchmarks to
# compare fibernet with the original package.
#
# Both are installed on first use under $FIBERNET_NODE_CACHE (default <repo>/.cache):
# Node via scripts/node-version.sh, fibers into .cache/old-fibers.
# If either cannot be installed this exits 3 with a message on stderr (callers may then
# skip the comparison); otherwise it exits with the script's exit code.
set -euo pipefail

log() { echo "old-fibers.sh: $*" >&2; }
unavailable() { echo "old-fibers.sh: old fibers unavailable: $*" >&2; exit 3; }

[[ $# -ge 1 ]] || { echo "usage: $0 <file.js> [args...]" >&2; exit 2; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache_root=${FIBERNET_NODE_CACHE:-$repo/.cache}
[[ $cache_root == /* ]] || cache_root=$PWD/$cache_root
fibers_version=5.0.3
fdir=$cache_root/old-fibers
marker=$fdir/.installed-$fibers_version

nodedir=$("$repo/scripts/node-version.sh" 14 | tail -n 1) \
  || unavailable "could not install Node 14 (scripts/node-version.sh 14 failed)"
node14=$nodedir/bin/node

check() {
  [[ -f $marker ]] && NODE_PATH=$fdir/node_modules "$node14" -e '
    const Fiber = require("fibers");
    let x = 0;
    const f = Fiber(() => { x = Fiber.yield(1); });
    if (f.run() !== 1) process.exit(1);
    f.run(2);
    if (x !== 2) process.exit(1);' >/dev/null 2>&1
}

if ! check; then
  command -v npm >/dev/null || unavailable "npm not found on PATH"
  mkdir -p "$fdir"
  exec 9>"$fdir/.lock"
  flock 9 || unavailable "cannot lock $fdir/.lock"
  if ! check; then
    log "installing fibers@$fibers_version for Node $("$node14" -v) into $fdir ..."
    rm -f "$fdir"/.installed-*
    [[ -f $fdir/package.json ]] || echo '{"private":true}' >"$fdir/package.json"
    # npm itself needs this machine's Node (it no longer runs on 14), but the package's
    # install script (build.js) must run under Node 14 so it picks the prebuilt
    # linux-x64-83 binary instead of trying to compile: install without scripts, then
    # run build.js with Node 14 first on PATH.
    npm install --prefix "$fdir" --no-save --no-audit --no-fund --no-package-lock \
        --ignore-scripts --loglevel=error "fibers@$fibers_version" 1>&2 \
      || unavailable "npm install fibers@$fibers_version failed"
    (cd "$fdir/node_modules/fibers" && PATH="$nodedir/bin:$PATH" "$node14" build.js) 1>&2 \
      || unavailable "fibers@$fibers_version install script (build.js) failed under Node $("$node14" -v)"
    touch "$marker"
    check || { rm -f "$marker"; unavailable "fibers@$fibers_version installed but require('fibers') does not work under Node $("$node14" -v)"; }
    log "fibers@$fibers_version ready"
  fi
  exec 9>&-
fi

export NODE_PATH=$fdir/node_modules${NODE_PATH:+:$NODE_PATH}
exec "$node14" "$@"
