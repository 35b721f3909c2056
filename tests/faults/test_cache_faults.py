"""The extraction cache is an optimisation, never a failure: every fault ends in the scan's full output."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from graphkit.extract.cache import ExtractionCache
from tests.conftest import FIXTURES
from tests.faults.helpers import Run, graphkit, one_error_line

DEMO = FIXTURES / "demo"


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def expected() -> str:
    """What the scan prints with no cache at all."""
    run = graphkit("scan", "--json", "--no-cache", DEMO)
    assert run.status == 0 and run.err == ""
    return run.out


def cache_file(cache: Path) -> Path:
    """The cache's database after one scan has filled it."""
    assert graphkit("scan", DEMO, cache=cache).status == 0
    return ExtractionCache(cache).path


def assert_scanned_with_one_warning(run: Run, expected: str, *needles: str) -> None:
    assert run.status == 0
    assert run.out == expected
    one_error_line(run, "warning", *needles)


def assert_rebuilt(cache: Path, expected: str) -> None:
    """The damaged file was kept aside, and the new cache serves the next scan without a word."""
    path = ExtractionCache(cache).path
    assert path.with_name(path.name + ".damaged").exists()
    again = graphkit("scan", "--json", DEMO, cache=cache)
    assert (again.status, again.out, again.err) == (0, expected, "")


def test_garbage_cache_is_moved_aside_and_rebuilt(cache: Path, expected: str) -> None:
    cache_file(cache).write_bytes(b"not a database at all\n" * 100)
    run = graphkit("scan", "--json", DEMO, cache=cache)
    assert_scanned_with_one_warning(run, expected, str(cache), "damaged")
    assert_rebuilt(cache, expected)


def test_truncated_cache_is_moved_aside_and_rebuilt(cache: Path, expected: str) -> None:
    shutil.rmtree(cache, ignore_errors=True)
    graphkit("scan", FIXTURES, cache=cache)  # enough rows for several pages
    path = ExtractionCache(cache).path
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2)
    run = graphkit("scan", "--json", DEMO, cache=cache)
    assert_scanned_with_one_warning(run, expected, str(cache), "damaged")
    assert_rebuilt(cache, expected)


def test_cache_with_a_bad_row_is_moved_aside_and_rebuilt(cache: Path, expected: str) -> None:
    path = cache_file(cache)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE files SET data = x'00ff'")
    db.close()
    for stored in cache.glob("graph-*"):
        stored.unlink()  # else the kept graph serves the scan and no row is read
    run = graphkit("scan", "--json", DEMO, cache=cache)
    assert_scanned_with_one_warning(run, expected, str(cache), "damaged")
    assert_rebuilt(cache, expected)


@pytest.mark.parametrize("damage", [b"", b"not a graph\n", b"\xe9\x07\x00\x00"])
def test_damaged_stored_graph_is_rebuilt_with_one_warning(cache: Path, expected: str, damage: bytes) -> None:
    cache_file(cache)
    (stored,) = cache.glob("graph-*")
    stored.write_bytes(damage)
    run = graphkit("scan", "--json", DEMO, cache=cache)
    assert_scanned_with_one_warning(run, expected, str(stored), "damaged")
    again = graphkit("scan", "--json", DEMO, cache=cache)
    assert (again.status, again.out, again.err) == (0, expected, "")


def test_read_only_cache_folder_scans_without_it(cache: Path, expected: str) -> None:
    cache.mkdir()
    cache.chmod(0o555)
    run = graphkit("scan", "--json", DEMO, cache=cache)
    assert_scanned_with_one_warning(run, expected, str(cache), "without")


def test_read_only_cache_file_scans_without_it(cache: Path) -> None:
    path = cache_file(cache)
    path.chmod(0o444)
    # Only the demo is cached: the scan must write the entries of the graphs fixtures, and cannot.
    run = graphkit("scan", "--json", FIXTURES / "graphs", DEMO, cache=cache)
    assert run.status == 0
    one_error_line(run, "warning", str(path), "without")


def test_cache_path_that_is_a_file_scans_without_it(cache: Path, expected: str) -> None:
    cache.write_text("a file where the cache folder should be\n")
    run = graphkit("scan", "--json", DEMO, cache=cache)
    assert_scanned_with_one_warning(run, expected, str(cache), "without")


def test_cache_locked_by_another_process_scans_without_it(cache: Path, expected: str) -> None:
    path = cache_file(cache)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        run = graphkit("scan", "--json", DEMO, cache=cache)
    finally:
        holder.close()
    assert_scanned_with_one_warning(run, expected, str(path), "locked", "without")


def test_cp_p_over_a_cached_file_is_parsed_again(tmp_path: Path, cache: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    for name in ("b", "c"):
        (app / f"{name}.mjs").write_text("export default 1;\n")
    main = app / "main.mjs"
    main.write_text('import "./b.mjs";\n')
    first = graphkit("scan", "--json", main, cache=cache)
    assert "b.mjs" in first.out
    before = main.stat()
    replacement = tmp_path / "replacement.mjs"
    replacement.write_text('import "./c.mjs";\n')
    subprocess.run(["touch", "--reference", main, replacement], check=True)
    subprocess.run(["cp", "-p", replacement, main], check=True)
    after = main.stat()
    # cp -p overwrote in place with the same size and mtime: only the change time tells.
    same = ("st_size", "st_mtime_ns", "st_ino")
    assert [getattr(after, f) for f in same] == [getattr(before, f) for f in same]
    again = graphkit("scan", "--json", main, cache=cache)
    assert (again.status, again.err) == (0, "")
    assert again.out == graphkit("scan", "--json", "--no-cache", main).out
    assert "c.mjs" in again.out and "b.mjs" not in again.out


def test_unreadable_file_is_a_read_error_cached_or_not(tmp_path: Path, cache: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "a.mjs").write_text('import "./b.mjs";\n')
    (app / "b.mjs").write_text("export default 1;\n")
    assert "read-error" not in graphkit("scan", app, cache=cache).out  # now cached
    (app / "a.mjs").chmod(0)
    cached = graphkit("scan", "--json", app, cache=cache)
    uncached = graphkit("scan", "--json", "--no-cache", app)
    assert cached.out == uncached.out
    assert '"read-error"' in cached.out
