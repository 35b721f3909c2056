"""graphkit.extract.parse against es-module-lexer over a real npm corpus (one Node process for every file).

Compared per file as multisets of (kind, specifier or glob, line): static imports, re-exports, literal,
template-glob and computed dynamic imports. Known differences, asserted as exactly this set:

- A file that starts with a UTF-8 BOM (three's ``src/renderers/webgl/WebGLBindingStates.js``): read as
  ``utf8`` the text starts with U+FEFF and es-module-lexer does not see the ``import`` glued to it, so it
  misses that first import. Node strips the BOM before parsing and loads that import; so do we.
- ``import.meta`` is an import record for es-module-lexer (type ``import-meta``) and not an import for us.

Not differences, but worth knowing: es-module-lexer types ``export { a } from 'x'`` as ``static`` and only
``export * from`` as ``reexport-star``; ``tests/oracle/lex.mjs`` classifies both as re-exports by the
statement's first keyword, as graphkit does. Both report ``import(`./p/${x}.js`)`` as the glob ``./p/*.js``
and a computed ``import(x)`` with no specifier.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from graphkit.extract.parse import extract
from tests.conftest import CORPUS, REPO, system_node

PACKAGES = ("lodash-es", "date-fns", "rxjs/dist/esm", "three/src", "three/examples/jsm")
BOM_FILE = "three/src/renderers/webgl/WebGLBindingStates.js"

Key = tuple[str, str | None, int]


def corpus_files() -> list[Path]:
    files = sorted(
        path
        for package in PACKAGES
        for path in (CORPUS / package).rglob("*")
        if path.suffix in (".js", ".mjs") and path.is_file()
    )
    if len(files) < 3000:
        pytest.fail(f"{CORPUS} holds {len(files)} files: run scripts/install-corpus.sh (make test does)")
    return files


@pytest.fixture(scope="module")
def differences() -> tuple[int, dict[str, tuple[Counter[Key], Counter[Key]]]]:
    """Compared record count, and per file (relative path) what only the lexer / only we found."""
    files = corpus_files()
    run = subprocess.run(
        [str(system_node()), str(REPO / "tests" / "oracle" / "lex.mjs")],
        input=json.dumps([str(path) for path in files]),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    lexed = json.loads(run.stdout)
    compared = 0
    found: dict[str, tuple[Counter[Key], Counter[Key]]] = {}
    for path in files:
        theirs_raw = lexed[str(path)]
        assert isinstance(theirs_raw, list), f"es-module-lexer failed on {path}: {theirs_raw}"
        theirs = Counter((kind, specifier, line) for kind, specifier, line, _glob in theirs_raw)
        ours = Counter(
            (record.kind.value, record.specifier if record.glob is None else record.glob, record.line)
            for record in extract(path.read_bytes(), commonjs=False).imports
        )
        compared += sum(ours.values())
        if theirs != ours:
            found[str(path.relative_to(CORPUS))] = (theirs - ours, ours - theirs)
    return compared, found


def test_the_corpus_is_compared_import_by_import(
    differences: tuple[int, dict[str, tuple[Counter[Key], Counter[Key]]]],
) -> None:
    compared, _ = differences
    assert compared > 10_000


def test_only_the_documented_differences_remain(
    differences: tuple[int, dict[str, tuple[Counter[Key], Counter[Key]]]],
) -> None:
    _, found = differences
    unexplained = {
        path: (Counter({k: n for k, n in lexer_only.items() if k[0] != "import-meta"}), ours_only)
        for path, (lexer_only, ours_only) in found.items()
    }
    unexplained = {path: pair for path, pair in unexplained.items() if pair[0] or pair[1]}
    assert unexplained == {BOM_FILE: (Counter(), Counter({("static", "../../constants.js", 1): 1}))}


def test_lexer_only_import_meta_is_on_lines_that_say_import_meta(
    differences: tuple[int, dict[str, tuple[Counter[Key], Counter[Key]]]],
) -> None:
    _, found = differences
    metas = [
        (path, line)
        for path, (lexer_only, _) in found.items()
        for kind, _, line in lexer_only
        if kind == "import-meta"
    ]
    assert metas, "the corpus uses import.meta (three's loaders): the lexer must report it"
    for path, line in metas:
        text = (CORPUS / path).read_text(encoding="utf-8").split("\n")[line - 1]
        assert "import.meta" in text, f"{path}:{line}"
