#!/usr/bin/env bash
# The app `fastify-cli generate` writes, as fastify-cli users start from it: `generate esm --esm` into
# .cache/fastify-cli-app/esm (its files as generated, node_modules holding exactly the pinned packages), its
# CommonJS twin, `generate cjs`, into .cache/fastify-cli-app/cjs (node_modules linked to esm's), and the
# TypeScript twin, `generate ts --lang=ts`, into .cache/fastify-cli-app/ts (generated only: it is written
# for tsc). Fetched once: a second run with the same pins does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/fastify-cli-app
pins=(fastify-cli@8.0.2 fastify@5.12.8 fastify-plugin@6.0.1 @fastify/autoload@6.5.0 @fastify/sensible@6.0.6)
stamp="${pins[*]} (esm cjs ts)"
if [ "$(cat "$dest/PINS" 2>/dev/null)" = "$stamp" ]; then exit 0; fi
rm -rf "$dest" && mkdir -p "$dest"
packages=$(mktemp -d)
trap 'rm -rf "$packages"' EXIT
scripts/install-npm-pins.sh "$packages" "${pins[@]}"
cli=$packages/node_modules/fastify-cli/cli.js
# generate refuses a folder that exists; it runs `npm init -y` (no network) and prints its steps.
(cd "$dest" && node "$cli" generate esm --esm && node "$cli" generate cjs && node "$cli" generate ts --lang=ts) >/dev/null
mv "$packages/node_modules" "$dest/esm/node_modules"
ln -s ../esm/node_modules "$dest/cjs/node_modules"
echo "$stamp" > "$dest/PINS"
echo "generated the fastify-cli ${pins[0]#*@} apps in $dest (esm with ${pins[*]}, cjs, ts)"
