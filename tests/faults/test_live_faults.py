"""Faults under `graphkit live`: a dump never catches the app half way through loading a module."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from graphkit.model.urls import path_to_url
from tests.conftest import node_binary
from tests.faults.conftest import GRAPHKIT

REPEATS = 8  # the dump used to land inside the top-level await about one run in four

SLOW = """\
import './dep.mjs';
await new Promise((resolve) => setTimeout(resolve, 20));
export const value = 1;
"""


def write_slow_app(root: Path, main: str) -> Path:
    root.mkdir()
    (root / "main.mjs").write_text(main)
    (root / "slow.mjs").write_text(SLOW)
    (root / "dep.mjs").write_text("export const dep = 1;\n")
    return root / "main.mjs"


def live(*args: str | Path, cwd: Path) -> dict[str, Any]:
    run = subprocess.run(
        [GRAPHKIT, "live", "--json", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    document: dict[str, Any] = json.loads(run.stdout)
    return document


def assert_settled(document: dict[str, Any], root: Path) -> None:
    assert {m["url"]: m["status"] for m in document["modules"]} == {
        path_to_url(root / name): "evaluated" for name in ("main.mjs", "slow.mjs", "dep.mjs")
    }
    # Called while the entry evaluates, the import() is a start-up edge.
    dynamic = [e for e in document["edges"] if e["kind"] == "startup"]
    assert [(e["to"], e["error"]) for e in dynamic] == [(path_to_url(root / "slow.mjs"), None)]
    assert not [e for e in document["edges"] if e["to"] is None and e["error"] is None]


@pytest.mark.parametrize("major", [18, 20])
def test_the_dump_waits_for_a_top_level_await_import(major: int, tmp_path: Path) -> None:
    entry = write_slow_app(tmp_path / "app", "const { value } = await import('./slow.mjs');\n")
    for _ in range(REPEATS):
        assert_settled(live("--", node_binary(major), entry, cwd=tmp_path), entry.parent)


@pytest.mark.parametrize("major", [18, 20])
def test_an_import_in_flight_when_the_dump_is_taken_has_its_target(major: int, tmp_path: Path) -> None:
    # The entry does not wait for its import(): `graphkit live ENTRY` dumps while it is still loading.
    entry = write_slow_app(tmp_path / "app", "import('./slow.mjs');\n")
    document = live(entry, "--node", node_binary(major), cwd=tmp_path)
    dynamic = [(e["to"], e["error"]) for e in document["edges"] if e["kind"] == "startup"]
    assert dynamic == [(path_to_url(entry.parent / "slow.mjs"), None)]


def test_an_entry_that_awaits_forever_is_still_dumped(tmp_path: Path) -> None:
    # A server loop written as a top-level `for await` never settles: the dump comes once nothing loads.
    entry = write_slow_app(
        tmp_path / "app",
        "await import('./slow.mjs');\nawait new Promise(() => setInterval(() => {}, 1000));\n",
    )
    assert_settled(live("--", node_binary(20), entry, cwd=tmp_path), entry.parent)
