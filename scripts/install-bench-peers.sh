#!/usr/bin/env bash
# The tools the benchmarks compare against.
exec "$(dirname "$0")/install-npm-pins.sh" .cache/bench-peers \
  dependency-cruiser@17.4.3 madge@8.0.0 es-module-lexer@3.0.5 dynohot@1.2.1 hot-hook@1.0.0
