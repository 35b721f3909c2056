"""Collapsing packages and folders, focus and depth, and finding modules by path as Node spells their URLs."""

from __future__ import annotations

import itertools
import json
import subprocess
from pathlib import Path

import pytest

from graphkit.errors import InputError, UsageError
from graphkit.graph.lookup import find_module
from graphkit.model import Edge, ImportKind, Module, ModuleGraph, ModuleKind
from graphkit.model.urls import package_name
from graphkit.output.collapse import LIMIT, collapse
from tests.conftest import system_node


def local(path: str) -> Module:
    return Module(f"file:///app/{path}", ModuleKind.LOCAL, None)


def package(path: str) -> Module:
    return Module(f"file:///app/node_modules/{path}", ModuleKind.PACKAGE, None)


def static(source: Module, target: Module) -> Edge:
    return Edge(source.url, target.url, ImportKind.STATIC, "x", 1, 1)


def chain(length: int) -> ModuleGraph:
    """m0 -> m1 -> ... each in its own folder: f0/m0.mjs, f1/m1.mjs, ..."""
    modules = [local(f"f{i}/m{i}.mjs") for i in range(length)]
    edges = [static(a, b) for a, b in itertools.pairwise(modules)]
    return ModuleGraph(tuple(modules), tuple(edges))


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("file:///a/node_modules/lodash-es/map.js", "lodash-es"),  # plain package
        ("file:///a/node_modules/@scope/pkg/dist/x.js", "@scope/pkg"),  # scoped package
        ("file:///a/node_modules/b/node_modules/c/i.js", "c"),  # nested install: the innermost package
        ("file:///a/src/x.mjs", None),  # a local file
        ("node:fs", None),  # a builtin
    ],
)
def test_package_names_come_from_the_innermost_node_modules(url: str, name: str | None) -> None:
    assert package_name(url) == name


def test_each_package_becomes_one_node_and_its_internal_imports_vanish() -> None:
    main, x, y, z = local("main.mjs"), package("p/x.js"), package("p/y.js"), package("@s/q/z.js")
    graph = ModuleGraph((main, x, y, z), (static(main, x), static(main, y), static(x, y), static(y, z)))
    view = collapse(graph)
    assert [n.id for n in view.nodes] == [main.url, "package:@s/q", "package:p"]
    assert [(e.source, e.target, e.count) for e in view.edges] == [
        (main.url, "package:p", 2),  # two imports drawn as one edge with a count
        ("package:p", "package:@s/q", 1),
    ]
    assert view.collapse == "packages" and view.note is None


def test_collapse_none_keeps_every_module() -> None:
    main, x, y = local("main.mjs"), package("p/x.js"), package("p/y.js")
    view = collapse(ModuleGraph((main, x, y), (static(main, x), static(x, y))), mode="none")
    assert [n.label for n in view.nodes] == ["main.mjs", "p/x.js", "p/y.js"]
    assert len(view.edges) == 2


def test_folders_collapse_into_one_node_per_folder() -> None:
    a, b, c = local("src/a.mjs"), local("src/b.mjs"), local("lib/c.mjs")
    view = collapse(ModuleGraph((a, b, c), (static(a, b), static(b, c))), mode="folders")
    assert [(n.id, len(n.members)) for n in view.nodes] == [("folder:lib", 1), ("folder:src", 2)]
    assert [(e.source, e.target) for e in view.edges] == [("folder:src", "folder:lib")]


def test_small_graphs_are_not_folder_collapsed_by_default() -> None:
    view = collapse(chain(LIMIT))
    assert view.collapse == "packages" and view.note is None and len(view.nodes) == LIMIT


def test_large_graphs_collapse_folders_and_say_so() -> None:
    wide = chain(LIMIT + 1)
    view = collapse(wide)
    assert view.collapse == "folders"
    assert view.note is not None and view.note.startswith(f"{LIMIT + 1} modules exceed {LIMIT} nodes")
    assert [(n.label, len(n.members)) for n in view.nodes] == [(f"./\n{LIMIT + 1} modules", LIMIT + 1)]


def test_deep_folders_are_cut_to_fewer_levels_until_the_view_fits() -> None:
    modules = [local(f"top{i % 3}/sub{i}/m.mjs") for i in range(LIMIT + 50)]
    view = collapse(ModuleGraph(tuple(modules), ()))
    assert [n.id for n in view.nodes] == ["folder:top0", "folder:top1", "folder:top2"]
    assert view.note is not None and "folders collapsed to depth 1" in view.note


def test_the_folder_depth_in_the_note_is_that_of_local_folders_not_of_packages() -> None:
    modules = [local(f"d{i % 2}/m{i}.mjs") for i in range(LIMIT + 1)] + [package("p/a/b/c/x.js")]
    view = collapse(ModuleGraph(tuple(modules), ()))
    assert [n.id for n in view.nodes] == ["folder:d0", "folder:d1", "package:p"]
    assert view.note is not None and "folders collapsed to depth 1," in view.note


def test_focus_and_depth_keep_the_neighbourhood_in_both_directions() -> None:
    graph = chain(7)
    view = collapse(graph, focus=graph.modules[3].url, depth=2)
    # Each module is drawn in its folder's cluster, so it is named by its file name there.
    assert [(n.folder, n.label) for n in view.nodes] == [(f"f{i}", f"m{i}.mjs") for i in range(1, 6)]
    assert view.modules == 5
    assert view.focus == graph.modules[3].url


def test_focus_without_depth_keeps_everything_connected() -> None:
    graph = ModuleGraph((*chain(3).modules, local("alone.mjs")), chain(3).edges)
    assert len(collapse(graph, focus="file:///app/f1/m1.mjs").nodes) == 3


