"""`graphkit plan` on the demo fixture, and finding the entry from package.json (Node as the oracle)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from graphkit.cli import main
from graphkit.errors import UsageError
from graphkit.resolve.entry import find_entry
from graphkit.resolve.resolver import path_to_url
from tests.conftest import FIXTURES, system_node

DEMO = FIXTURES / "demo"


def test_text_output_is_a_tree_of_chains_with_boundaries(capsys: pytest.CaptureFixture[str]) -> None:
    # No --entry: package.json names main.mjs.
    assert main(["plan", str(DEMO / "routes" / "home.mjs")]) == 0
    assert capsys.readouterr().out == (
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
        "re-run: main.mjs: the entry would be evicted"
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
        "re-run: main.mjs: the entry would be evicted (4 evicted in 4 units, 0 boundaries, 5 kept)\n"
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
    changed_fill = next(line for line in lines if '"legend:changed"' in line).split("fillcolor=")[1]
    node_id = f'"{path_to_url(DEMO / "routes" / "home.mjs")}" ['
    home = next(line for line in lines if line.strip().startswith(node_id))
    assert home.endswith(changed_fill)


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
