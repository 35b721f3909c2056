"""The planner over graphs written out in each row: order, units, boundaries, chains, kept, status."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from graphkit.extract.accepts import accepting_modules
from graphkit.graph.crawl import scan
from graphkit.live.probe import live_graph
from graphkit.model import (
    Boundary,
    BoundaryReason,
    Edge,
    EvictionPlan,
    Format,
    ImportKind,
    Module,
    ModuleGraph,
    ModuleKind,
    PlanStatus,
)
from graphkit.model.codec import plan_to_dict
from graphkit.planning.loaders import AppFolder, app_folder, plan_loaded_at_startup
from graphkit.planning.planner import plan
from graphkit.resolve.resolver import path_to_url
from tests.conftest import FIXTURES, REPO, node_binary

S, R, Q, D = ImportKind.STATIC, ImportKind.REEXPORT, ImportKind.REQUIRE, ImportKind.DYNAMIC


def url(name: str) -> str:
    """`main` -> a local file URL; `node:fs` and `pkg/...` (under node_modules) stay recognisable."""
    if name.startswith("node:"):
        return name
    if name.startswith("pkg/"):
        return f"file:///app/node_modules/{name}.js"
    if name.endswith(".json"):
        return f"file:///app/{name}"
    return f"file:///app/{name}.mjs"


def graph(edges: list[tuple[str, str, ImportKind]]) -> ModuleGraph:
    names = sorted({n for s, t, _ in edges for n in (s, t)})
    modules = []
    for n in names:
        if n.startswith("node:"):
            modules.append(Module(url(n), ModuleKind.BUILTIN, Format.BUILTIN))
        elif n.startswith("pkg/"):
            modules.append(Module(url(n), ModuleKind.PACKAGE, Format.MODULE))
        else:
            modules.append(Module(url(n), ModuleKind.LOCAL, Format.MODULE))
    return ModuleGraph(
        modules=tuple(modules),
        edges=tuple(Edge(url(s), url(t), k, f"./{t}", 1, 1) for s, t, k in edges),
    )


@dataclass(frozen=True)
class Row:
    """One planner case: the graph, the change, and every field of the expected plan."""

    edges: list[tuple[str, str, ImportKind]]
    changed: tuple[str, ...]
    status: PlanStatus
    evict: tuple[tuple[str, ...], ...]
    chains: dict[str, tuple[str, ...]]
    kept: int
    boundaries: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    accepting: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    include_packages: bool = False


ROWS = {
    # main -> a -> b -> c: a change to c evicts the whole chain, main included: the app re-runs.
    "chain": Row(
        [("main", "a", S), ("a", "b", S), ("b", "c", S)],
        ("c",),
        PlanStatus.RERUN,
        (("c",), ("b",), ("a",), ("main",)),
        {"c": ("c",), "b": ("c", "b"), "a": ("c", "b", "a"), "main": ("c", "b", "a", "main")},
        0,
    ),
    # main import()s app; app -> left, right -> base: both sides of the diamond go, ties by URL.
    "diamond": Row(
        [
            ("main", "app", D),
            ("app", "left", S),
            ("app", "right", R),
            ("left", "base", S),
            ("right", "base", S),
        ],
        ("base",),
        PlanStatus.OK,
        (("base",), ("left",), ("right",), ("app",)),
        {"base": ("base",), "left": ("base", "left"), "right": ("base", "right")}
        | {"app": ("base", "left", "app")},
        1,
        boundaries=(("main", "dynamic-import", ("app",)),),
    ),
    # app -> x <-> y -> leaf: the cycle is one unit, reloaded after the leaf and before app.
    "cycle": Row(
        [("main", "app", D), ("app", "x", S), ("x", "y", S), ("y", "x", S), ("y", "leaf", S)],
        ("leaf",),
        PlanStatus.OK,
        (("leaf",), ("x", "y"), ("app",)),
        {"leaf": ("leaf",), "y": ("leaf", "y"), "x": ("leaf", "y", "x"), "app": ("leaf", "y", "x", "app")},
        1,
        boundaries=(("main", "dynamic-import", ("app",)),),
    ),
    # The changed module sits in a cycle: its partner goes with it, the sibling `z` does not.
    "cycle containing the changed module": Row(
        [("main", "app", D), ("app", "x", S), ("x", "y", S), ("y", "x", S), ("app", "z", S)],
        ("x",),
        PlanStatus.OK,
        (("x", "y"), ("app",)),
        {"x": ("x",), "y": ("x", "y"), "app": ("x", "app")},
        2,
        boundaries=(("main", "dynamic-import", ("app",)),),
    ),
    # main import()s page; only page goes, main re-runs its import() later.
    "dynamic boundary": Row(
        [("main", "page", D), ("main", "util", S), ("page", "util", S)],
        ("page",),
        PlanStatus.OK,
        (("page",),),
        {"page": ("page",)},
        2,
        boundaries=(("main", "dynamic-import", ("page",)),),
    ),
    # widget accepts: it reloads with its dependency, its importer app keeps its binding.
    "accepting boundary": Row(
        [("main", "app", S), ("app", "widget", S), ("widget", "style", S)],
        ("style",),
        PlanStatus.OK,
        (("style",), ("widget",)),
        {"style": ("style",), "widget": ("style", "widget")},
        2,
        boundaries=(("widget", "accepts", ("style",)),),
        accepting=("widget",),
    ),
    # A change to the entry itself: the app re-runs in its process.
    "entry evicted": Row(
        [("main", "a", S)],
        ("main",),
        PlanStatus.RERUN,
        (("main",),),
        {"main": ("main",)},
        1,
    ),
    # A package file changed: reloading packages in place is off by default.
    "package change": Row(
        [("main", "page", D), ("page", "pkg/lib", S)],
        ("pkg/lib",),
        PlanStatus.FULL_RELOAD,
        (("pkg/lib",), ("page",)),
        {"pkg/lib": ("pkg/lib",), "page": ("pkg/lib", "page")},
        1,
        boundaries=(("main", "dynamic-import", ("page",)),),
    ),
    # The same change with packages included is an ordinary plan.
    "package change included": Row(
        [("main", "page", D), ("page", "pkg/lib", S)],
        ("pkg/lib",),
        PlanStatus.OK,
        (("pkg/lib",), ("page",)),
        {"pkg/lib": ("pkg/lib",), "page": ("pkg/lib", "page")},
        1,
        boundaries=(("main", "dynamic-import", ("page",)),),
        include_packages=True,
    ),
    # A local file imported by a package (e.g. a plugin host) drags the package along: restart.
    "package importer": Row(
        [("main", "page", D), ("page", "pkg/host", S), ("pkg/host", "plugin", S)],
        ("plugin",),
        PlanStatus.FULL_RELOAD,
        (("plugin",), ("pkg/host",), ("page",)),
        {"plugin": ("plugin",), "pkg/host": ("plugin", "pkg/host"), "page": ("plugin", "pkg/host", "page")},
        1,
        boundaries=(("main", "dynamic-import", ("page",)),),
    ),
    # Builtins are never evicted and count as kept; a change naming one is a no-op.
    "builtins untouched": Row(
        [("main", "page", D), ("page", "node:fs", S), ("main", "node:path", S)],
        ("page",),
        PlanStatus.OK,
        (("page",),),
        {"page": ("page",)},
        3,
        boundaries=(("main", "dynamic-import", ("page",)),),
    ),
    "builtin named as changed": Row(
        [("main", "node:fs", S)], ("node:fs",), PlanStatus.NOOP, (), {}, 2
    ),
    # `unused` is in the graph (a scanned folder) but the entry never reaches it.
    "unloaded file": Row(
        [("main", "a", S), ("unused", "a", S)], ("unused",), PlanStatus.NOOP, (), {}, 2
    ),
    # `tool` imports (and import()s) modules the plan evicts, but the entry never loads it: it is neither
    # evicted nor a boundary.
    "unloaded importer": Row(
        [("main", "page", D), ("page", "a", S), ("tool", "a", S), ("tool", "page", D)],
        ("a",),
        PlanStatus.OK,
        (("a",), ("page",)),
        {"a": ("a",), "page": ("a", "page")},
        1,
        boundaries=(("main", "dynamic-import", ("page",)),),
    ),
    # A file the graph never saw.
    "file not in graph": Row([("main", "a", S)], ("elsewhere",), PlanStatus.NOOP, (), {}, 2),
    # A deleted module goes with its importers, whose re-import will then fail and roll back.
    "deleted file": Row(
        [("main", "page", D), ("page", "gone", S), ("page", "kept", S)],
        (),
        PlanStatus.OK,
        (("gone",), ("page",)),
        {"gone": ("gone",), "page": ("gone", "page")},
        2,
        boundaries=(("main", "dynamic-import", ("page",)),),
        deleted=("gone",),
    ),
    # Two changes: shortest chains from whichever is closer; shared importers evicted once.
    "several changed files": Row(
        [("main", "a", D), ("main", "b", D), ("a", "x", S), ("b", "y", S), ("a", "b", S), ("b", "z", Q)],
        ("x", "y"),
        PlanStatus.OK,
        (("x",), ("y",), ("b",), ("a",)),
        {"x": ("x",), "y": ("y",), "b": ("y", "b"), "a": ("x", "a")},
        2,
        boundaries=(("main", "dynamic-import", ("a", "b")),),
    ),
    # A require edge links like a static import; a JSON module is evicted like any other.
    "require and json": Row(
        [("main", "page", D), ("page", "cfg.json", S), ("page", "legacy", Q), ("legacy", "cfg.json", Q)],
        ("cfg.json",),
        PlanStatus.OK,
        (("cfg.json",), ("legacy",), ("page",)),
        {"cfg.json": ("cfg.json",), "legacy": ("cfg.json", "legacy"), "page": ("cfg.json", "page")},
        1,
        boundaries=(("main", "dynamic-import", ("page",)),),
    ),
    # The changed module accepts itself: it reloads alone, its importers stay.
    "changed module accepts": Row(
        [("main", "a", S), ("a", "b", S)],
        ("b",),
        PlanStatus.OK,
        (("b",),),
        {"b": ("b",)},
        2,
        boundaries=(("b", "accepts", ()),),
        accepting=("b",),
    ),
}


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_plan_table(row: Row) -> None:
    result = plan(
        graph(row.edges),
        [url(c) for c in row.changed],
        url("main"),
        accepting={url(a) for a in row.accepting},
        include_packages=row.include_packages,
        deleted={url(d) for d in row.deleted},
    )
    assert result.status is row.status, result.reason
    assert result.evict == tuple(tuple(url(n) for n in unit) for unit in row.evict)
    assert {c.url: result.path(c.url) for c in result.chains} == {
        url(k): tuple(url(n) for n in path) for k, path in row.chains.items()
    }
    assert result.boundaries == tuple(
        Boundary(url(b), BoundaryReason(reason), tuple(url(n) for n in imports))
        for b, reason, imports in row.boundaries
    )
    assert result.kept == row.kept
    assert (result.reason is not None) == (row.status in (PlanStatus.FULL_RELOAD, PlanStatus.RERUN))


def test_rerun_reason_names_the_entry() -> None:
    result = plan(graph([("main", "a", S)]), [url("a")], url("main"))
    assert (result.status, result.reason) == (PlanStatus.RERUN, f"{url('main')}: the entry would be evicted")


def test_restart_on_entry_asks_for_a_new_process_instead_of_a_rerun() -> None:
    result = plan(graph([("main", "a", S)]), [url("a")], url("main"), restart_on_entry=True)
    assert result.status is PlanStatus.FULL_RELOAD
    assert result.evict == ((url("a"),), (url("main"),))


def test_a_package_change_reaching_the_entry_restarts_rather_than_reruns() -> None:
    result = plan(graph([("main", "pkg/lib", S)]), [url("pkg/lib")], url("main"))
    assert result.status is PlanStatus.FULL_RELOAD
    assert result.reason is not None and "package module" in result.reason


def test_an_import_at_start_up_links_like_a_static_one() -> None:
    # The entry import()ed routes while it started: it will not call import() again, so it re-runs.
    startup = plan(graph([("main", "routes", ImportKind.STARTUP)]), [url("routes")], url("main"))
    assert (startup.status, startup.evict, startup.boundaries) == (
        PlanStatus.RERUN,
        ((url("routes"),), (url("main"),)),
        (),
    )
    # The same import() made per request is a boundary: the entry keeps running.
    later = plan(graph([("main", "routes", D)]), [url("routes")], url("main"))
    assert later.status is PlanStatus.OK


def test_a_package_that_imported_at_boot_is_kept_and_the_entry_re_runs() -> None:
    # @fastify/autoload's shape: the entry imports app, app imports the loader, the loader import()ed a route
    # while the app booted. The loader and app stay; the re-run entry calls the loader again.
    edges = [("main", "app", S), ("app", "pkg/autoload", S)]
    edges.append(("pkg/autoload", "routes/root", ImportKind.STARTUP))
    result = plan(graph(edges), [url("routes/root")], url("main"))
    assert (result.status, result.evict, result.reason) == (
        PlanStatus.RERUN,
        ((url("main"),), (url("routes/root"),)),
        f"{url('main')}: the entry would be evicted",
    )
    assert result.path(url("main")) == (url("routes/root"), url("main"))
    # The entry may itself be in a package (fastify-cli's cli.js): re-running it is no package reload.
    cli = [("pkg/cli", "app", ImportKind.STARTUP), ("app", "pkg/autoload", S)]
    cli.append(("pkg/autoload", "routes/root", ImportKind.STARTUP))
    assert plan(graph(cli), [url("app")], url("pkg/cli")).status is PlanStatus.RERUN
    assert plan(graph(cli), [url("routes/root")], url("pkg/cli")).status is PlanStatus.RERUN
    # A package linked statically is still a package reload.
    assert plan(graph(cli), [url("pkg/autoload")], url("pkg/cli")).status is PlanStatus.FULL_RELOAD
    # In a CommonJS app the loader require()s the app's files: the same re-run.
    required = graph([("main", "pkg/autoload", Q), ("pkg/autoload", "routes/root", Q)])
    commonjs = plan(required, [url("routes/root")], url("main"))
    assert (commonjs.status, commonjs.evict) == (PlanStatus.RERUN, ((url("main"),), (url("routes/root"),)))


def test_a_file_not_loaded_where_the_app_boots_from_re_runs_it() -> None:
    edges = [("main", "pkg/autoload", S), ("pkg/autoload", "routes/root", ImportKind.STARTUP)]
    new = url("routes/new")
    result = plan(graph(edges), [new], url("main"), booted_from=[new])
    assert (result.status, result.evict, result.kept) == (PlanStatus.RERUN, ((url("main"),),), 2)
    assert result.reason == f"{new}: not loaded, in a folder the app imports modules from while it boots"
    assert result.path(url("main")) == (new, url("main"))
    assert plan(graph(edges), [new], url("main")).status is PlanStatus.NOOP  # anywhere else: nothing to do


def test_package_json_change_needs_a_restart() -> None:
    result = plan(graph([("main", "a", S)]), ["file:///app/package.json"], url("main"))
    assert result.status is PlanStatus.FULL_RELOAD
    assert result.reason is not None and "package.json" in result.reason


# --- A plugin loader: a package module that imports the app's files by computed import() at start-up ---

APP_FOLDER = AppFolder("/app", ("/app/spec",))


def loader_graph(loader_kind: ImportKind = D, specifier: str | None = None) -> ModuleGraph:
    """main -> app -> pkg/loader, which import()s a computed specifier; app -> lib."""
    base = graph([("main", "app", S), ("app", "pkg/loader", S), ("app", "lib", S)])
    computed = Edge(url("pkg/loader"), None, loader_kind, specifier, 9, 30, "computed")
    return replace(base, edges=(*base.edges, computed))


def startup_plan(
    g: ModuleGraph, changed: list[str], *, restart_on_entry: bool = False, deleted: tuple[str, ...] = ()
) -> EvictionPlan:
    made = plan(g, changed, url("main"), deleted=set(deleted), restart_on_entry=restart_on_entry)
    return plan_loaded_at_startup(g, made, url("main"), APP_FOLDER, restart_on_entry=restart_on_entry)


def test_a_file_a_plugin_loader_may_import_reruns_the_app() -> None:
    route = "file:///app/routes/root.js"
    made = startup_plan(loader_graph(), [route])
    assert made.status is PlanStatus.RERUN
    assert made.reason == (
        f"{route}: not imported by name; {url('pkg/loader')} loads modules by computed import() at start-up,"
        " so the app re-runs"
    )
    assert made.evict == ((route,), (url("main"),))
    assert made.path(url("main")) == (route, url("main"))
    assert made.kept == 3  # main, app, lib and the loader are loaded: all but the entry stay
    # Created or deleted alike: the loader lists the folder again when the app re-runs.
    assert startup_plan(loader_graph(), [], deleted=(route,)).status is PlanStatus.RERUN
    # A deleted file a loaded module imports by name is the planner's alone, though the scan finds it missing.
    named = "file:///app/routes/named.js"
    g = loader_graph()
    g = replace(g, modules=(*g.modules, Module(named, ModuleKind.MISSING, Format.MODULE)),
                edges=(*g.edges, Edge(url("app"), named, S, "./routes/named.js", 2, 1)))
    assert "not imported by name" not in str(startup_plan(g, [], deleted=(named,)).reason)
    # With an in-place change beside it, the route still re-runs the app; the reload order keeps lib first.
    both = startup_plan(loader_graph(), [url("lib"), route])
    assert both.status is PlanStatus.RERUN
    assert both.evict == ((url("lib"),), (url("app"),), (route,), (url("main"),))
    restart = startup_plan(loader_graph(), [route], restart_on_entry=True)
    assert restart.status is PlanStatus.FULL_RELOAD
    assert restart.reason is not None and restart.reason.endswith("so the app restarts (restart on entry)")


def test_only_a_computed_import_in_a_loaded_package_module_loads_unnamed_files() -> None:
    route = "file:///app/routes/root.js"
    # A literal import() names what it loads; a computed require() or one in the app's own code is no
    # plugin loader; a loader the entry does not load imports nothing.
    literal = loader_graph(specifier="./routes/root.js")
    required = loader_graph(loader_kind=Q)
    own = replace(loader_graph(), edges=(*graph([("main", "app", S)]).edges,
                                         Edge(url("app"), None, D, None, 3, 9, "computed")))
    unloaded = replace(
        loader_graph(), edges=tuple(e for e in loader_graph().edges if e.target != url("pkg/loader"))
    )
    for g in (literal, required, own, unloaded):
        made = startup_plan(g, [route])
        assert (made.status, made.evict, made.reason) == (PlanStatus.NOOP, (), None)


def test_a_plan_that_restarts_or_reruns_anyway_keeps_its_reason() -> None:
    route = "file:///app/routes/root.js"
    restart = startup_plan(loader_graph(), [route, "file:///app/package.json"])
    assert restart.status is PlanStatus.FULL_RELOAD and "package.json" in str(restart.reason)
    rerun = startup_plan(loader_graph(), [url("app"), route])
    assert (rerun.status, rerun.reason) == (PlanStatus.RERUN, f"{url('main')}: the entry would be evicted")
    assert rerun.evict == ((url("app"),), (route,), (url("main"),))


# File (under /app, whose package.json names spec/ as its tests) -> whether a plugin loader may import it.
MAY_LOAD = {
    "routes/root.js": True,
    "routes/users/index.mjs": True,
    "plugins/db.cjs": True,
    "src/routes/a.ts": True,
    "lib/store.mts": True,
    "routes/README.md": False,  # not a module
    "routes/types.d.ts": False,  # Node never loads a declaration file
    "routes/view.tsx": False,  # Node runs no .tsx
    "server.js": False,  # beside package.json: the entry, or a tool's configuration file
    "eslint.config.js": False,
    ".github/hooks/x.js": False,  # a dot-folder: graphkit watch ignores it too
    "routes/.draft.js": False,
    "node_modules/pkg/index.js": False,
    "test/helper.js": False,  # what `node --test` runs by default
    "routes/test/fixture.js": False,
    "routes/root.test.js": False,
    "routes/root-test.mjs": False,
    "routes/root_test.ts": False,
    "routes/test-root.js": False,
    "routes/test.js": False,
    "spec/helper.js": False,  # package.json's directories.test
    "routes/testing.js": True,
    "routes/contest.js": True,
}


@pytest.mark.parametrize(("name", "loads"), MAY_LOAD.items(), ids=MAY_LOAD.keys())
def test_which_files_a_plugin_loader_may_import(name: str, loads: bool) -> None:
    assert APP_FOLDER.may_load(f"file:///app/{name}") is loads
    assert not APP_FOLDER.may_load(f"file:///elsewhere/{name}")


def test_the_app_folder_is_the_entrys_package_with_its_test_folder(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.js").write_text("")
    (tmp_path / "package.json").write_text('{"directories": {"test": "./checks/"}}')
    root = str(tmp_path.resolve())
    assert app_folder(tmp_path / "src" / "main.js") == AppFolder(root, (f"{root}/checks",))
    (tmp_path / "package.json").write_text("{not json")
    assert app_folder(tmp_path / "src" / "main.js") == AppFolder(root, ())


def test_plan_is_deterministic_whatever_the_input_order() -> None:
    edges = [("main", "a", D), ("main", "b", D), ("a", "x", S), ("b", "x", S), ("a", "b", S)]
    first = plan(graph(edges), [url("x")], url("main"))
    second = plan(graph(list(reversed(edges))), [url("x")], url("main"))
    assert first == second
    assert isinstance(first, EvictionPlan) and first.evict == ((url("x"),), (url("b"),), (url("a"),))


# --- Node as the oracle: apply plans in a real Node and watch what re-evaluates and what stays stale ---

APP = FIXTURES / "plan" / "app"
ORACLE = REPO / "tests" / "oracle" / "evict.mjs"

# Changed file (relative to the app) -> the plan status graphkit must give.
ORACLE_CASES = {
    # Deepest leaf: a cycle, two pages, the format helper and the accepting button all go.
    "words": ("lib/words.mjs", PlanStatus.OK),
    # CommonJS leaf under a require chain (CJS -> CJS -> createRequire in ESM).
    "space": ("lib/space.cjs", PlanStatus.OK),
    # A module inside an import cycle: its partner and the page above go, nothing else.
    "cycle": ("lib/cycle-a.mjs", PlanStatus.OK),
    # A page loaded by import(): it alone is evicted.
    "page": ("pages/home.mjs", PlanStatus.OK),
    # The accepting module itself: evicted and re-imported, panel keeps its old instance.
    "accepting": ("widgets/button.mjs", PlanStatus.OK),
    # Nothing imports it.
    "unused": ("lib/unused.mjs", PlanStatus.NOOP),
}


# The "words" plan minus one evicted importer: the oracle must see that importer's stale bindings.
LACKING = "words minus about"


@dataclass(frozen=True)
class OracleRun:
    plans: dict[str, EvictionPlan]
    jobs: list[dict[str, Any]]

    @property
    def planned(self) -> list[dict[str, Any]]:
        """The jobs whose eviction list is graphkit's own plan."""
        return [job for job in self.jobs if job["name"] != LACKING]

    @property
    def lacking(self) -> list[dict[str, Any]]:
        return [job for job in self.jobs if job["name"] == LACKING]


