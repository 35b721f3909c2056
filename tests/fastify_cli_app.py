"""The app `fastify-cli generate APP --esm` writes, copied for a test or a benchmark to run and edit.

`scripts/install-fastify-cli-app.sh` generates it into `.cache/fastify-cli-app/esm` with the pinned packages.
A copy holds the generated files, `node_modules` linked to the installed one, and the two entries of
`fixtures/fastify-cli` users start such an app with: `server.js` (`register` and `listen` with a callback,
no top-level `await`) and `server-await.js` (both awaited). Both listen on `PORT` (3000 unless set; a test
sets `PORT=0`, e.g. with `monkeypatch.setenv`) and print `listening on PORT`, as `tests.test_watch.Watching`
expects: `Watching(node, fastify_cli_app(tmp_path), entry="server.js")`.

The TypeScript twin (`TS`) is built as its package.json does: `tsc` (`tsc_watch` runs `tsc -w`) writes
CommonJS into `dist/`, which `fastify start dist/app.js` runs.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO
from tests.test_watch import WAIT, line_queues

GENERATED = REPO / ".cache" / "fastify-cli-app" / "esm"
ENTRIES = ("server.js", "server-await.js")
INSTALL = "scripts/install-fastify-cli-app.sh"
# The CommonJS twin (`fastify-cli generate APP`): @fastify/autoload require()s its files; one entry,
# `fixtures/fastify-cli/cjs/server.js`, with a callback listen.
CJS = GENERATED.parent / "cjs"
# The TypeScript twin (`fastify-cli generate APP --lang=ts`), with the pinned tsc beside its packages.
TS = GENERATED.parent / "ts"
TSC = "node_modules/typescript/bin/tsc"
# TypeScript 6 refuses the generated tsconfig.json (TS5011: "The 'rootDir' setting must be explicitly set")
# and emits into dist/src/, where `fastify start dist/app.js` finds nothing; the copy sets rootDir as the
# error asks.
OUT_DIR = '"outDir": "dist",\n'
ROOT_DIR = '    "rootDir": "src",\n'


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
    entries = {GENERATED: FIXTURES / "fastify-cli", CJS: FIXTURES / "fastify-cli" / "cjs"}.get(generated)
    for entry in entries.glob("*.js") if entries else ():
        shutil.copyfile(entry, dest / entry.name)
    if generated == TS:
        tsconfig = (dest / "tsconfig.json").read_text()
        assert OUT_DIR in tsconfig, f"{generated / 'tsconfig.json'} has no {OUT_DIR!r}"
        (dest / "tsconfig.json").write_text(tsconfig.replace(OUT_DIR, OUT_DIR + ROOT_DIR))
    return dest


def fastify_cli_app(tmp_path: Path, generated: Path = GENERATED) -> Path:
    """A copy of the generated app under ``tmp_path`` that the test may edit; a missing install fails the
    test, never skips it."""
    if why := missing(generated):
        pytest.fail(why)
    return copy_fastify_cli_app(tmp_path / "fastify-cli-app", generated)


WATCHING = re.compile(r"Found \d+ errors?\. Watching for file changes\.")


def compiled(lines: queue.Queue[str]) -> list[str]:
    """What tsc -w printed of its next build, read from its ``lines`` up to its ``Found N errors`` line
    (``WAIT`` seconds at most)."""
    build = [lines.get(timeout=WAIT)]
    while not WATCHING.search(build[-1]):
        build.append(lines.get(timeout=WAIT))
    return build


def clean(build: list[str]) -> bool:
    """Whether the ``build`` tsc -w printed (``compiled``) had no errors."""
    return "Found 0 errors." in build[-1]


@contextmanager
def tsc_watch(node: Path, root: Path) -> Iterator[queue.Queue[str]]:
    """`tsc -w -p tsconfig.json` in the TypeScript app ``root``, as its `watch:ts` script runs it, once its
    first build is in dist/ without errors: its stdout lines. Its process group is ended on the way out."""
    process = subprocess.Popen(
        [node, TSC, "-w", "-p", "tsconfig.json"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = line_queues(process)
        build = compiled(out)
        assert clean(build), build
        yield out
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
