#!/usr/bin/env bash
# Records what gevent prints for each paired scenario (spec/gevent/<name>.py)
# into <name>.expected, the output its JavaScript twin must match.
# Needs Debian's python3-gevent (apt-get install python3-gevent).
# Usage: scripts/gevent-expected.sh [name...]   (default: every scenario)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../spec/gevent"
py=/usr/bin/python3
"$py" -c 'import gevent' || { echo "python3-gevent is not installed" >&2; exit 1; }
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in *.py; do names+=("${f%.py}"); done
fi
for name in "${names[@]}"; do
  "$py" "$name.py" > "$name.expected"
  echo "$name: $(wc -l < "$name.expected") lines"
done