def _job(name: str, root: Path, made: EvictionPlan, modules: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "entry": path_to_url(root / "main.mjs"),
        "changed": list(made.changed),
        "evict": [url for unit in made.evict for url in unit],
        "boundaries": plan_to_dict(made)["boundaries"],
        "modules": modules,
    }


@pytest.fixture(scope="module")
def oracle_run(tmp_path_factory: pytest.TempPathFactory) -> OracleRun:
    """One copy of the app per case, so every case has its own URLs inside one Node process."""
    plans: dict[str, EvictionPlan] = {}
    jobs = []
    for name, (changed, _) in ORACLE_CASES.items():
        root = (tmp_path_factory.mktemp(name) / "app").resolve()
        shutil.copytree(APP, root)
        g = scan([root / "main.mjs"], use_cache=False)
        modules = sorted(m.url for m in g.modules if m.kind is ModuleKind.LOCAL)
        entry = path_to_url(root / "main.mjs")
        made = plan(g, [path_to_url(root / changed)], entry, accepting=accepting_modules(g))
        plans[name] = made
        jobs.append(_job(name, root, made, modules))
        if name == "words":
            lacking = [u for u in jobs[-1]["evict"] if not u.endswith("/pages/about.mjs")]
            jobs.append(jobs[-1] | {"name": LACKING, "evict": lacking})
    return OracleRun(plans, jobs)


