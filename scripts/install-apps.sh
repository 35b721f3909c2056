#!/usr/bin/env bash
# The real web frameworks the in-place re-run tests and the re-run benchmark serve with, and the websocket
# library the upgraded-connection tests and the cluster benchmark speak through.
set -euo pipefail
pins="$(dirname "$0")/install-npm-pins.sh"
"$pins" .cache/apps-frameworks express@5.3.0 koa@3.2.1 hono@4.13.19 @hono/node-server@2.1.8 fastify@5.12.8
"$pins" .cache/apps-ws ws@8.18.3
