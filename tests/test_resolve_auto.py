"""``--resolve auto``, the default: Node's rules, then TypeScript's for a TypeScript file's imports Node
cannot place, each such edge marked. Checked on zod 4.6.7's ``src/`` against TypeScript's own resolver
(tests/oracle/ts_resolve.mjs runs the compiler that scripts/install-ts-corpus.sh pins).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from graphkit.graph.crawl import scan
from graphkit.model import ImportKind, ModuleGraph
from graphkit.planning.files import plan_files
from graphkit.resolve.resolver import path_to_url
from graphkit.resolve.typescript import Rules
from tests.conftest import FIXTURES, REPO, node_binary

ZOD = (REPO / ".cache" / "ts-corpus" / "node_modules" / "zod" / "src").resolve()
TS_ORACLE = REPO / "tests" / "oracle" / "ts_resolve.mjs"
LOADER_APP = FIXTURES / "typescript" / "loader-app"
RUNTIME = (ImportKind.STATIC, ImportKind.REEXPORT, ImportKind.DYNAMIC)
LINKING = (ImportKind.STATIC, ImportKind.REEXPORT)
_DECLARATIONS = (".d.ts", ".d.mts", ".d.cts")

Truth = dict[str, dict[str, str | None]]


def typescript_resolves(paths: list[str]) -> Truth:
    """For each file, every specifier TypeScript finds in it and the file TypeScript resolves it to."""
    done = subprocess.run(
        [str(node_binary(24)), str(TS_ORACLE)],
        input=json.dumps(paths),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    found: Truth = json.loads(done.stdout)
    return found


@pytest.fixture(scope="module")
def zod() -> tuple[ModuleGraph, Truth]:
    if not ZOD.is_dir():
        pytest.fail(f"{ZOD}: missing; run scripts/install-ts-corpus.sh (make test does)")
    graph = scan([ZOD], use_cache=False)
    sources = sorted({e.source for e in graph.edges})
    return graph, typescript_resolves([url_path(u) for u in sources])


def url_path(url: str) -> str:
    from graphkit.model.urls import file_url_path

    path = file_url_path(url)
    assert path is not None, url
    return path


def test_zod_runtime_imports_resolve_by_default_as_typescript_resolves_them(
    zod: tuple[ModuleGraph, Truth],
) -> None:
    graph, truth = zod
    runtime = [e for e in graph.edges if e.kind in RUNTIME and e.specifier is not None]
    assert len(runtime) > 700
    placeable, resolved, differ, by_typescript = 0, 0, [], 0
    for edge in runtime:
        assert edge.specifier is not None
        theirs = truth[url_path(edge.source)][edge.specifier]
        if theirs is None and not edge.specifier.startswith("node:"):
            # A package zod's tests use that the npm package does not bring (vitest, benchmark): neither
            # resolver finds it.
            assert edge.target is None and edge.error == "ERR_MODULE_NOT_FOUND", edge
            continue
        placeable += 1
        resolved += edge.target is not None
        by_typescript += edge.resolved_by == "typescript"
        if theirs is not None and not theirs.endswith(_DECLARATIONS) and edge.target != path_to_url(theirs):
            differ.append((edge.source, edge.specifier, edge.target, theirs))
    assert not differ
    assert resolved / placeable >= 0.99, (resolved, placeable)
    # Written for tsc: most of its own imports name a .js file that is a .ts one.
    assert by_typescript > 300


def test_zod_plan_of_a_core_module_evicts_what_imports_it_from_the_entry(
    zod: tuple[ModuleGraph, Truth],
) -> None:
    graph, truth = zod
    changed, entry = ZOD / "v4" / "core" / "util.ts", ZOD / "index.ts"
    # The runtime graph by TypeScript's resolution of each runtime import.
    links: dict[str, set[tuple[str, ImportKind]]] = {}
    for edge in graph.edges:
        if edge.kind in RUNTIME and edge.specifier is not None:
            target = truth[url_path(edge.source)][edge.specifier]
            if target is not None and not target.endswith(_DECLARATIONS):
                links.setdefault(url_path(edge.source), set()).add((target, edge.kind))
    reached, stack = {str(entry)}, [str(entry)]
    while stack:
        for target, _ in links.get(stack.pop(), ()):
            if target not in reached:
                reached.add(target)
                stack.append(target)
    dependents, stack = {str(changed)}, [str(changed)]
    while stack:
        current = stack.pop()
        for source, targets in links.items():
            links_to = any((current, kind) in targets for kind in LINKING)
            if links_to and source not in dependents and source in reached:
                dependents.add(source)
                stack.append(source)
    made = plan_files([changed], entry=entry)
    evicted = {url_path(url) for unit in made.plan.evict for url in unit}
    assert len(dependents) > 20
    assert evicted == dependents
    assert made.warnings.lines == ()
    # Without --entry, the package's main is its build, which loads no source: a noop that says so.
    found = plan_files([changed])
    assert found.plan.status.value == "noop"
    assert any("is not loaded from the entry found" in line for line in found.warnings.lines)


def test_auto_marks_what_only_typescript_places_and_node_rules_stay_strict(tmp_path: Path) -> None:
    auto = scan([LOADER_APP / "main.ts"], use_cache=False)
    strict = scan([LOADER_APP / "main.ts"], use_cache=False, rules=Rules.NODE)
    marked = {e.specifier for e in auto.edges if e.resolved_by == "typescript"}
    assert marked == {e.specifier for e in strict.edges if e.target is None} and len(marked) == 5
    assert all(e.resolved_by is None for e in strict.edges)
    # A JavaScript importer keeps Node's answer: no .ts twin for it.
    (tmp_path / "a.ts").write_text("export const a = 1;\n")
    (tmp_path / "main.mjs").write_text("import './a.js';\n")
    (tmp_path / "main.ts").write_text("import './a.js';\n")
    js, ts = (scan([tmp_path / n], use_cache=False) for n in ("main.mjs", "main.ts"))
    assert [(e.target, e.error) for e in js.edges] == [(None, "ERR_MODULE_NOT_FOUND")]
    assert [(e.target, e.resolved_by) for e in ts.edges] == [(path_to_url(tmp_path / "a.ts"), "typescript")]


def test_a_stored_auto_graph_sees_the_js_file_node_would_now_load(tmp_path: Path) -> None:
    (tmp_path / "a.ts").write_text("export const a = 1;\n")
    (tmp_path / "main.ts").write_text("import './a.js';\n")
    first = scan([tmp_path / "main.ts"])
    assert [e.resolved_by for e in first.edges] == ["typescript"]
    (tmp_path / "a.js").write_text("export const a = 2;\n")
    os.utime(tmp_path, None)
    again = scan([tmp_path / "main.ts"])
    assert [(e.target, e.resolved_by) for e in again.edges] == [(path_to_url(tmp_path / "a.js"), None)]


def test_tsconfig_extends_brings_paths_relative_to_the_file_that_sets_them(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "base.json").write_text(
        '{ // comments allowed\n "compilerOptions": {"paths": {"@lib/*": ["../lib/*"]}},}\n'
    )
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "tsconfig.json").write_text('{"extends": "../config/base.json"}')
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "x.ts").write_text("export const x = 1;\n")
    (tmp_path / "app" / "main.ts").write_text("import '@lib/x';\n")
    graph = scan([tmp_path / "app" / "main.ts"], use_cache=False)
    assert [(e.target, e.resolved_by) for e in graph.edges] == [
        (path_to_url(tmp_path / "lib" / "x.ts"), "typescript")
    ]


def test_the_api_takes_the_rules_by_name() -> None:
    import graphkit
    from graphkit.errors import InputError

    auto, strict = graphkit.scan(LOADER_APP / "main.ts"), graphkit.scan(LOADER_APP / "main.ts", rules="node")
    assert not auto.unresolved() and len(strict.unresolved()) == 5
    with pytest.raises(InputError, match="rules='tsc'"):
        graphkit.scan(LOADER_APP / "main.ts", rules="tsc")


def test_a_broken_tsconfig_is_a_warning_under_auto_and_an_error_under_typescript(tmp_path: Path) -> None:
    from graphkit.errors import ConfigWarning, InputError

    (tmp_path / "tsconfig.json").write_text('{"compilerOptions": {"paths": ')
    (tmp_path / "a.ts").write_text("export const a = 1;\n")
    (tmp_path / "main.ts").write_text("import '@alias/a';\nimport './a.js';\n")
    with pytest.warns(ConfigWarning, match=r"tsconfig\.json: cannot read tsconfig\.json"):
        graph = scan([tmp_path / "main.ts"], use_cache=False)
    assert [(e.specifier, e.error, e.resolved_by) for e in graph.edges] == [
        ("@alias/a", "ERR_MODULE_NOT_FOUND", None),
        ("./a.js", None, "typescript"),
    ]
    with pytest.raises(InputError, match=r"tsconfig\.json"):
        scan([tmp_path / "main.ts"], use_cache=False, rules=Rules.TYPESCRIPT)
