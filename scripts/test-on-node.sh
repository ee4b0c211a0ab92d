#!/usr/bin/env bash
# Usage: scripts/test-on-node.sh <major> [extra mocha args...]
#
# Runs the test suite on another Node version (e.g. 22 or 24) without touching the
# Node 20 build that `npm test` uses:
#   1. gets that Node (headers included) via scripts/node-version.sh;
#   2. copies the repo's sources (tracked + untracked-but-not-ignored files) into a
#      scratch tree .cache/work-<major>, with node_modules symlinked to the repo's own
#      (so run `npm ci` / `npm install` in the repo first);
#   3. rebuilds the addon there with node-gyp --nodedir=<that Node>;
#   4. runs tsc, then mocha, with that Node first on PATH (child processes that use
#      process.execPath or plain `node` get the same Node).
# Exit code: mocha's (or non-zero with a message if a step before it fails).
set -euo pipefail

die() { echo "test-on-node.sh: error: $*" >&2; exit 1; }
log() { echo "test-on-node.sh: $*" >&2; }

[[ $# -ge 1 ]] || die "usage: $0 <major> [mocha args...]"
major=$1; shift

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=copy-sources.sh
. "$repo/scripts/copy-sources.sh"
[[ -d $repo/node_modules ]] || die "$repo/node_modules is missing: run 'npm ci' (or 'npm install') first"
for m in node-gyp typescript mocha; do
  [[ -d $repo/node_modules/$m ]] || die "$repo/node_modules/$m is missing: run 'npm ci' first"
done

nodedir=$("$repo/scripts/node-version.sh" "$major" | tail -n 1)
[[ -x $nodedir/bin/node ]] || die "node-version.sh gave no usable Node for '$major'"
node=$nodedir/bin/node

work=$repo/.cache/work-$major
mkdir -p "$repo/.cache"
exec 9>"$work.lock"
flock 9 || die "cannot lock $work.lock"

# --- 1. fresh copy of the sources ----------------------------------------------------
log "copying sources into $work"
rm -rf "$work"
mkdir -p "$work"
copy_sources "$repo" "$work"
[[ -f $work/package.json ]] || die "copy into $work failed (no package.json)"
rm -rf "$work/node_modules" "$work/build" "$work/dist" "$work/prebuilds"
ln -s "$repo/node_modules" "$work/node_modules"

export PATH="$nodedir/bin:$work/node_modules/.bin:$PATH"
hash -r
cd "$work"
log "using $(command -v node) $(node -v) (v8 $(node -p process.versions.v8), ABI $(node -p process.versions.modules))"

# --- 2. the addon --------------------------------------------------------------------
log "building the addon: node-gyp rebuild --nodedir=$nodedir"
"$node" "$work/node_modules/node-gyp/bin/node-gyp.js" rebuild --nodedir="$nodedir" \
    --jobs="$(nproc 2>/dev/null || echo 2)" >&2 \
  || die "node-gyp rebuild against Node $("$node" -v) failed"
[[ -f $work/build/Release/fibernet.node ]] || die "build/Release/fibernet.node not produced"

# --- 3. TypeScript -------------------------------------------------------------------
log "tsc -p tsconfig.json"
"$node" "$work/node_modules/typescript/bin/tsc" -p tsconfig.json || die "tsc failed"

# --- 4. mocha ------------------------------------------------------------------------
log "mocha on Node $("$node" -v)"
set +e
"$node" "$work/node_modules/mocha/bin/mocha.js" "$@"
rc=$?
set -e
log "mocha on Node $("$node" -v) exited with $rc"
exit "$rc"