def run_oracle(node: Path, jobs: list[dict[str, Any]], tmp_path: Path) -> dict[str, dict[str, Any]]:
    spec = tmp_path / "jobs.json"
    spec.write_text(json.dumps(jobs))
    done = subprocess.run(
        [str(node), "--expose-internals", "--no-warnings", str(ORACLE), str(spec)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    return {r["name"]: r for r in json.loads(done.stdout)}


def test_oracle_app_plans_have_the_expected_shape(oracle_run: OracleRun) -> None:
    for name, (_, status) in ORACLE_CASES.items():
        assert oracle_run.plans[name].status is status, (name, oracle_run.plans[name].reason)
    words = oracle_run.plans["words"]
    names = [tuple(u.rsplit("/app/", 1)[1] for u in unit) for unit in words.evict]
    assert names == [
        ("lib/words.mjs",),
        ("lib/cycle-a.mjs", "lib/cycle-b.mjs"),
        ("lib/format.mjs",),
        ("pages/about.mjs",),
        ("pages/home.mjs",),
        ("widgets/button.mjs",),
    ]
    assert [(b.url.rsplit("/app/", 1)[1], b.reason) for b in words.boundaries] == [
        ("widgets/button.mjs", "accepts"),
        ("main.mjs", "dynamic-import"),
    ]


def test_a_change_to_the_entrys_static_import_reruns_the_app() -> None:
    entry = path_to_url(APP / "main.mjs")
    made = plan(scan([APP / "main.mjs"], use_cache=False), [path_to_url(APP / "config.mjs")], entry)
    assert made.status is PlanStatus.RERUN
    assert made.reason == f"{entry}: the entry would be evicted"
    assert made.evict == ((path_to_url(APP / "config.mjs"),), (entry,))


def test_node_reevaluates_exactly_the_plan_and_nothing_stays_stale(
    any_node: Path, oracle_run: OracleRun, tmp_path: Path
) -> None:
    results = run_oracle(any_node, oracle_run.planned, tmp_path)
    assert len(oracle_run.planned) == len(ORACLE_CASES)
    for job in oracle_run.planned:
        result = results[job["name"]]
        # Minimality: each evicted module evaluated once more, no other module at all.
        assert sorted(result["reevaluated"]) == sorted(job["evict"]), job["name"]
        assert result["late"] == [], job["name"]
        # Sufficiency: every live module is linked to the current instance of each dependency.
        assert result["stale"] == [], job["name"]
        assert result["oldCode"] == [], job["name"]


def test_node_sees_stale_code_when_one_importer_is_left_out(
    oracle_run: OracleRun, tmp_path: Path
) -> None:
    result = run_oracle(node_binary(20), oracle_run.lacking, tmp_path)[LACKING]
    stale_about = [pair for pair in result["stale"] if pair[0].endswith("/pages/about.mjs")]
    assert {dep.rsplit("/app/", 1)[1] for _, dep in stale_about} == {"lib/format.mjs", "lib/words.mjs"}


def test_plans_over_the_live_graph_match_the_static_ones() -> None:
    # The graph Node itself loaded gives the same evictions as the scan, for every oracle case, once the
    # import() calls main made while starting (which the scan cannot time) count as plain import() again.
    entry = path_to_url(APP / "main.mjs")
    static = scan([APP / "main.mjs"], use_cache=False)
    loaded = live_graph(APP / "main.mjs", node=node_binary(20))
    startup = [e for e in loaded.edges if e.kind is ImportKind.STARTUP]
    assert {e.target for e in startup} == {
        path_to_url(APP / p) for p in ("pages/home.mjs", "pages/about.mjs", "widgets/panel.mjs")
    }
    live = replace(
        loaded,
        edges=tuple(replace(e, kind=ImportKind.DYNAMIC) if e in startup else e for e in loaded.edges),
    )
    for changed, _ in ORACLE_CASES.values():
        urls = [path_to_url(APP / changed)]
        from_scan = plan(static, urls, entry, accepting=accepting_modules(static))
        from_node = plan(live, urls, entry, accepting=accepting_modules(live))
        assert (from_node.status, from_node.evict, from_node.boundaries, from_node.chains) == (
            from_scan.status, from_scan.evict, from_scan.boundaries, from_scan.chains
        ), changed


def test_an_import_whose_namespace_the_importer_kept_counts_as_static() -> None:
    from graphkit.graph.links import link_graph
    from graphkit.planning.planner import kept_holder, plan_graph

    links = link_graph(graph([("main", "lib", S), ("lib", "routes", D), ("routes", "word", S)]))
    loaded = frozenset(links)
    in_place = plan_graph(links, [url("word")], url("main"), loaded=loaded, accepting=frozenset())
    assert (in_place.status, in_place.boundaries) == (
        PlanStatus.OK, (Boundary(url("lib"), BoundaryReason.DYNAMIC_IMPORT, (url("routes"),)),)
    )
    kept = {(url("lib"), url("routes"))}
    rerun = plan_graph(links, [url("word")], url("main"), loaded=loaded, accepting=frozenset(), kept=kept)
    assert rerun.status is PlanStatus.RERUN
    assert rerun.path(url("main")) == (url("word"), url("routes"), url("lib"), url("main"))
    assert rerun.reason == (
        f"{url('lib')}: import()ed {url('routes')} once and its old instance outlived a reload in place"
    )
    assert kept_holder(rerun, url("main"), kept) == (url("lib"), url("routes"))
    assert kept_holder(in_place, url("main"), kept) is None
