#!/usr/bin/env bash
# The pinned real-world ESM corpus the tests compare with Node, and es-module-lexer, the extraction peer.
exec "$(dirname "$0")/install-npm-pins.sh" .cache/corpus \
  lodash-es@4.18.1 date-fns@4.4.0 rxjs@7.8.2 three@0.187.0 es-module-lexer@3.0.5
