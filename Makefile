# Every target installs what it needs and is idempotent: a second run does no network work.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROBE_LINT := .cache/probe-lint/node_modules/.bin

.PHONY: demo test lint lint-probe probe-lint setup nodes corpus apps fastify-cli-app ts-corpus peers graphviz chromium mermaid bench

demo: setup graphviz
	$(BIN)/graphkit scan fixtures/demo/main.mjs
	$(BIN)/graphkit plan fixtures/demo/routes/home.mjs
	$(BIN)/graphkit plan fixtures/demo/lib/format.mjs

test: setup graphviz chromium mermaid nodes corpus apps fastify-cli-app ts-corpus peers lint-probe
	$(BIN)/ruff check graphkit tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q -n auto

lint: setup lint-probe
	$(BIN)/ruff check graphkit tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# The Node probe: ESLint and TypeScript's checker over its JavaScript (JSDoc types), no warning allowed.
lint-probe: probe-lint
	$(PROBE_LINT)/eslint -c lint/probe/eslint.config.mjs --max-warnings 0 graphkit/live/node_probe
	$(PROBE_LINT)/tsc -p lint/probe/tsconfig.json

probe-lint:
	scripts/install-probe-lint.sh

setup: $(STAMP)

# An editable install by a path in a .pth file (compat), not setuptools' import hook: the hook's imports cost
# every graphkit command about 5 ms before it starts anything.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]' --config-settings editable_mode=compat
	touch $(STAMP)

graphviz:
	@command -v dot >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; }

# Debian's chromium, driven by Playwright's Python package to test the HTML page: no browser download.
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

mermaid:
	scripts/install-mermaid.sh

nodes:
	scripts/install-nodes.sh

corpus:
	scripts/install-corpus.sh

apps:
	scripts/install-apps.sh

fastify-cli-app:
	scripts/install-fastify-cli-app.sh

ts-corpus:
	scripts/install-ts-corpus.sh

peers:
	scripts/install-bench-peers.sh

bench: setup nodes corpus apps fastify-cli-app ts-corpus peers
	$(BIN)/python -m bench.scan
	$(BIN)/python -m bench.preview
	$(BIN)/python -m bench.ts_scan
	$(BIN)/python -m bench.hmr
	$(BIN)/python -m bench.memory
	$(BIN)/python -m bench.peers
	$(BIN)/python -m bench.rerun
	$(BIN)/python -m bench.fastify_cli
	$(BIN)/python -m bench.shutdown
	$(BIN)/python -m bench.diagrams
