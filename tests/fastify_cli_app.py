"""The app `fastify-cli generate APP --esm` writes, copied for a test or a benchmark to run and edit.

`scripts/install-fastify-cli-app.sh` generates it into `.cache/fastify-cli-app/esm` with the pinned packages.
A copy holds the generated files, `node_modules` linked to the installed one, and the two entries of
`fixtures/fastify-cli` users start such an app with: `server.js` (`register` and `listen` with a callback,
no top-level `await`) and `server-await.js` (both awaited). Both listen on `PORT` (3000 unless set; a test
sets `PORT=0`, e.g. with `monkeypatch.setenv`) and print `listening on PORT`, as `tests.test_watch.Watching`
expects: `Watching(node, fastify_cli_app(tmp_path), entry="server.js")`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO

GENERATED = REPO / ".cache" / "fastify-cli-app" / "esm"
ENTRIES = ("server.js", "server-await.js")
INSTALL = "scripts/install-fastify-cli-app.sh"
# The CommonJS twin (`fastify-cli generate APP`): @fastify/autoload require()s its files; one entry,
# `fixtures/fastify-cli/cjs/server.js`, with a callback listen.
CJS = GENERATED.parent / "cjs"


def missing(generated: Path = GENERATED) -> str | None:
    """Why the generated app cannot be copied, naming the script that installs it; None when it can."""
    if (generated / "node_modules" / "fastify-cli").is_dir():
        return None
    return f"{generated} is missing: run {INSTALL} (make test and make bench do)"


def copy_fastify_cli_app(dest: Path, generated: Path = GENERATED) -> Path:
    """The generated app copied to ``dest`` (which must not exist) with its entries added; ``dest``."""
    if why := missing(generated):
        raise FileNotFoundError(why)
    shutil.copytree(generated, dest, ignore=shutil.ignore_patterns("node_modules"))
    (dest / "node_modules").symlink_to((generated / "node_modules").resolve())
    entries = FIXTURES / "fastify-cli" / ("cjs" if generated == CJS else "")
    for entry in entries.glob("*.js"):
        shutil.copyfile(entry, dest / entry.name)
    return dest


def fastify_cli_app(tmp_path: Path, generated: Path = GENERATED) -> Path:
    """A copy of the generated app under ``tmp_path`` that the test may edit; a missing install fails the
    test, never skips it."""
    if why := missing(generated):
        pytest.fail(why)
    return copy_fastify_cli_app(tmp_path / "fastify-cli-app", generated)
