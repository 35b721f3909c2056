"""The nearest package.json under each stop rule, the node_modules test, and entry finding through the
``exports`` resolver (Node as the oracle for a target it refuses)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from graphkit.errors import UsageError
from graphkit.model.urls import in_node_modules, path_to_url
from graphkit.resolve.entry import find_entry
from graphkit.resolve.packages import StopRule, nearest_package_json
from tests.conftest import system_node


def test_each_stop_rule_ends_the_walk_where_its_loader_does(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text("{}")
    plain = tmp_path / "node_modules" / "p" / "lib"
    suffixed = tmp_path / "my_node_modules" / "lib"
    plain.mkdir(parents=True)
    suffixed.mkdir(parents=True)
    top = str(tmp_path / "package.json")
    # ESM stops at any folder named *node_modules, CommonJS only at node_modules, ROOT nowhere.
    assert nearest_package_json(str(suffixed), StopRule.ESM) is None
    assert nearest_package_json(str(suffixed), StopRule.COMMONJS) == top
    assert nearest_package_json(str(plain), StopRule.COMMONJS) is None
    assert nearest_package_json(str(plain), StopRule.ROOT) == top
    (plain.parent / "package.json").write_text("{}")
    assert nearest_package_json(str(plain), StopRule.ESM) == str(plain.parent / "package.json")


def test_in_node_modules_needs_a_whole_folder_name() -> None:
    assert in_node_modules("file:///app/node_modules/p/x.js")
    assert in_node_modules("/app/node_modules/@s/p/x.js")
    assert not in_node_modules("/app/my_node_modules/x.js")
    assert not in_node_modules("/app/node_modules.js")
    assert not in_node_modules("node:fs")


def test_an_exports_target_node_refuses_is_refused_for_the_entry(tmp_path: Path) -> None:
    pkg = tmp_path / "p"
    pkg.mkdir()
    (pkg / "app.mjs").write_text("export {};\n")
    # Not "./"-relative: Node throws ERR_INVALID_PACKAGE_TARGET rather than loading app.mjs.
    (pkg / "package.json").write_text(json.dumps({"name": "p", "exports": "app.mjs"}))
    (pkg / "probe.mjs").write_text(
        "try { import.meta.resolve('p'); } catch (error) { console.log(error.code); }\n"
    )
    done = subprocess.run(
        [str(system_node()), str(pkg / "probe.mjs")], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.strip() == "ERR_INVALID_PACKAGE_TARGET", done.stderr
    with pytest.raises(UsageError, match=r'Invalid "exports" target app\.mjs .*; pass --entry'):
        find_entry(pkg / "app.mjs")


def test_the_entry_is_the_exports_target_node_resolves(tmp_path: Path) -> None:
    pkg = tmp_path / "p"
    (pkg / "dist").mkdir(parents=True)
    (pkg / "dist" / "app.mjs").write_text("export {};\n")
    exports = {".": {"types": "./no.d.ts", "import": {"node": "./dist/app.mjs"}}}
    (pkg / "package.json").write_text(json.dumps({"name": "p", "exports": exports}))
    (pkg / "probe.mjs").write_text("console.log(import.meta.resolve('p'));\n")
    done = subprocess.run(
        [str(system_node()), str(pkg / "probe.mjs")], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.strip() == path_to_url(find_entry(pkg)), done.stderr
