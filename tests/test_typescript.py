"""TypeScript as Node runs it (type stripping, Node 22.18+), checked against Node 24 itself.

Extraction against ``module.stripTypeScriptTypes`` lexed by es-module-lexer (tests/oracle/strip_lex.mjs),
resolution and formats against Node 24's ``defaultResolve`` (tests/oracle/resolve.mjs), the static graph
of a TypeScript app against the live one on Node 22, 24 and 26.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from graphkit.extract.accepts import accepting_modules
from graphkit.extract.grammars import Grammar, grammar_for
from graphkit.extract.parse import extract
from graphkit.graph.crawl import scan
from graphkit.graph.reconcile import compare
from graphkit.live.probe import live_graph
from graphkit.model import (
    Edge,
    Format,
    ImportKind,
    ImportRecord,
    Module,
    ModuleGraph,
    ModuleKind,
    PlanStatus,
)
from graphkit.output.diagram import EDGE_STYLE, dot_source
from graphkit.planning.planner import plan
from graphkit.resolve.resolver import Resolver, path_to_url
from graphkit.resolve.typescript import Rules, TypeScriptResolver
from tests.conftest import FIXTURES, REPO, node_binary
from tests.test_resolve import oracle
from tests.test_watch import Watching

SYNTAX = FIXTURES / "typescript" / "syntax"
APP = FIXTURES / "typescript" / "app"
RESOLVE = FIXTURES / "resolve" / "typescript"
STRIP_ORACLE = REPO / "tests" / "oracle" / "strip_lex.mjs"
S, R, D = ImportKind.STATIC, ImportKind.REQUIRE, ImportKind.DYNAMIC

Key = tuple[str, str | None, int]


def stripped(paths: list[Path], node: int = 24) -> dict[str, Any]:
    """What Node's type stripping leaves of each file, lexed by es-module-lexer (or Node's error)."""
    done = subprocess.run(
        [str(node_binary(node)), "--no-warnings", str(STRIP_ORACLE)],
        input=json.dumps([str(p) for p in paths]),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def runtime_imports(path: Path) -> Counter[Key]:
    return runtime_records(extract(path.read_bytes(), commonjs=False, grammar=grammar_for(str(path))).imports)


def runtime_records(records: tuple[ImportRecord, ...]) -> Counter[Key]:
    """Our ES module records Node keeps at runtime (type-only and require records left out)."""
    return Counter(
        (r.kind.value, r.specifier if r.glob is None else r.glob, r.line)
        for r in records
        if r.kind in (S, ImportKind.REEXPORT, D)
    )


def test_runtime_imports_are_what_type_stripping_leaves() -> None:
    path = SYNTAX / "imports.ts"
    (theirs,) = stripped([path]).values()
    assert isinstance(theirs, list), theirs
    assert runtime_imports(path) == Counter((kind, spec, line) for kind, spec, line in theirs)


def test_every_erased_import_is_reported_as_a_type_import() -> None:
    records = extract(
        (SYNTAX / "imports.ts").read_bytes(), commonjs=False, grammar=Grammar.TYPESCRIPT
    ).imports
    assert [(r.specifier, r.line) for r in records if r.kind is ImportKind.TYPE] == [
        ("./types.ts", 2),  # import type { }
        ("./default.ts", 3),  # import type Default
        ("./namespace.ts", 6),  # import type * as
        ("./types.ts", 9),  # export type { } from
        ("./star.ts", 10),  # export type * from
        ("./star-ns.ts", 11),  # export type * as NS from
        ("./typeof-import.ts", 15),  # typeof import()
        ("./type-position.ts", 16),  # import() in an annotation
        ("./as-type.ts", 17),  # ... after `as`
        ("./satisfies-type.ts", 18),  # ... after `satisfies`
        ("./interface-member.ts", 20),  # ... in an interface
        ("./inside-ambient.ts", 23),  # inside `declare module`
        ("./global-type.ts", 26),  # inside `declare global`
        ("./constraint.ts", 28),  # in a type parameter constraint
    ]


def test_import_equals_require_is_a_require_and_import_type_equals_a_type_import() -> None:
    records = extract(
        (SYNTAX / "commonjs.cts").read_bytes(), commonjs=True, grammar=Grammar.TYPESCRIPT
    ).imports
    assert [(r.kind, r.specifier, r.line) for r in records] == [
        (R, "node:fs", 2),
        (ImportKind.TYPE, "./types.cts", 3),
        (ImportKind.TYPE, "node:path", 4),  # typeof import() in the annotation
        (R, "node:path", 4),
        (R, "./helper.cjs", 5),
    ]


def test_files_node_refuses_to_strip_carry_its_error_at_the_first_refused_construct() -> None:
    paths = sorted(SYNTAX.iterdir())
    node = stripped(paths)
    for path in paths:
        issues = extract(path.read_bytes(), commonjs=False, grammar=grammar_for(str(path))).issues
        theirs = node[str(path)]
        if isinstance(theirs, list):
            assert issues == (), path
        else:
            first = issues[0]
            assert (first.code, first.message) == (theirs["error"], theirs["message"]), path


def test_every_construct_node_refuses_is_found_not_only_the_first() -> None:
    issues = extract((SYNTAX / "refused.ts").read_bytes(), commonjs=False, grammar=Grammar.TYPESCRIPT).issues
    # Lines 8 (declare enum) and 14 (a namespace of types) are erased, not refused.
    assert [issue.line for issue in issues] == [2, 5, 11, 19, 20, 23, 23]


# (specifier, parent in the fixture, kind): resolution and format as Node 24 gives them.
RESOLVE_CASES = [
    ("./esm/a.ts", "main.mjs", S),  # .ts under "type": "module": module-typescript
    ("./cjs/a.ts", "main.mjs", S),  # .ts under "type": "commonjs": commonjs-typescript
    ("./none/a.ts", "main.mjs", S),  # .ts without a type: Node names no format before loading
    ("./esm/m.mts", "main.mjs", S),  # .mts is always module-typescript
    ("./cjs/m.mts", "main.mjs", S),  # ... whatever the package type
    ("./esm/c.cts", "main.mjs", S),  # .cts is always commonjs-typescript
    ("./none/x.tsx", "main.mjs", S),  # .tsx resolves; Node has no format for it
    ("./esm/a", "main.mjs", S),  # no extension guessing: not found, no hint
    ("./esm/a", "main.ts", D),  # ... from TypeScript too
    ("./esm/a.js", "main.ts", S),  # a .js specifier never names the .ts file
    ("./esm/a", "main.cjs", R),  # require does not add .ts
    ("./esm/a.ts", "main.cjs", R),  # ... but takes the exact name
    ("./cjs/c.cts", "main.cjs", R),
    ("tsexports/plain", "main.ts", S),  # a package's JavaScript is fine
]


def query(specifier: str, parent: str, kind: ImportKind, *, load: bool = False) -> dict[str, Any]:
    found: dict[str, Any] = {
        "specifier": specifier,
        "parent": path_to_url(RESOLVE / parent),
        "kind": str(kind),
    }
    if load:
        found["load"] = True
    return found


def test_typescript_files_resolve_with_the_format_node_24_gives() -> None:
    resolver = Resolver()
    node = oracle([query(*case) for case in RESOLVE_CASES], node=node_binary(24))
    for (specifier, parent, kind), expected in zip(RESOLVE_CASES, node, strict=True):
        got = resolver.resolve(specifier, path_to_url(RESOLVE / parent), kind)
        assert (got.url, got.error) == (expected.get("url"), expected.get("error")), specifier
        if "hint" in expected:
            assert "Did you mean" not in (got.message or ""), specifier
        if expected.get("format") and got.url is not None:
            assert resolver.format_of(got.url) == Format(expected["format"]), specifier


@pytest.mark.parametrize(
    ("specifier", "kind"),
    [("tsdep", S), ("tsdep", R), ("tsexports", S), ("tsexports", D), ("tsexports/plain", S)],
)
def test_typescript_under_node_modules_is_refused_with_nodes_code(specifier: str, kind: ImportKind) -> None:
    (node,) = oracle([query(specifier, "main.mjs", kind, load=True)], node=node_binary(24))
    got = Resolver().resolve(specifier, path_to_url(RESOLVE / "main.mjs"), kind)
    assert (got.url, got.error) == (node.get("url"), node.get("error"))


def test_a_folder_scan_takes_typescript_files_and_skips_declaration_files(tmp_path: Path) -> None:
    shutil.copytree(APP, tmp_path / "app")
    (tmp_path / "app" / "lib" / "types.d.ts").write_text("export declare const x: number;\n")
    (tmp_path / "app" / "view.tsx").write_text(
        "import { greet } from './lib/greet.ts';\nexport const v = 1;\n"
    )
    graph = scan([tmp_path / "app"], use_cache=False)
    names = {m.url.rsplit("/app/", 1)[1]: m.format for m in graph.modules}
    assert names == {
        "lib/greet.ts": Format.MODULE_TYPESCRIPT,
        "lib/helper.cjs": Format.COMMONJS,
        "lib/legacy.cts": Format.COMMONJS_TYPESCRIPT,
        "lib/shapes.mts": Format.MODULE_TYPESCRIPT,
        "lib/types.ts": Format.MODULE_TYPESCRIPT,
        "main.ts": Format.MODULE_TYPESCRIPT,
        "routes/hello.ts": Format.MODULE_TYPESCRIPT,
        "view.tsx": None,
    }
    view = path_to_url((tmp_path / "app" / "view.tsx").resolve())
    assert [(p.url, p.code) for p in graph.problems] == [(view, "ERR_UNKNOWN_FILE_EXTENSION")]
    assert [e.specifier for e in graph.edges if e.source == view] == ["./lib/greet.ts"]


def test_a_file_node_cannot_strip_gets_a_problem_row_at_the_construct(tmp_path: Path) -> None:
    entry = tmp_path / "main.ts"
    entry.write_text("import { Color } from './color.ts';\nconsole.log(Color.Red);\n")
    (tmp_path / "color.ts").write_text("// colours\nexport enum Color {\n  Red,\n}\n")
    (tmp_path / "package.json").write_text('{"type": "module"}')
    graph = scan([entry], use_cache=False)
    done = subprocess.run([str(node_binary(24)), str(entry)], capture_output=True, text=True, check=False)
    assert done.returncode != 0
    (problem,) = graph.problems
    assert problem.code in done.stderr and problem.message in done.stderr
    assert (problem.url.rsplit("/", 1)[1], problem.line) == ("color.ts", 2)


def test_the_planner_and_reconcile_ignore_type_imports() -> None:
    def url(name: str) -> str:
        return f"file:///app/{name}"

    graph = ModuleGraph(
        modules=tuple(
            Module(url(n), ModuleKind.LOCAL, Format.MODULE_TYPESCRIPT) for n in ("main.ts", "t.ts")
        ),
        edges=(Edge(url("main.ts"), url("t.ts"), ImportKind.TYPE, "./t.ts", 1, 1),),
    )
    assert plan(graph, [url("t.ts")], url("main.ts")).status is PlanStatus.NOOP
    assert compare(graph, ModuleGraph(modules=graph.modules[:1], edges=())).agrees


def test_type_imports_are_drawn_dotted_grey() -> None:
    graph = scan([APP / "main.ts"], use_cache=False)
    colour = EDGE_STYLE[ImportKind.TYPE]["color"]
    type_lines = [line for line in dot_source(graph).splitlines() if "->" in line and colour in line]
    assert type_lines and all("dotted" in line for line in type_lines)
    # One line per importer and target, in its strongest kind: greet.ts also re-exports from types.ts.
    kinds: dict[tuple[str, str | None], set[ImportKind]] = {}
    for e in graph.edges:
        kinds.setdefault((e.source, e.target), set()).add(e.kind)
    assert len(type_lines) == sum(found == {ImportKind.TYPE} for found in kinds.values()) == 2


@pytest.mark.parametrize("major", [22, 24, 26])
def test_the_static_graph_of_a_typescript_app_is_the_live_one(major: int) -> None:
    static = scan([APP / "main.ts"], use_cache=False)
    live = live_graph(APP / "main.ts", node=node_binary(major), timeout=60)
    result = compare(static, live)
    if major == 22:
        # Node 22 runs a .cts imported from ESM through its ESM loader's own require, which leaves
        # require.cache out: that one require edge is not seen live.
        assert [(r.specifier, r.kind) for r in result.static_only] == [("./helper.cjs", R)]
        assert not result.live_only and not result.disagreements and len(result.agreed) == 5
    else:
        assert result.agrees, result
        assert len(result.agreed) == 6
    assert {m.url: m.format for m in live.modules} == {m.url: m.format for m in static.modules}


LOADER_APP = FIXTURES / "typescript" / "loader-app"
TSX = REPO / ".cache" / "ts-corpus" / "node_modules" / "tsx" / "dist" / "loader.mjs"


def test_typescript_rules_resolve_what_node_refuses() -> None:
    by_node = scan([LOADER_APP / "main.ts"], use_cache=False, rules=Rules.NODE)
    assert {(e.specifier, e.error) for e in by_node.edges} == {
        ("./lib/greet.js", "ERR_MODULE_NOT_FOUND"),  # the .js names lib/greet.ts
        ("./lib/shout", "ERR_MODULE_NOT_FOUND"),  # no extension
        ("./lib/dir", "ERR_UNSUPPORTED_DIR_IMPORT"),  # a folder with index.ts
        ("@shared/name", "ERR_MODULE_NOT_FOUND"),  # a tsconfig.json paths alias
        ("./lib/options", "ERR_MODULE_NOT_FOUND"),  # type-only, no extension
    }
    by_typescript = scan([LOADER_APP / "main.ts"], use_cache=False, rules=Rules.TYPESCRIPT)
    assert {e.specifier: e.target.split("/loader-app/")[1] for e in by_typescript.edges if e.target} == {
        "./lib/greet.js": "lib/greet.ts",
        "./lib/shout": "lib/shout.ts",
        "./lib/dir": "lib/dir/index.ts",
        "@shared/name": "shared/name.ts",
        "./lib/options": "lib/options.ts",
    }


def test_typescript_rules_keep_node_for_packages_and_twin_module_extensions(tmp_path: Path) -> None:
    (tmp_path / "a.mts").write_text("export const a = 1;\n")
    (tmp_path / "b.cts").write_text("module.exports = 1;\n")
    (tmp_path / "c.mjs").write_text("export const c = 1;\n")
    parent = path_to_url(tmp_path / "main.ts")
    resolver = TypeScriptResolver()
    found = {
        s: resolver.resolve(s, parent, S).url for s in ("./a.mjs", "./b.cjs", "./c.mjs", "node:fs", "fs")
    }
    assert found == {
        "./a.mjs": path_to_url(tmp_path / "a.mts"),
        "./b.cjs": path_to_url(tmp_path / "b.cts"),
        "./c.mjs": path_to_url(tmp_path / "c.mjs"),
        "node:fs": "node:fs",
        "fs": "node:fs",
    }
    assert resolver.resolve("nothing", parent, S).error == "ERR_MODULE_NOT_FOUND"


@pytest.mark.parametrize("major", [20, 24])
def test_typescript_rules_agree_with_tsx_where_node_rules_do_not(
    major: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(LOADER_APP)  # tsx reads tsconfig.json from the working folder
    loader = f"--import={TSX.as_uri()}"
    live = live_graph(LOADER_APP / "main.ts", node=node_binary(major), node_args=[loader], timeout=60)
    app = [e for e in live.edges if "/tsx/" not in e.source]  # the loader's own modules load too
    result = compare(scan([LOADER_APP / "main.ts"], use_cache=False, rules=Rules.TYPESCRIPT), live)
    assert len(result.agreed) == len(app) == 4
    assert not result.static_only and not result.disagreements
    by_node = compare(scan([LOADER_APP / "main.ts"], use_cache=False, rules=Rules.NODE), live)
    # Node's rules part from the loader's on every runtime import: each is a disagreement, by specifier.
    assert not by_node.agreed
    assert {(d.specifier, d.static_target) for d in by_node.disagreements} == {
        ("./lib/greet.js", None),
        ("./lib/shout", None),
        ("./lib/dir", None),
        ("@shared/name", None),
    }


HTTP_APP = FIXTURES / "typescript" / "http-app"


def test_the_typescript_http_app_and_the_hot_declaration_type_check() -> None:
    tsc = REPO / ".cache" / "ts-corpus" / "node_modules" / "typescript" / "bin" / "tsc"
    types = REPO / ".cache" / "ts-corpus" / "node_modules" / "@types"
    done = subprocess.run(
        [str(node_binary(24)), str(tsc), "-p", str(HTTP_APP), "--typeRoots", str(types)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout
    assert accepting_modules(scan([HTTP_APP / "main.ts"], use_cache=False)) == {
        path_to_url(HTTP_APP / "routes" / "index.ts")
    }


# Node 22+ strips types itself; Node 20 runs TypeScript through the tsx loader.
WATCH_CASES = [(22, ()), (24, ()), (26, ()), (20, (f"--import={TSX.as_uri()}",))]


@pytest.mark.parametrize(("major", "options"), WATCH_CASES, ids=lambda case: str(case))
def test_watch_serves_a_typescript_route_edit_in_place(
    major: int, options: tuple[str, ...], tmp_path: Path
) -> None:
    root = tmp_path / "http-app"
    shutil.copytree(HTTP_APP, root)
    static = scan([root / "main.ts"], use_cache=False)
    live = live_graph(root / "main.ts", node=node_binary(major), node_args=options, timeout=60)
    result = compare(static, live)
    assert len(result.agreed) == 4 and not result.static_only and not result.disagreements
    assert all("/tsx/" in row.source for row in result.live_only)  # only the loader's own modules
    w = Watching(node_binary(major), root, entry="main.ts", node_options=options)
    try:
        assert w.get("/hello") == "HELLO V1 #1!"
        w.edit("routes/hello.ts", "hello v1", "hello v2")
        assert re.fullmatch(
            r"graphkit: routes/hello.ts: 2 modules evicted, 1 re-imported in [\d.]+ ms", w.status()
        )
        assert w.get("/hello") == "HELLO V2 #2!"  # the same process: its request counter goes on
        if not options:  # Node's own type stripping reports where; a loader words it its own way
            w.edit("routes/hello.ts", "return shout", "return shout(")
            assert re.fullmatch(
                r"graphkit: routes/hello.ts: .* at routes/hello.ts:5:\d+; kept old code", w.status()
            )
            assert w.get("/hello") == "HELLO V2 #3!"
    finally:
        w.process.kill()
        w.process.wait()
