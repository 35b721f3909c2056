"""The static crawl: every edge of every fixture resolves as Node does; entries, folders, globs, the cache."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import graphkit.extract.parse
from graphkit.extract.grammars import Grammar
from graphkit.graph.crawl import Scanner, inputs, scan
from graphkit.model import Extraction, Format, ImportKind, ModuleGraph, ModuleKind
from graphkit.model.codec import graph_to_json
from graphkit.resolve.resolver import path_to_url
from tests.conftest import FIXTURES
from tests.test_resolve import oracle

GRAPHKIT = [sys.executable, "-m", "graphkit"]


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own extraction cache, so cold and warm are what the test says they are."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("GRAPHKIT_CACHE_DIR", str(cache))
    return cache


@pytest.fixture(scope="module")
def every_fixture() -> ModuleGraph:
    return scan([FIXTURES], use_cache=False)


def test_every_resolved_edge_of_every_fixture_resolves_as_node_does(every_fixture: ModuleGraph) -> None:
    # Computed imports have no specifier; a glob that matched nothing keeps its pattern: nothing to ask Node.
    queries = [
        (e, {"specifier": e.specifier, "parent": e.source, "kind": e.kind.value})
        for e in every_fixture.edges
        if e.specifier is not None and "*" not in e.specifier
    ]
    edges = [e for e, _ in queries]
    answers = oracle([q for _, q in queries])
    assert len(edges) > 100  # the fixtures really were crawled
    # An edge TypeScript's rules placed (the default for TypeScript importers) is one Node refuses.
    mismatches = [
        (e.source, e.line, e.specifier, e.target or e.error, node.get("url") or node.get("error"))
        for e, node in zip(edges, answers, strict=True)
        if (e.resolved_by is None and (e.target, e.error) != (node.get("url"), node.get("error")))
        or (e.resolved_by is not None and node.get("url") is not None)
    ]
    assert mismatches == []
    assert any(e.resolved_by is not None for e in edges)


def test_a_folder_scan_skips_node_modules_but_keeps_their_modules_as_targets(
    every_fixture: ModuleGraph,
) -> None:
    packages = {m.url for m in every_fixture.modules if m.kind is ModuleKind.PACKAGE}
    assert packages, "the resolve fixtures import packages"
    assert not any(e.source in packages for e in every_fixture.edges)


def test_an_entry_is_crawled_through_its_packages() -> None:
    entry = FIXTURES / "resolve" / "exports-conditions" / "main.mjs"
    graph = scan([entry], use_cache=False)
    packages = {m.url for m in graph.modules if m.kind is ModuleKind.PACKAGE}
    assert packages
    reached = {e.target for e in graph.edges} | {path_to_url(entry)}
    assert {m.url for m in graph.modules} <= reached | {None}


def test_the_demo_graph_has_every_import_kind_with_its_position() -> None:
    graph = scan([FIXTURES / "demo" / "main.mjs"], use_cache=False)
    demo = path_to_url(FIXTURES / "demo")
    rows = {(e.source.removeprefix(demo), e.target, e.kind, e.line) for e in graph.edges}
    assert ("/lib/format.mjs", f"{demo}/lib/pad.cjs", ImportKind.REQUIRE, 3) in rows  # via createRequire
    assert ("/lib/greet.mjs", f"{demo}/lib/format.mjs", ImportKind.REEXPORT, 2) in rows
    assert ("/main.mjs", "node:fs", ImportKind.STATIC, 1) in rows
    # The template import() is one dynamic edge per file its glob matches.
    assert {t for s, t, k, _ in rows if k is ImportKind.DYNAMIC} == {
        f"{demo}/routes/home.mjs",
        f"{demo}/routes/about.mjs",
    }
    formats = {m.url.removeprefix(demo): m.format for m in graph.modules}
    assert formats["/config.json"] is Format.JSON
    assert formats["/lib/pad.cjs"] is Format.COMMONJS
    assert formats["node:fs"] is Format.BUILTIN


def test_a_computed_import_is_kept_without_a_target() -> None:
    graph = scan([FIXTURES / "graphs" / "computed-import" / "main.mjs"], use_cache=False)
    computed = [e for e in graph.edges if e.error == "computed"]
    rows = [(e.kind, e.specifier, e.target, e.line) for e in computed]
    assert rows == [(ImportKind.DYNAMIC, None, None, 5)]


def test_a_syntax_error_is_a_problem_and_what_was_recovered_stays() -> None:
    graph = scan([FIXTURES / "parse" / "syntax-error" / "main.mjs"], use_cache=False)
    main = path_to_url(FIXTURES / "parse" / "syntax-error" / "main.mjs")
    assert [(p.url, p.code, p.line) for p in graph.problems] == [(main, "syntax-error", 3)]
    assert {e.line for e in graph.edges if e.source == main} == {1, 4}


def copy_fixture(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(FIXTURES / name, tmp_path / name))


def test_a_rescan_parses_only_the_files_that_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = copy_fixture(tmp_path, "demo")
    parsed: list[bytes] = []
    real = graphkit.extract.parse.extract

    def counting(source: bytes, *, commonjs: bool, grammar: Grammar) -> Extraction:
        parsed.append(source)
        return real(source, commonjs=commonjs, grammar=grammar)

    monkeypatch.setattr(graphkit.extract.parse, "extract", counting)
    first = scan([app / "main.mjs"])
    cold = len(parsed)
    assert graph_to_json(scan([app / "main.mjs"])) == graph_to_json(first)
    assert len(parsed) == cold  # warm: nothing parsed again
    (app / "routes" / "about.mjs").write_text("import '../lib/greet.mjs';\nexport const handle = () => 1;\n")
    changed = scan([app / "main.mjs"])
    assert len(parsed) == cold + 1
    about = path_to_url(app / "routes" / "about.mjs")
    assert [e.specifier for e in changed.edges if e.source == about] == ["../lib/greet.mjs"]


def test_a_warm_scanner_takes_in_edits_additions_and_deletions(tmp_path: Path) -> None:
    app = copy_fixture(tmp_path, "demo")
    scanner = Scanner(use_cache=False)
    scanner.add(inputs([app / "main.mjs"]))
    home = app / "routes" / "home.mjs"
    home.write_text("import { helper } from './helper.mjs';\nexport const handle = helper;\n")
    (app / "routes" / "helper.mjs").write_text("export const helper = () => 'h';\n")
    scanner.update([home])
    graph = scanner.graph()
    helper = path_to_url(app / "routes" / "helper.mjs")
    assert helper in {m.url for m in graph.modules}  # crawled through from the edited importer
    (app / "routes" / "helper.mjs").unlink()
    scanner.update([app / "routes" / "helper.mjs"])
    kinds = {m.url: m.kind for m in scanner.graph().modules}
    scanner.close()
    assert kinds[helper] is ModuleKind.MISSING


def test_a_warm_scanner_sees_a_file_created_after_it_failed_to_resolve(tmp_path: Path) -> None:
    (tmp_path / "main.mjs").write_text("import './later.mjs';\n")
    scanner = Scanner(use_cache=False)
    scanner.add(inputs([tmp_path / "main.mjs"]))
    assert [e.error for e in scanner.graph().edges] == ["ERR_MODULE_NOT_FOUND"]
    (tmp_path / "later.mjs").write_text("export const x = 1;\n")
    scanner.update([tmp_path / "main.mjs"])
    edges = scanner.graph().edges
    scanner.close()
    assert [(e.target, e.error) for e in edges] == [(path_to_url(tmp_path / "later.mjs"), None)]


def run_cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GRAPHKIT, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120, check=False
    )


def test_scan_json_is_byte_stable_and_the_cache_does_not_change_it() -> None:
    entry = FIXTURES / "demo" / "main.mjs"
    runs = [run_cli("scan", entry, "--json", *extra) for extra in ([], [], ["--no-cache"])]
    assert [r.returncode for r in runs] == [0, 0, 0]
    assert runs[0].stdout == runs[1].stdout == runs[2].stdout
    assert runs[0].stdout.startswith('{\n  "edges": [\n')


def test_scan_summary_lists_unresolved_imports_with_file_and_line() -> None:
    done = run_cli("scan", "extensionless", cwd=FIXTURES / "resolve")
    assert done.returncode == 0, done.stderr
    assert "ERR_MODULE_NOT_FOUND" in done.stdout
    unresolved = [line for line in done.stdout.splitlines() if "ERR_MODULE_NOT_FOUND" in line]
    assert all(line.strip().startswith("extensionless/") and ":" in line for line in unresolved)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # a missing path names itself
        (["scan", "no/such/file.mjs"], "graphkit: no/such/file.mjs: no such file or folder\n"),
        (["scan"], None),  # no PATH: argparse's usage error
        (["scan", "x.mjs", "--bogus"], None),  # unknown option
    ],
)
def test_bad_input_exits_2_with_one_line(args: list[str], message: str | None) -> None:
    done = run_cli(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    if message is not None:
        assert done.stderr == message
    assert "Traceback" not in done.stderr
