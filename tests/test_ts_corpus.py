"""TypeScript extraction against Node 24 over real TypeScript sources (zod's and effect's ``src/``).

Node's own ``module.stripTypeScriptTypes`` output lexed by es-module-lexer (tests/oracle/strip_lex.mjs) is
the oracle: per file, the runtime imports (static, re-export, dynamic; compared as multisets of kind,
specifier or glob, line) must be ours, and a file Node refuses to strip must carry Node's error code and
message as our first issue. The one known difference, asserted exactly:

- A computed ``import()`` whose argument is on a later line than the keyword (effect's
  ``sql/MigratorFileSystem.ts``): es-module-lexer gives the line of ``import``, graphkit the line of the
  argument, as for JavaScript.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from graphkit.extract.grammars import grammar_for
from graphkit.extract.parse import extract
from graphkit.extract.typescript import UNSUPPORTED
from graphkit.model import ImportKind
from tests.conftest import REPO
from tests.test_typescript import Key, runtime_records, stripped

TS_CORPUS = REPO / ".cache" / "ts-corpus" / "node_modules"
SOURCES = ("zod/src", "effect/src")
COMPUTED_ON_A_LATER_LINE = "effect/src/sql/MigratorFileSystem.ts"


def corpus_files() -> list[Path]:
    files = sorted(
        path
        for folder in SOURCES
        for path in (TS_CORPUS / folder).rglob("*")
        if path.suffix in (".ts", ".mts", ".cts") and not path.name.endswith(".d.ts") and path.is_file()
    )
    if len(files) < 800:
        pytest.fail(
            f"{TS_CORPUS} holds {len(files)} files: run scripts/install-ts-corpus.sh (make test does)"
        )
    return files


Compared = tuple[Counter[ImportKind], dict[str, tuple[Counter[Key], Counter[Key]]], list[str]]


@pytest.fixture(scope="module")
def compared() -> Compared:
    """Our records by kind, per file what only Node / only we found, and files whose refusal differs."""
    files = corpus_files()
    node = stripped(files)
    kinds: Counter[ImportKind] = Counter()
    differences: dict[str, tuple[Counter[Key], Counter[Key]]] = {}
    refusals: list[str] = []
    for path in files:
        name = str(path.relative_to(TS_CORPUS))
        theirs = node[str(path)]
        extraction = extract(path.read_bytes(), commonjs=False, grammar=grammar_for(str(path)))
        issues = extraction.issues
        kinds.update(record.kind for record in extraction.imports)
        if isinstance(theirs, dict):
            if not issues or (issues[0].code, issues[0].message) != (theirs["error"], theirs["message"]):
                refusals.append(name)
            continue
        if issues:
            refusals.append(name)
        ours = runtime_records(extraction.imports)
        lexed = Counter((kind, specifier, line) for kind, specifier, line in theirs)
        if lexed != ours:
            differences[name] = (lexed - ours, ours - lexed)
    return kinds, differences, refusals


def test_the_corpus_is_compared_import_by_import_and_has_type_only_imports(compared: Compared) -> None:
    kinds, _, _ = compared
    assert kinds[ImportKind.STATIC] + kinds[ImportKind.REEXPORT] > 5000
    assert kinds[ImportKind.TYPE] > 1000


def test_runtime_imports_equal_what_node_strips_to_but_the_documented_difference(compared: Compared) -> None:
    _, differences, _ = compared
    assert differences == {
        COMPUTED_ON_A_LATER_LINE: (Counter({("dynamic", None, 60): 1}), Counter({("dynamic", None, 63): 1}))
    }


def test_every_file_node_refuses_is_refused_with_its_error_and_no_other(compared: Compared) -> None:
    _, _, refusals = compared
    assert refusals == []
    # zod's v3 uses enums and value namespaces, which strip-only mode refuses.
    assert next(iter(stripped([TS_CORPUS / "zod/src/v3/types.ts"]).values()))["error"] == UNSUPPORTED
