"""Hostile input is one line or a value, never a traceback: JSON nested thousands deep, a file of one huge
statement, control characters and bytes that are not UTF-8 in names and specifiers."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from graphkit.cli import main
from graphkit.graph.crawl import scan
from graphkit.resolve.resolver import path_to_url
from tests.conftest import node_binary


def deep_package(folder: Path, depth: int) -> None:
    folder.mkdir(parents=True)
    (folder / "package.json").write_text('{"name": "deep", "x": ' + "[" * depth + "]" * depth + "}")
    (folder / "index.js").write_text("module.exports = 1;\n")


def test_a_package_json_nested_2000_deep_is_read_as_node_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    deep_package(tmp_path / "node_modules" / "deep", 2000)
    (tmp_path / "package.json").write_text(json.dumps({"type": "module", "main": "main.mjs"}))
    (tmp_path / "main.mjs").write_text("import d from 'deep';\nconsole.log(d);\n")
    ran = subprocess.run([node_binary(24), "main.mjs"], cwd=tmp_path, capture_output=True, text=True)
    assert ran.stdout == "1\n"  # Node reads it
    graph = scan([tmp_path / "main.mjs"], use_cache=False)
    assert [e.target for e in graph.edges] == [path_to_url(tmp_path / "node_modules" / "deep" / "index.js")]
    monkeypatch.chdir(tmp_path)
    assert main(["plan", "main.mjs"]) == 0
    assert main(["scan", "."]) == 0
    capsys.readouterr()


def test_json_nested_deeper_than_graphkit_reads_is_one_unresolved_import(tmp_path: Path) -> None:
    deep_package(tmp_path / "node_modules" / "deep", 30_000)
    (tmp_path / "main.mjs").write_text("import d from 'deep';\n")
    [edge] = scan([tmp_path / "main.mjs"], use_cache=False).edges
    assert edge.target is None and edge.error == "ERR_INVALID_PACKAGE_CONFIG"
