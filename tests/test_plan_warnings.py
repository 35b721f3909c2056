"""Plans that may be wrong say so: an app that fails to load (exit 1, as `graphkit live`), unresolved
imports where the change reaches, and an entry found automatically that is probably not the app's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphkit.api import plan
from graphkit.cli import main
from tests.conftest import node_binary


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


@pytest.fixture
def broken_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An app whose entry imports a file that is not there; b.mjs is loaded by nothing."""
    write(
        tmp_path,
        {
            "package.json": json.dumps({"type": "module", "main": "main.mjs"}),
            "main.mjs": "import './a.mjs';\nimport './missing.mjs';\n",
            "a.mjs": "export const a = 1;\n",
            "b.mjs": "export const b = 1;\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_plan_over_an_app_that_fails_to_load_warns_and_exits_1(
    broken_app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "b.mjs"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines()[-1].startswith("noop")  # the plan is still shown
    assert "main.mjs:2: './missing.mjs' ERR_MODULE_NOT_FOUND" in err.splitlines()[0]
    assert main(["plan", "b.mjs", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["status"] == "noop"


@pytest.mark.parametrize("major", [20, 24])
def test_a_live_plan_over_an_app_node_fails_to_load_exits_1_as_live_does(
    broken_app: Path, major: int, capsys: pytest.CaptureFixture[str]
) -> None:
    node = str(node_binary(major))
    assert main(["live", "main.mjs", "--node", node]) == 1
    capsys.readouterr()
    assert main(["plan", "b.mjs", "--live", "--node", node]) == 1
    err = capsys.readouterr().err
    assert "Node failed to load the app: ERR_MODULE_NOT_FOUND" in err


def test_unresolved_imports_in_evicted_modules_are_named_beside_the_plan(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.mjs": "import './a.mjs';\n",
            "a.mjs": "export const a = 1;\nexport const later = () => import('./gone.mjs');\n",
        },
    )
    made = plan(tmp_path / "a.mjs", entry=tmp_path / "main.mjs")
    assert made.plan.evict  # dynamic: the app loads, the plan stands, with one warning
    assert len(made.warnings) == 1 and "'./gone.mjs' ERR_MODULE_NOT_FOUND" in made.warnings[0]
    # A change to main.mjs evicts main.mjs alone: a.mjs, which it imports, is kept, and so is its import().
    assert plan(tmp_path / "main.mjs", entry=tmp_path / "main.mjs").warnings == ()
    write(tmp_path, {"gone.mjs": "export {};\n"})
    assert plan(tmp_path / "a.mjs", entry=tmp_path / "main.mjs").warnings == ()


@pytest.fixture
def monorepo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(
        tmp_path,
        {
            "package.json": json.dumps({"private": True, "workspaces": ["packages/*"]}),
            "packages/lib/package.json": json.dumps({"name": "lib", "main": "index.js", "type": "module"}),
            "packages/lib/index.js": "export const x = 1;\n",
            "packages/app/package.json": json.dumps(
                {"name": "app", "main": "main.js", "type": "module", "dependencies": {"lib": "*"}}
            ),
            "packages/app/main.js": "import { x } from 'lib';\nconsole.log(x);\n",
            "node_modules/ms/package.json": json.dumps({"name": "ms", "main": "index.js"}),
            "node_modules/ms/index.js": "module.exports = 1;\n",
        },
    )
    (tmp_path / "node_modules" / "lib").symlink_to(tmp_path / "packages" / "lib")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("changed", "entry", "doubt"),
    [
        # From the monorepo root, the library's own package.json names the library.
        ("packages/lib/index.js", "packages/lib/index.js", "the entry found is the changed file itself"),
        # A file of a package: that package's main.
        ("node_modules/ms/index.js", "node_modules/ms/index.js", "is a package under node_modules"),
    ],
)
def test_an_automatic_entry_is_named_first_and_doubted_where_it_is_likely_wrong(
    monorepo: Path, changed: str, entry: str, doubt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", changed]) == 0
    out, err = capsys.readouterr()
    manifest = str(Path(entry).parent / "package.json")
    assert out.splitlines()[0] == f"entry: {entry} (from {manifest}; --entry to choose)"
    assert doubt in err and "pass --entry" in err
    assert main(["plan", changed, "--entry", "packages/app/main.js"]) == 0
    out, err = capsys.readouterr()
    assert not out.startswith("entry:") and err == ""


def test_an_app_whose_own_entry_changed_is_not_doubted(
    monorepo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The app member of the workspace: no other member depends on it.
    assert main(["plan", "packages/app/main.js"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("entry: packages/app/main.js (from packages/app/package.json;") and err == ""
