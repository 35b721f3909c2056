#!/usr/bin/env bash
# The real web frameworks the in-place re-run tests and the re-run benchmark serve with.
exec "$(dirname "$0")/install-npm-pins.sh" .cache/apps-frameworks \
  express@5.3.0 koa@3.2.1 hono@4.13.19 @hono/node-server@2.1.8 fastify@5.12.8
