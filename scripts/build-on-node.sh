#!/usr/bin/env bash
# Usage: scripts/build-on-node.sh <major>
#
# Prints (as the last line on stdout) the directory of a copy of this work tree whose
# addon is built for Node <major> and whose TypeScript is compiled, so benchmarks can
# run fibernet under that Node (bench/scale.ts runs bench/scale-workload.js from it).
# The Node itself is scripts/node-version.sh <major> (headers included).
#
#   1. copies the repo's sources (tracked + untracked-but-not-ignored files) into
#      .cache/bench-<major>, with node_modules symlinked to the repo's own;
#   2. rebuilds the addon there (node-gyp rebuild --nodedir=<that Node>, under nice)
#      only when binding.gyp, native/ or the Node version changed since the last build;
#   3. runs tsc there only when lib/, patches/, bench/ or tsconfig.json changed;
#   4. checks that the built tree loads under that Node.
# The repo's own build/ and dist/ are never touched, and neither is test-on-node.sh's
# .cache/work-<major>. Progress goes to stderr; any failure exits non-zero with a
# message on stderr. FIBERNET_BUILD_JOBS sets node-gyp's --jobs (default: nproc).
set -euo pipefail

die() { echo "build-on-node.sh: error: $*" >&2; exit 1; }
log() { echo "build-on-node.sh: $*" >&2; }

[[ $# -eq 1 ]] || die "usage: $0 <major>   (e.g. $0 22)"
major=$1
[[ $major =~ ^[0-9]+$ ]] || die "bad major '$major' (want e.g. 22)"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=copy-sources.sh
. "$repo/scripts/copy-sources.sh"
[[ -d $repo/node_modules/node-gyp && -d $repo/node_modules/typescript && -d $repo/node_modules/node-gyp-build ]] \
  || die "$repo/node_modules lacks node-gyp, typescript or node-gyp-build: run 'npm ci' (or 'npm install') first"

nodedir=$("$repo/scripts/node-version.sh" "$major" | tail -n 1) || die "scripts/node-version.sh $major failed"
node=$nodedir/bin/node
[[ -x $node ]] || die "node-version.sh gave no usable Node for '$major'"
node_version=$("$node" -p 'process.version + " abi " + process.versions.modules') || die "$node does not run"

work=$repo/.cache/bench-$major
mkdir -p "$repo/.cache" "$work"
exec 9>"$work.lock"
flock 9 || die "cannot lock $work.lock"

# --- 1. the sources --------------------------------------------------------------------
# Clear everything but the build products (rebuilt below only when stale).
find "$work" -mindepth 1 -maxdepth 1 ! -name build ! -name dist ! -name '.stamp-*' -exec rm -rf {} +
copy_sources "$repo" "$work"
[[ -f $work/package.json ]] || die "copy into $work failed (no package.json)"
rm -rf "$work/node_modules" "$work/prebuilds"
ln -s "$repo/node_modules" "$work/node_modules"

# A stamp over some files of the copy (contents and names), plus extra text.
stamp_of() {
  local extra=$1; shift
  {
    echo "$extra"
    (cd "$work" && find "$@" -type f 2>/dev/null | LC_ALL=C sort | xargs -r sha256sum)
  } | sha256sum | cut -d' ' -f1
}

export PATH="$nodedir/bin:$PATH"
hash -r
# `npm run` exports npm's config as npm_config_*; a nodedir there (say, the system's
# headers) would win over the --nodedir passed below, and build for the wrong Node.
unset npm_config_nodedir

# --- 2. the addon ----------------------------------------------------------------------
addon_stamp=$(stamp_of "$node_version" binding.gyp native)
if [[ ! -f $work/build/Release/fibernet.node || "$(cat "$work/.stamp-addon" 2>/dev/null)" != "$addon_stamp" ]]; then
  log "building the addon for Node $node_version in $work (node-gyp rebuild --nodedir=$nodedir)"
  rm -f "$work/.stamp-addon"
  (cd "$work" && nice -n 10 "$node" "$work/node_modules/node-gyp/bin/node-gyp.js" rebuild --nodedir="$nodedir" \
      --jobs="${FIBERNET_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}") >&2 \
    || die "node-gyp rebuild against Node $node_version failed"
  [[ -f $work/build/Release/fibernet.node ]] || die "build/Release/fibernet.node not produced"
  echo "$addon_stamp" >"$work/.stamp-addon"
else
  log "addon for Node $node_version is up to date in $work"
fi

# --- 3. TypeScript ---------------------------------------------------------------------
ts_stamp=$(stamp_of "$node_version" tsconfig.json lib patches bench)
if [[ ! -f $work/dist/lib/index.js || "$(cat "$work/.stamp-ts" 2>/dev/null)" != "$ts_stamp" ]]; then
  log "tsc -p tsconfig.json in $work"
  rm -rf "$work/dist" "$work/.stamp-ts"
  (cd "$work" && "$node" "$work/node_modules/typescript/bin/tsc" -p tsconfig.json) >&2 || die "tsc failed in $work"
  echo "$ts_stamp" >"$work/.stamp-ts"
fi

# --- 4. it loads -----------------------------------------------------------------------
(cd "$work" && "$node" -e 'require("./dist/lib/index.js").fiberStats()') >&2 \
  || die "the tree built in $work does not load under Node $node_version"

echo "$work"
