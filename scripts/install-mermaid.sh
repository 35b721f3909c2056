#!/usr/bin/env bash
# Mermaid's own renderer, which tests/test_mermaid.py runs in Debian's chromium on graphkit's Mermaid text.
exec "$(dirname "$0")/install-npm-pins.sh" .cache/mermaid mermaid@11.12.2
