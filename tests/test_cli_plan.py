"""`graphkit plan` on the demo fixture and on apps with a plugin loader, and finding the entry from
package.json (Node as the oracle)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from graphkit.cli import main
from graphkit.errors import UsageError
from graphkit.live.probe import live_graph
from graphkit.model import ImportKind, PlanStatus
from graphkit.planning.files import plan_files
from graphkit.resolve.entry import find_entry
from graphkit.resolve.resolver import path_to_url
from tests.conftest import FIXTURES, REPO, node_binary, system_node

DEMO = FIXTURES / "demo"


def test_text_output_is_a_tree_of_chains_with_boundaries(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # No --entry: package.json names main.mjs, and the first line says so.
    monkeypatch.chdir(DEMO)
    assert main(["plan", str(DEMO / "routes" / "home.mjs")]) == 0
    assert capsys.readouterr().out == (
        "entry: main.mjs (from package.json; --entry to choose)\n"
        "routes/home.mjs  [changed]\n"
        "└── main.mjs  [dynamic import(): kept, re-imports]\n"
        "reload order: routes/home.mjs\n"
        "in-place: 1 evicted in 1 unit, 1 boundary, 8 kept\n"
    )


def test_live_plans_over_what_node_loaded(capsys: pytest.CaptureFixture[str]) -> None:
    # config.json routes to home only: Node never loads routes/about.mjs. Node also shows that main
    # import()ed the route while starting, never to call it again: main re-runs with it.
    assert main(["plan", str(DEMO / "routes" / "home.mjs"), "--live", "--node", str(system_node())]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "rerun: main.mjs: the entry would be evicted"
        " (2 evicted in 2 units, 0 boundaries, 6 kept)"
    )


def test_text_output_explains_a_rerun(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(DEMO / "lib" / "format.mjs"), "--entry", str(DEMO / "main.mjs")]) == 0
    assert capsys.readouterr().out == (
        "lib/format.mjs  [changed]\n"
        "├── lib/greet.mjs\n"
        "│   └── main.mjs\n"
        "└── routes/home.mjs\n"
        # main links greet only; its import() of routes/home.mjs does not order the reload.
        "reload order: lib/format.mjs, lib/greet.mjs, main.mjs, routes/home.mjs\n"
        "rerun: main.mjs: the entry would be evicted (4 evicted in 4 units, 0 boundaries, 5 kept)\n"
    )


def test_restart_on_entry_plans_a_restart_instead(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GRAPHKIT_CACHE_DIR", str(tmp_path / "cache"))
    changed, entry = DEMO / "lib" / "format.mjs", DEMO / "main.mjs"
    assert main(["plan", str(changed), "--entry", str(entry), "--restart-on-entry"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "restart: main.mjs: the entry would be evicted (restart on entry)"
        " (4 evicted in 4 units, 0 boundaries, 5 kept)"
    )


def test_json_output_is_the_plan_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(DEMO / "lib" / "pad.cjs"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    names = ("lib/pad.cjs", "lib/format.mjs", "lib/greet.mjs", "main.mjs", "routes/home.mjs")
    url = {name: path_to_url(DEMO / name) for name in names}
    assert doc["status"] == "rerun"
    assert doc["reason"] == f"{url['main.mjs']}: the entry would be evicted"
    assert doc["changed"] == [url["lib/pad.cjs"]]
    assert doc["evict"] == [[url[name]] for name in names]
    assert doc["chains"][url["lib/pad.cjs"]] is None  # changed
    assert doc["chains"][url["lib/format.mjs"]] == url["lib/pad.cjs"]  # reached through what it imports


def test_dot_output_marks_the_plan(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(DEMO / "routes" / "home.mjs"), "--format", "dot"]) == 0
    lines = capsys.readouterr().out.splitlines()
    # The legend's swatch for "changed" is the colour the changed module is filled with.
    legend = next(line for line in lines if line.strip().startswith('"legend"'))
    changed_fill = re.search(r'BGCOLOR="([^"]+)"> </TD><TD ALIGN="LEFT">changed<', legend)
    assert changed_fill is not None
    node_id = f'"{path_to_url(DEMO / "routes" / "home.mjs")}" ['
    home = next(line for line in lines if line.strip().startswith(node_id))
    assert f'fillcolor="{changed_fill[1]}"' in home


def test_svg_output_comes_from_dot(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["plan", str(DEMO / "routes" / "home.mjs"), "--format", "svg"]) == 0
    assert b"<svg" in capsysbinary.readouterr().out


def test_missing_file_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(DEMO / "lib" / "nope.mjs")]) == 2
    assert capsys.readouterr().err == f"graphkit: {DEMO / 'lib' / 'nope.mjs'}: no such file\n"


def test_no_package_json_means_no_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lone = tmp_path / "lone.mjs"
    lone.write_text("export {};\n")
    assert main(["plan", str(lone)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no package.json" in err and "--entry" in err


def test_package_json_without_entry_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "x", "type": "module"}')
    (tmp_path / "a.mjs").write_text("export {};\n")
    with pytest.raises(UsageError, match=r"package\.json: no \"main\" or \"exports\""):
        find_entry(tmp_path / "a.mjs")


def test_main_naming_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"main": "gone.mjs"}')
    with pytest.raises(UsageError, match=r"main names 'gone\.mjs', which does not exist"):
        find_entry(tmp_path)


# package.json fields -> the file that holds the entry; Node resolves the same package for comparison.
ENTRY_CASES: dict[str, tuple[dict[str, Any], str, str]] = {
    # `node <dir>` runs main.
    "main": ({"main": "src/app.mjs"}, "src/app.mjs", "main"),
    # main without extension is completed like require() does.
    "main without extension": ({"main": "src/app"}, "src/app.js", "main"),
    # main naming a folder: its index.js.
    "main folder": ({"main": "src"}, "src/index.js", "main"),
    # exports as a plain string.
    "exports string": ({"exports": "./src/app.mjs"}, "src/app.mjs", "exports"),
    # Condition order is the object's: `import` before `require`.
    "exports conditions": ({"exports": {"require": "./src/app.js", "import": "./src/app.mjs"}}, "src/app.mjs",
                           "exports"),
    # A "." subpath with nested conditions and a fallback array.
    "exports subpath": (
        {"exports": {".": {"node": [{"worker": "./no.mjs"}, "./src/app.mjs"]}, "./x": "./src/index.js"}},
        "src/app.mjs",
        "exports",
    ),
}

# For `main`, the folder as `node <dir>` sees it; for `exports`, a self-reference through import.meta.resolve.
RESOLVER = """
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const out = [];
for (const [kind, dir] of JSON.parse(process.argv[1])) {
  if (kind === 'main') out.push(pathToFileURL(createRequire(dir + '/').resolve(dir)).href);
  else out.push((await import(pathToFileURL(dir + '/probe.mjs').href)).resolved);
}
console.log(JSON.stringify(out));
"""


def test_find_entry_agrees_with_node(tmp_path: Path) -> None:
    queries = []
    for i, (fields, expected, kind) in enumerate(ENTRY_CASES.values()):
        pkg = tmp_path / f"p{i}"
        (pkg / "src").mkdir(parents=True)
        for name in ("src/app.mjs", "src/app.js", "src/index.js"):
            (pkg / name).write_text("export {};\n" if name.endswith(".mjs") else "\n")
        (pkg / "package.json").write_text(json.dumps({"name": f"p{i}", **fields}))
        (pkg / "probe.mjs").write_text(f"export const resolved = import.meta.resolve('p{i}');\n")
        assert find_entry(pkg / "src" / "app.mjs") == (pkg / expected).resolve()
        queries.append((kind, str(pkg)))
    done = subprocess.run(
        [str(system_node()), "--input-type=module", "-e", RESOLVER, json.dumps(queries)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    node_says = json.loads(done.stdout)
    for (kind, folder), (_, expected, _) in zip(queries, ENTRY_CASES.values(), strict=True):
        assert node_says.pop(0) == path_to_url(Path(folder, expected).resolve()), (kind, folder)


# --- A plugin loader: a package that imports a folder of the app's by computed import() while it boots ---

LOADER_APP = FIXTURES / "plugin-loader"
FASTIFY_CLI_APP = REPO / ".cache" / "fastify-cli-app" / "esm"
# The server Fastify's documentation writes for a fastify-cli app: it registers app.js and listens.
FASTIFY_SERVER = """import Fastify from 'fastify'
import app from './app.js'
const fastify = Fastify()
fastify.register(app)
fastify.listen({ port: 3000 }, (err) => { if (err) throw err })
"""


def loader_reason(app: Path, changed: str, loader: str) -> str:
    return (
        f"{path_to_url(app / changed)}: not imported by name; {path_to_url(app / loader)} loads modules by "
        "computed import() at start-up, so the app re-runs"
    )


def test_a_file_a_plugin_loader_imports_reruns_the_app(capsys: pytest.CaptureFixture[str]) -> None:
    # Nothing server.js loads imports routes/root.js by name; the loader package imports it while booting.
    entry = LOADER_APP / "server.js"
    assert main(["plan", str(LOADER_APP / "routes" / "root.js"), "--entry", str(entry)]) == 0
    assert capsys.readouterr().out == (
        "routes/root.js  [changed]\n"
        "└── server.js\n"
        "reload order: routes/root.js, server.js\n"
        "rerun: routes/root.js: not imported by name; node_modules/folder-loader/index.js loads modules by"
        " computed import() at start-up, so the app re-runs (2 evicted in 2 units, 0 boundaries, 5 kept)\n"
    )
    assert main(["plan", str(LOADER_APP / "routes" / "root.js"), "--entry", str(entry), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    root, server = path_to_url(LOADER_APP / "routes" / "root.js"), path_to_url(entry)
    assert doc["status"] == "rerun"
    assert doc["reason"] == loader_reason(LOADER_APP, "routes/root.js", "node_modules/folder-loader/index.js")
    assert doc["evict"] == [[root], [server]]
    assert doc["chains"] == {root: None, server: root}


def test_without_entry_the_app_plugin_package_json_names_reruns(capsys: pytest.CaptureFixture[str]) -> None:
    # package.json names app.js, the plugin that loads routes/ through the loader: it is the entry.
    assert main(["plan", str(LOADER_APP / "routes" / "users" / "index.js"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "rerun"
    assert doc["reason"] == loader_reason(
        LOADER_APP, "routes/users/index.js", "node_modules/folder-loader/index.js"
    )
    assert doc["evict"][-1] == [path_to_url(LOADER_APP / "app.js")]


def test_the_tests_of_an_app_with_a_plugin_loader_change_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    for test in ("test/helper.js", "test/routes/root.test.js"):
        assert main(["plan", str(LOADER_APP / test), "--entry", str(LOADER_APP / "server.js")]) == 0
        last = capsys.readouterr().out.splitlines()[-1]
        assert last == "noop: nothing loaded depends on the change (6 kept)", test


def test_the_plan_reruns_for_exactly_the_files_node_loads_through_the_loader() -> None:
    # Node as the oracle: the live graph holds the loader's import() of every plugin and route (made after
    # server.js has returned, while the app boots), and the scan's plan re-runs the app for each file Node
    # loaded and for no other file of the app.
    entry = LOADER_APP / "server.js"
    live = live_graph(entry, node=node_binary(22))  # read once the app has booted
    loader = path_to_url(LOADER_APP / "node_modules" / "folder-loader" / "index.js")
    by_loader = {e.target for e in live.edges if e.source == loader}
    loaded = ("plugins/greeting.js", "routes/root.js", "routes/users/index.js")
    assert by_loader == {path_to_url(LOADER_APP / name) for name in loaded}
    assert {e.kind for e in live.edges if e.source == loader} == {ImportKind.STARTUP}
    held = {m.url for m in live.modules}
    files = sorted(p for p in LOADER_APP.rglob("*.js") if "node_modules" not in p.parts)
    assert len(files) == 8
    for file in files:
        made = plan_files([file], entry=entry).plan
        assert (made.status is PlanStatus.RERUN) == (path_to_url(file) in held), (file, made.reason)
        assert made.status in (PlanStatus.RERUN, PlanStatus.NOOP), (file, made.status)


def test_a_route_of_the_app_fastify_cli_generates_reruns_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # @fastify/autoload imports routes/ and plugins/ by import(pathToFileURL(file).href) while the app boots.
    if not (FASTIFY_CLI_APP / "app.js").is_file():
        pytest.fail(f"{FASTIFY_CLI_APP} is missing: run scripts/install-fastify-cli-app.sh (make test does)")
    app = tmp_path / "app"
    shutil.copytree(FASTIFY_CLI_APP, app, ignore=shutil.ignore_patterns("node_modules"))
    (app / "node_modules").symlink_to(FASTIFY_CLI_APP / "node_modules")
    (app / "server.js").write_text(FASTIFY_SERVER)
    autoload = (FASTIFY_CLI_APP / "node_modules" / "@fastify" / "autoload" / "index.js").resolve()
    for entry in ("server.js", None):  # without --entry, package.json's main: app.js, the app as a plugin
        named = ["--entry", str(app / entry)] if entry else []
        assert main(["plan", str(app / "routes" / "root.js"), *named, "--json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert doc["status"] == "rerun", entry
        assert doc["reason"] == (
            f"{path_to_url(app / 'routes' / 'root.js')}: not imported by name; {path_to_url(autoload)} loads"
            " modules by computed import() at start-up, so the app re-runs"
        )
        assert doc["evict"][-1] == [path_to_url(app / (entry or "app.js"))]
    assert main(["plan", str(app / "routes" / "root.js"), "--entry", str(app / "server.js")]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith(
        "rerun: routes/root.js: not imported by name; "
    )
    for test in ("test/helper.js", "test/routes/root.test.js"):
        assert main(["plan", str(app / test), "--entry", str(app / "server.js"), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["status"] == "noop", test
    # The live plan agrees: the loader is kept, the entry re-runs.
    live = ["--live", "--node", str(node_binary(24)), "--entry", str(app / "server.js"), "--json"]
    assert main(["plan", str(app / "routes" / "root.js"), *live]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["status"], doc["evict"]) == (
        "rerun", [[path_to_url(app / "routes" / "root.js")], [path_to_url(app / "server.js")]]
    )


def test_a_warm_plan_loads_neither_the_parser_nor_a_process_pool(tmp_path: Path) -> None:
    # A preview from an editor or a git hook: with the stored graph warm nothing is parsed, so what parses
    # (tree-sitter), parses in parallel (multiprocessing) or writes the cache (secrets) is never imported.
    # The cold run, which parses, shows that the check sees them load.
    home, entry = DEMO / "routes" / "home.mjs", DEMO / "main.mjs"
    code = (
        "import sys\nfrom graphkit.cli import main\n"
        f"status = main(['plan', {str(home)!r}, '--entry', {str(entry)!r}])\n"
        "heavy = ('multiprocessing', 'secrets', 'tree_sitter')\n"
        "print('loaded:', [m for m in heavy if m in sys.modules], file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    env = {**os.environ, "GRAPHKIT_CACHE_DIR": str(tmp_path / "cache")}
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        for _ in range(2)
    ]
    cold, warm = ([line for line in run.stderr.splitlines() if line.startswith("loaded:")] for run in runs)
    assert runs[0].stdout == runs[1].stdout and "in-place: 1 evicted" in runs[1].stdout
    assert cold == ["loaded: ['tree_sitter']"]
    assert warm == ["loaded: []"]
