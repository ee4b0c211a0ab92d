# Sourced by test-on-node.sh and build-on-node.sh: copy_sources REPO DEST copies the
# repo's sources (tracked files plus new files not yet added, but not ignored ones;
# files deleted in the work tree but still in the index are skipped) into DEST, which
# must exist. Outside a git checkout it copies everything but build products and caches.
copy_sources() {
  local repo=$1 dest=$2
  if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$repo" && git ls-files -z --cached --others --exclude-standard \
       | while IFS= read -r -d '' f; do [[ -e $f || -L $f ]] && printf '%s\0' "$f"; done \
       | xargs -0 -r cp -a --parents -t "$dest")
  else
    (cd "$repo" && tar --exclude=./node_modules --exclude=./build --exclude=./dist \
         --exclude=./prebuilds --exclude=./.cache --exclude=./.git -cf - .) \
      | tar -xf - -C "$dest"
  fi
}
