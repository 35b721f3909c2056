"""Static detection of self-accepting modules, with the real tree-sitter grammar."""

from __future__ import annotations

from pathlib import Path

import pytest

import graphkit.extract.parse
from graphkit.errors import InputError
from graphkit.extract.accepts import accepting_modules, source_accepts
from graphkit.extract.grammars import Grammar
from graphkit.graph.crawl import scan
from graphkit.model import Extraction, Format, Module, ModuleGraph, ModuleKind

HOT = "const hot = globalThis[Symbol.for('graphkit.hot')]?.(import.meta);\n"

SOURCES = {
    # The documented form: optional call of the registry, optional call of accept.
    "optional call": (HOT + "hot?.accept((next) => {});", True),
    # Plain calls on both sides.
    "plain call": (
        "const hot = globalThis[Symbol.for(\"graphkit.hot\")](import.meta);\nhot.accept(() => {});",
        True,
    ),
    # No variable: accept called on the lookup's result directly.
    "inline": ("globalThis[Symbol.for('graphkit.hot')]?.(import.meta)?.accept();", True),
    # The factory kept in one variable, the hot object in another.
    "through an alias": (
        "const make = globalThis[Symbol.for('graphkit.hot')];\nconst h = make?.(import.meta);\nh?.accept();",
        True,
    ),
    # Inside a function body or behind a condition still counts: the call is in the module.
    "nested": (HOT + "if (hot) { (function () { hot.accept(); })(); }", True),
    # Only dispose: the module does not take updates.
    "dispose only": (HOT + "hot?.dispose((data) => {});", False),
    # The call appears only in a comment.
    "in a comment": (HOT + "// hot?.accept(() => {});\n/* hot.accept() */", False),
    # The call appears only in strings.
    "in a string": (HOT + "const s = 'hot?.accept()'; const t = `hot.accept()`;", False),
    # `.accept` on something else: a socket, a different registry key.
    "unrelated accept": (
        HOT
        + "socket.accept();\n"
        + "const other = globalThis[Symbol.for('other.hot')]?.(import.meta);\nother.accept();",
        False,
    ),
    # Never mentions the API at all.
    "plain module": ("export const x = 1; server.accept();", False),
}


@pytest.mark.parametrize(("source", "expected"), SOURCES.values(), ids=SOURCES.keys())
def test_source_accepts(source: str, expected: bool) -> None:
    assert source_accepts(source.encode()) is expected


def test_accepting_modules_reads_local_files_only(tmp_path: Path) -> None:
    accepting = tmp_path / "widget.mjs"
    accepting.write_text(HOT + "hot?.accept(() => {});\n")
    plain = tmp_path / "plain.mjs"
    plain.write_text("export const x = 1;\n")
    # A package with the same code is not read: packages are never reloaded through accept.
    package = tmp_path / "node_modules" / "p" / "index.mjs"
    package.parent.mkdir(parents=True)
    package.write_text(HOT + "hot?.accept(() => {});\n")
    graph = ModuleGraph(
        modules=(
            Module(accepting.as_uri(), ModuleKind.LOCAL, Format.MODULE),
            Module(plain.as_uri(), ModuleKind.LOCAL, Format.MODULE),
            Module(package.as_uri(), ModuleKind.PACKAGE, Format.MODULE),
            Module("node:fs", ModuleKind.BUILTIN, Format.BUILTIN),
        ),
        edges=(),
    )
    assert accepting_modules(graph) == frozenset({accepting.as_uri()})


def test_deleted_module_does_not_accept(tmp_path: Path) -> None:
    # Deleted between the scan and the plan (an editor's unlink): nothing to read, nothing accepts.
    gone = tmp_path / "gone.mjs"
    graph = ModuleGraph(modules=(Module(gone.as_uri(), ModuleKind.LOCAL, Format.MODULE),), edges=())
    assert accepting_modules(graph) == frozenset()


def test_unreadable_local_module_is_an_input_error(tmp_path: Path) -> None:
    folder = tmp_path / "folder.mjs"
    folder.mkdir()
    graph = ModuleGraph(modules=(Module(folder.as_uri(), ModuleKind.LOCAL, Format.MODULE),), edges=())
    with pytest.raises(InputError, match=r"folder\.mjs: cannot read"):
        accepting_modules(graph)


def test_acceptance_comes_from_the_extraction_cache_until_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAPHKIT_CACHE_DIR", str(tmp_path / "cache"))
    widget = tmp_path / "app" / "widget.mjs"
    widget.parent.mkdir()
    widget.write_text(HOT + "hot?.accept(() => {});\n")
    main = widget.with_name("main.mjs")
    main.write_text("import './widget.mjs';\n")
    parsed: list[bytes] = []
    real = graphkit.extract.parse.extract

    def counting(source: bytes, *, commonjs: bool, grammar: Grammar = Grammar.JAVASCRIPT) -> Extraction:
        parsed.append(source)
        return real(source, commonjs=commonjs, grammar=grammar)

    monkeypatch.setattr(graphkit.extract.parse, "extract", counting)
    graph = scan([main])  # the scan caches both extractions, acceptance included
    assert len(parsed) == 2
    assert accepting_modules(graph) == frozenset({widget.as_uri()})
    assert len(parsed) == 2  # read from the cache, not parsed again
    widget.write_text(HOT + "hot?.dispose(() => {});\n")
    assert accepting_modules(graph) == frozenset()
    assert len(parsed) == 3  # the edited file, and only it
