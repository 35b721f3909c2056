"""Selections of a graph: what --focus, --exclude, --reaches and --runtime-only keep, and in which order."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphkit.errors import UsageError
from graphkit.model import Edge, ImportKind, Module, ModuleGraph, ModuleKind
from graphkit.output.select import Selection, select, transitive_importers

ROOT = Path("/app")


def url(name: str) -> str:
    return f"file:///app/{name}.mjs"


def graph() -> ModuleGraph:
    """main -> a -> b -> c, main -> d, d -.type.-> c, and an unresolved import of d; x stands alone."""
    names = ("main", "a", "b", "c", "d", "x")
    edges = [
        Edge(url("main"), url("a"), ImportKind.STATIC, "./a.mjs", 1, 1),
        Edge(url("a"), url("b"), ImportKind.REEXPORT, "./b.mjs", 1, 1),
        Edge(url("b"), url("c"), ImportKind.DYNAMIC, "./c.mjs", 1, 1),
        Edge(url("main"), url("d"), ImportKind.STATIC, "./d.mjs", 2, 1),
        Edge(url("d"), url("c"), ImportKind.TYPE, "./c.mjs", 1, 1),
        Edge(url("d"), None, ImportKind.STATIC, "gone", 2, 1, "ERR_MODULE_NOT_FOUND"),
    ]
    return ModuleGraph(tuple(Module(url(n), ModuleKind.LOCAL, None) for n in names), tuple(edges))


def names(g: ModuleGraph) -> list[str]:
    return [m.url.rsplit("/", 1)[1][:-4] for m in g.modules]


@pytest.mark.parametrize(
    ("selection", "kept", "edges"),
    [
        (Selection(), ["main", "a", "b", "c", "d", "x"], 6),  # everything
        (Selection(runtime_only=True), ["main", "a", "b", "c", "d", "x"], 5),  # the type import goes
        (Selection(reaches=url("c")), ["main", "a", "b", "c", "d"], 6),  # c and all that import it
        (Selection(reaches=url("c"), runtime_only=True), ["main", "a", "b", "c"], 3),  # d only typed it
        (Selection(exclude=("^b",)), ["main", "a", "c", "d", "x"], 4),  # b and its two imports go
        (Selection(focus=url("a"), depth=1), ["main", "a", "b"], 2),  # both directions, one step
        (Selection(focus="d.mjs", depth=0), ["d"], 1),  # a path relative to the root; missing kept
        (Selection(keep=frozenset({url("a"), url("b")})), ["a", "b"], 1),
    ],
)
def test_a_selection_keeps_modules_and_the_imports_between_them(
    selection: Selection, kept: list[str], edges: int
) -> None:
    cut = select(graph(), selection, ROOT)
    assert (names(cut), len(cut.edges)) == (kept, edges)


def test_transitive_importers_follow_every_kind_of_import() -> None:
    assert transitive_importers(graph(), url("c")) == {url(n) for n in ("main", "a", "b", "d")}


def test_depth_needs_a_focus() -> None:
    with pytest.raises(UsageError, match="needs --focus"):
        select(graph(), Selection(depth=1), ROOT)
