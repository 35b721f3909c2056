"""The stored graph: a warm scan, which re-checks and redoes only what changed, equals a scan from nothing.

Random edits to a small project (imports added and removed, files deleted and created, package.json
types, symlinks, template imports, package files) are each followed by a warm scan with the cache and a
cold one without it; the two graphs must be equal every time, for an entry file and for a folder.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphkit.errors import CacheWarning
from graphkit.graph.crawl import Scanner, crawl, inputs, scan
from graphkit.graph.stored import GraphStore
from tests.conftest import FIXTURES

NAMES = ("a.mjs", "b.mjs", "c.js", "lib/x.mjs", "lib/y.mjs", "node_modules/pkg/index.js")
SPECIFIERS = (
    "./a.mjs",
    "./b.mjs",
    "./c.js",
    "./lib/x.mjs",
    "./alias/y.mjs",  # through the symlink, when there is one
    "./gone.mjs",
    "pkg",
    "node:fs",
)


def _source(imports: list[str], template: bool) -> str:
    lines = [f"import {json.dumps(s)};" for s in imports]
    if template:
        lines.append("const name = 'x'; await import(`./lib/${name}.mjs`);")
    return "\n".join(lines) + "\nexport default 1;\n"


edits = st.one_of(
    st.tuples(
        st.just("write"),
        st.sampled_from(("main.mjs", *NAMES)),
        st.lists(st.sampled_from(SPECIFIERS), max_size=3, unique=True),
        st.booleans(),
    ),
    st.tuples(st.just("delete"), st.sampled_from(NAMES)),
    st.tuples(st.just("type"), st.sampled_from(("module", "commonjs", None))),
    st.tuples(st.just("alias"), st.booleans()),
)


def _apply(root: Path, edit: tuple[object, ...]) -> None:
    match edit:
        case ("write", str(name), list(imports), bool(template)):
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(_source(imports, template))
        case ("delete", str(name)):
            (root / name).unlink(missing_ok=True)
        case ("type", kind):
            fields = {"name": "app", **({"type": kind} if kind else {})}
            (root / "package.json").write_text(json.dumps(fields))
        case ("alias", bool(present)):
            alias = root / "alias"
            alias.unlink(missing_ok=True)
            if present:
                (root / "lib").mkdir(exist_ok=True)
                alias.symlink_to("lib", target_is_directory=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(edits, min_size=1, max_size=8))
def test_a_warm_scan_after_any_edits_equals_a_cold_scan(steps: list[tuple[object, ...]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _apply(root, ("type", "module"))
        _apply(root, ("write", "main.mjs", ["./a.mjs", "./lib/x.mjs"], False))
        for step in [("write", "node_modules/pkg/index.js", [], False), *steps]:
            _apply(root, step)
            for target in (root / "main.mjs", root):
                assert scan([target]) == scan([target], use_cache=False), (step, target)


def _restore(target: Path) -> int | None:
    scanner = Scanner()
    try:
        return GraphStore(inputs([target]), ()).restore(scanner)
    finally:
        scanner.close()


def test_an_unchanged_graph_is_served_without_reading_a_file(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", demo, symlinks=True)
    cold = scan([demo / "main.mjs"])
    assert _restore(demo / "main.mjs") == 0
    assert scan([demo / "main.mjs"]) == cold


def test_a_changed_file_is_read_again_alone(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", demo, symlinks=True)
    scan([demo / "main.mjs"])
    home = demo / "routes" / "home.mjs"
    home.write_text(home.read_text() + "\nimport '../lib/extra.mjs';\n")
    (demo / "lib" / "extra.mjs").write_text("export {};\n")
    # Nothing looked for the new file before, so the stored graph holds: only home.mjs is read again.
    assert _restore(demo / "main.mjs") == 1
    assert scan([demo / "main.mjs"]) == scan([demo / "main.mjs"], use_cache=False)


def test_what_the_accepting_modules_are_comes_with_the_stored_graph(tmp_path: Path) -> None:
    (tmp_path / "main.mjs").write_text("import './a.mjs';\n")
    (tmp_path / "a.mjs").write_text(
        "const hot = globalThis[Symbol.for('graphkit.hot')]?.(import.meta);\nhot?.accept(() => {});\n"
    )
    first = crawl([tmp_path / "main.mjs"])
    assert first.accepting == {(tmp_path / "a.mjs").as_uri()}
    assert crawl([tmp_path / "main.mjs"]) == first


@pytest.mark.parametrize("damage", [b"", b"garbage", b"\xe9\x00\x00\x00"])
def test_a_damaged_stored_graph_warns_once_and_is_rebuilt(tmp_path: Path, damage: bytes) -> None:
    (tmp_path / "main.mjs").write_text("import './a.mjs';\n")
    (tmp_path / "a.mjs").write_text("export {};\n")
    cold = scan([tmp_path / "main.mjs"])
    GraphStore(inputs([tmp_path / "main.mjs"]), ()).path.write_bytes(damage)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert scan([tmp_path / "main.mjs"]) == cold
    lines = [str(w.message) for w in caught if w.category is CacheWarning]
    assert len(lines) == 1 and "damaged" in lines[0] and lines[0].startswith("cache "), lines
    assert _restore(tmp_path / "main.mjs") == 0  # rebuilt: the next scan is served from it
