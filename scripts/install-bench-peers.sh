#!/usr/bin/env bash
# Installs the peers the benchmarks compare against into .cache/bench-peers (pinned; fetched once).
set -euo pipefail
cd "$(dirname "$0")/.."
pins="dependency-cruiser@17.4.3 madge@8.0.0 es-module-lexer@3.0.5"
dest=.cache/bench-peers
if [ "$(cat "$dest/PINS" 2>/dev/null)" = "$pins" ]; then exit 0; fi
rm -rf "$dest" && mkdir -p "$dest"
echo '{"name":"graphkit-bench-peers","private":true}' > "$dest/package.json"
# shellcheck disable=SC2086
npm install --silent --no-audit --no-fund --ignore-scripts --prefix "$dest" $pins
echo "$pins" > "$dest/PINS"
echo "installed benchmark peers in $dest"