def test_a_focus_outside_the_graph_is_an_input_error_naming_it() -> None:
    with pytest.raises(InputError, match=r"/nowhere\.mjs: not a module of the graph"):
        collapse(chain(2), focus="/nowhere.mjs")


def test_depth_without_focus_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="needs --focus"):
        collapse(chain(2), depth=1)


def test_a_mode_that_is_not_a_regular_expression_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"pattern '\(tree': not a regular expression"):
        collapse(chain(2), mode="(tree")


def tree() -> ModuleGraph:
    """main.mjs importing v4/core/{a,b}.mjs, v4/mini/c.mjs and v4/locales/{en,fr}.mjs."""
    main = local("main.mjs")
    rest = [local(p) for p in ("v4/core/a.mjs", "v4/core/b.mjs", "v4/mini/c.mjs", "v4/locales/en.mjs",
                                "v4/locales/fr.mjs")]
    return ModuleGraph((main, *rest), tuple(static(main, m) for m in rest))


@pytest.mark.parametrize(
    ("mode", "ids"),
    [
        # a depth cuts local folders to that many levels (files at the root group as ".")
        (1, ["folder:.", "folder:v4"]),
        ("2", ["folder:.", "folder:v4/core", "folder:v4/locales", "folder:v4/mini"]),
        # a pattern collapses the modules it matches into one node named by the path up to the match
        ("^v4/locales/", ["file:///app/main.mjs", "file:///app/v4/core/a.mjs", "file:///app/v4/core/b.mjs",
                          "file:///app/v4/mini/c.mjs", "folder:v4/locales"]),
    ],
)
def test_collapse_takes_a_folder_depth_or_a_pattern(mode: int | str, ids: list[str]) -> None:
    view = collapse(tree(), mode=mode)
    assert [n.id for n in view.nodes] == ids
    assert sum(e.count for e in view.edges) == 5  # every import of main still drawn, grouped


def test_a_collapsed_folder_is_drawn_outside_the_clusters_with_its_whole_path() -> None:
    view = collapse(tree(), mode="^v4/locales")
    locales = next(n for n in view.nodes if n.id == "folder:v4/locales")
    assert (locales.folder, locales.label) == (None, "v4/locales/\n2 modules")
    assert {n.folder for n in view.nodes if n.id.startswith("file:")} == {None, "v4/core", "v4/mini"}


def test_unresolved_imports_share_one_missing_node_per_specifier_and_error() -> None:
    a, b = local("a.mjs"), local("b.mjs")
    missing = [
        Edge(a.url, None, ImportKind.STATIC, "gone", 1, 1, "ERR_MODULE_NOT_FOUND"),
        Edge(b.url, None, ImportKind.STATIC, "gone", 1, 1, "ERR_MODULE_NOT_FOUND"),
        Edge(b.url, None, ImportKind.DYNAMIC, None, 2, 1, "computed"),
    ]
    view = collapse(ModuleGraph((a, b), tuple(missing)))
    pseudo = [n for n in view.nodes if n.kind is ModuleKind.MISSING]
    assert [n.label for n in pseudo] == ["gone\nERR_MODULE_NOT_FOUND", "<computed>\ncomputed"]
    assert len(view.edges) == 3


def test_cycles_through_dynamic_imports_are_not_highlighted() -> None:
    a, b, c = local("a.mjs"), local("b.mjs"), local("c.mjs")
    edges = (
        static(a, b),
        static(b, a),  # a real cycle
        static(b, c),
        Edge(c.url, b.url, ImportKind.DYNAMIC, "./b.mjs", 1, 1),  # import() does not bind: no cycle
    )
    view = collapse(ModuleGraph((a, b, c), edges))
    assert [n.cyclic for n in view.nodes] == [True, True, False]
    cyclic = [(e.source[-5:], e.target[-5:]) for e in view.edges if e.cyclic]
    assert cyclic == [("a.mjs", "b.mjs"), ("b.mjs", "a.mjs")]


AWKWARD = ["@scope/pkg/x.mjs", "sp ace/a#b.mjs", "100%/q?.mjs", "tilde~/ünï.mjs", "br{ace}/`tick`.mjs"]


def test_modules_are_found_by_path_whatever_the_url_encoding_node_uses(tmp_path: Path) -> None:
    paths = [str(tmp_path / name) for name in AWKWARD]
    script = "const {pathToFileURL} = require('node:url'); console.log(JSON.stringify("
    script += f"{json.dumps(paths)}.map(p => pathToFileURL(p).href)))"
    done = subprocess.run([system_node(), "-e", script], capture_output=True, text=True, check=True)
    urls = json.loads(done.stdout)
    graph = ModuleGraph(tuple(Module(u, ModuleKind.LOCAL, None) for u in urls), ())
    assert [find_module(graph, Path(p)) for p in paths] == urls
    assert [find_module(graph, u) for u in urls] == urls


def test_many_unresolved_imports_collapse_into_one_node_per_error_code() -> None:
    main = local("main.mjs")
    code = "ERR_MODULE_NOT_FOUND"
    missing = [Edge(main.url, None, ImportKind.STATIC, f"gone{i}", i, 1, code) for i in range(LIMIT)]
    missing.append(Edge(main.url, None, ImportKind.STATIC, "#nope", 0, 1, "ERR_PACKAGE_IMPORT_NOT_DEFINED"))
    view = collapse(ModuleGraph((main,), tuple(missing)))
    assert [n.label for n in view.nodes[1:]] == [
        f"ERR_MODULE_NOT_FOUND\n{LIMIT} specifiers",
        "ERR_PACKAGE_IMPORT_NOT_DEFINED\n1 specifier",
    ]
    assert [e.count for e in view.edges] == [LIMIT, 1]
    assert view.note is not None and "unresolved imports grouped by error code" in view.note
