#!/usr/bin/env bash
# The app `fastify-cli generate` writes, as fastify-cli users start from it: `generate esm --esm` into
# .cache/fastify-cli-app/esm (its files as generated, node_modules holding exactly the pinned packages), its
# CommonJS twin, `generate cjs`, into .cache/fastify-cli-app/cjs (node_modules linked to esm's), and the
# TypeScript twin, `generate ts --lang=ts`, into .cache/fastify-cli-app/ts with the pinned build packages its
# package.json asks for (tsc, the tsconfig it extends, Node's types) and links to esm's runtime packages, so
# tsc, fastify-cli and the app's dist/ all see one copy of each. Its test runner packages (c8, ts-node,
# concurrently) are left out. Fetched once: a second run with the same pins does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/fastify-cli-app
pins=(fastify-cli@8.0.2 fastify@5.12.8 fastify-plugin@6.0.1 @fastify/autoload@6.5.0 @fastify/sensible@6.0.6)
ts_pins=(typescript@6.0.3 fastify-tsconfig@3.0.0 @types/node@26.6.11)
stamp="${pins[*]} (esm cjs) ${ts_pins[*]} (ts)"
if [ "$(cat "$dest/PINS" 2>/dev/null)" = "$stamp" ]; then exit 0; fi
rm -rf "$dest" && mkdir -p "$dest"
packages=$(mktemp -d)
ts_packages=$(mktemp -d)
trap 'rm -rf "$packages" "$ts_packages"' EXIT
scripts/install-npm-pins.sh "$packages" "${pins[@]}"
scripts/install-npm-pins.sh "$ts_packages" "${ts_pins[@]}"
cli=$packages/node_modules/fastify-cli/cli.js
# generate refuses a folder that exists; it runs `npm init -y` (no network) and prints its steps.
(cd "$dest" && node "$cli" generate esm --esm && node "$cli" generate cjs && node "$cli" generate ts --lang=ts) >/dev/null
mv "$packages/node_modules" "$dest/esm/node_modules"
ln -s ../esm/node_modules "$dest/cjs/node_modules"
mv "$ts_packages/node_modules" "$dest/ts/node_modules"
for pin in "${pins[@]}"; do
  name=${pin%@*}
  mkdir -p "$(dirname "$dest/ts/node_modules/$name")"
  ln -s "$(realpath --relative-to="$(dirname "$dest/ts/node_modules/$name")" "$dest/esm/node_modules/$name")" \
    "$dest/ts/node_modules/$name"
done
echo "$stamp" > "$dest/PINS"
echo "generated the fastify-cli ${pins[0]#*@} apps in $dest (esm with ${pins[*]}, cjs, ts with ${ts_pins[*]})"
