#!/usr/bin/env bash
# The linter and type-checker of the Node probe (lint/probe/).
exec "$(dirname "$0")/install-npm-pins.sh" .cache/probe-lint \
  eslint@10.16.0 @eslint/js@10.0.1 globals@17.15.0 typescript@5.9.3 @types/node@24.19.4
