#!/usr/bin/env bash
# Pinned npm packages that ship their TypeScript sources (the TypeScript extraction corpus), the TypeScript
# compiler with Node's types (type-check the declaration of the hot handle) and tsx (runs TypeScript on Node 20).
exec "$(dirname "$0")/install-npm-pins.sh" .cache/ts-corpus \
  zod@4.6.7 effect@4.1.0 typescript@5.9.3 @types/node@24.19.4 tsx@4.23.15
