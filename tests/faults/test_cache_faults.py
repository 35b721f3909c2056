"""The extraction cache is an optimisation, never a failure: every fault ends in the scan's full output."""

from __future__ import annotations

import marshal
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from graphkit.extract.cache import ExtractionCache
from graphkit.graph.crawl import inputs
from graphkit.graph.stored import GraphStore
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


OTHER_UID = 65534  # nobody: the other user, played by root in the suite


def planted_names(cache: Path) -> list[str]:
    """The files a scan of the demo reads and writes in ``cache``."""
    return [ExtractionCache(cache).path.name, GraphStore(inputs([DEMO]), ()).path.name]


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="playing another user takes root")


@needs_root
def test_a_cache_folder_of_another_user_is_not_used(tmp_path: Path, cache: Path, expected: str) -> None:
    victim = tmp_path / "victim"
    victim.write_text("root's own\n")
    victim.chmod(0o600)
    cache.mkdir()
    names = planted_names(tmp_path / "elsewhere")
    for name in names:
        (cache / name).symlink_to(victim)
    os.chown(cache, OTHER_UID, OTHER_UID)
    run = graphkit("scan", "--json", DEMO, cache=cache)
    assert_scanned_with_one_warning(run, expected, str(cache), "another user")
    assert victim.read_text() == "root's own\n"
    assert sorted(p.name for p in cache.iterdir()) == sorted(names)


def test_a_cache_folder_others_can_write_is_not_used(cache: Path, expected: str) -> None:
    cache.mkdir()
    cache.chmod(0o777)
    run = graphkit("scan", "--json", DEMO, cache=cache)
    assert_scanned_with_one_warning(run, expected, str(cache), "writable by other users")
    assert list(cache.iterdir()) == []


def test_a_new_cache_folder_is_private(cache: Path) -> None:
    assert graphkit("scan", DEMO, cache=cache).status == 0
    assert cache.stat().st_mode & 0o777 == 0o700
    assert {p.stat().st_mode & 0o077 for p in cache.iterdir()} == {0}


@needs_root
@pytest.mark.parametrize("owner", ["user", "other"])
def test_a_stored_graph_is_loaded_only_when_it_is_the_users(cache: Path, expected: str, owner: str) -> None:
    cache_file(cache)
    (stored,) = cache.glob("graph-*")
    data = list(marshal.loads(stored.read_bytes()))
    _, kind, form = data[1][0]
    data[1] = [*data[1], ("file:///planted.mjs", kind, form)]  # a module no scan finds
    stored.write_bytes(marshal.dumps(tuple(data)))
    stored.chmod(0o644)
    if owner == "other":
        os.chown(stored, OTHER_UID, OTHER_UID)
    run = graphkit("scan", "--json", DEMO, cache=cache)
    assert run.status == 0
    if owner == "user":  # the planted graph is one graphkit would serve: the refusal below is what stops it
        assert "planted.mjs" in run.out
    else:
        assert run.out == expected
        one_error_line(run, "warning", str(stored), "another user", "not loaded")
