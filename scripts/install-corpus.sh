#!/usr/bin/env bash
# Installs the pinned real-world ESM corpus (and es-module-lexer, the extraction peer) into .cache/corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
pins="lodash-es@4.18.1 date-fns@4.4.0 rxjs@7.8.2 three@0.187.0 es-module-lexer@3.0.5"
dest=.cache/corpus
if [ "$(cat "$dest/PINS" 2>/dev/null)" = "$pins" ]; then exit 0; fi
rm -rf "$dest" && mkdir -p "$dest"
echo '{"name":"graphkit-corpus","private":true}' > "$dest/package.json"
# shellcheck disable=SC2086
npm install --silent --no-audit --no-fund --ignore-scripts --prefix "$dest" $pins
echo "$pins" > "$dest/PINS"
echo "installed corpus in $dest"
