"""Hostile input is one line or a value, never a traceback: JSON nested thousands deep, a file of one huge
statement, control characters and bytes that are not UTF-8 in names and specifiers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


_MEASURED = (
    "import resource, sys\n"
    "from graphkit.cli import main\n"
    "status = main(sys.argv[1:])\n"
    "peak = max(resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))\n"
    "print(peak, file=sys.stderr)\n"
    "sys.exit(status)\n"
)


def test_a_100_mb_statement_is_read_in_bounded_memory_and_what_it_hides_is_one_problem_row(
    tmp_path: Path,
) -> None:
    big = tmp_path / "big.mjs"
    with big.open("wb") as out:
        out.write(b"import './a.mjs';\nexport default [")
        for _ in range(50):
            out.write(b"1," * 1_000_000)
        out.write(b"];\nimport './b.mjs';\n")
    for name in ("a.mjs", "b.mjs"):
        (tmp_path / name).write_text("export {};\n")
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, "scan", str(big), "--json", "--no-cache"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert [e["specifier"] for e in doc["edges"]] == ["./a.mjs"]
    # The import after the statement is not read, and the row says so at the statement's line.
    assert [(p["url"], p["line"], p["code"]) for p in doc["problems"]] == [
        (path_to_url(big), 2, "statement-too-large")
    ]
    peak_kb = int(done.stderr.split()[-1])
    assert peak_kb < 400_000, f"{peak_kb} KB"


_CONTROL = "\x1b]0;title\x07\x1b[31m\x9b"  # OSC that sets a window title, BEL, a colour, a C1 CSI


def _no_control(text: str) -> None:
    assert not any((ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F for c in text), repr(text)


def test_control_characters_in_names_and_specifiers_are_printed_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"e{_CONTROL}.mjs"
    (tmp_path / name).write_text(f"import './{_CONTROL}gone.mjs';\n")
    (tmp_path / "main.mjs").write_text(f"import './{name}';\n")
    monkeypatch.chdir(tmp_path)
    for argv in (
        ["scan", "."],
        ["plan", name, "--entry", "main.mjs"],
        ["graph", "main.mjs", "--format", "mermaid"],
        ["graph", "main.mjs", "--format", "dot"],
    ):
        main(argv)
        out, err = capsys.readouterr()
        _no_control(out)
        _no_control(err)
        shown = "e\\x1b]0;title\\x07\\x1b[31m\\x9b.mjs"  # what the name holds, readable
        assert shown in (out.replace("\\\\", "\\") if "dot" in argv else out), argv  # DOT doubles "\\"


def test_a_file_name_that_is_not_utf8_has_the_url_node_gives_it_and_its_imports(tmp_path: Path) -> None:
    bad = os.fsencode(tmp_path) + b"/bad\xff\xfe.mjs"
    with open(bad, "wb") as out:
        out.write(b"import './a.mjs';\n")
    (tmp_path / "a.mjs").write_text("export {};\n")
    (tmp_path / "main.mjs").write_text("import './bad%FF%FE.mjs';\n")
    ran = subprocess.run([node_binary(24), "main.mjs"], cwd=tmp_path, capture_output=True, text=True)
    url = path_to_url(tmp_path) + "/bad%FF%FE.mjs"
    assert f"input: '{url}'" in ran.stderr  # the URL Node resolves it to (and then refuses: URIError)
    graph = scan([tmp_path], use_cache=False)
    assert url in {m.url for m in graph.modules if m.kind.value == "local"}
    assert {(e.source, e.specifier, e.target, e.error) for e in graph.edges} == {
        (url, "./a.mjs", path_to_url(tmp_path / "a.mjs"), None),
        (path_to_url(tmp_path / "main.mjs"), "./bad%FF%FE.mjs", None, "URIError"),
    }
