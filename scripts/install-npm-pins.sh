#!/usr/bin/env bash
# Installs pinned npm packages into DEST (fetched once: a second run with the same pins does nothing).
#   scripts/install-npm-pins.sh DEST NAME@VERSION...
set -euo pipefail
cd "$(dirname "$0")/.."
dest=$1
shift
pins="$*"
if [ "$(cat "$dest/PINS" 2>/dev/null)" = "$pins" ]; then exit 0; fi
rm -rf "$dest" && mkdir -p "$dest"
echo '{"private":true}' > "$dest/package.json"
npm install --silent --no-audit --no-fund --ignore-scripts --prefix "$dest" "$@"
echo "$pins" > "$dest/PINS"
echo "installed $pins in $dest"
