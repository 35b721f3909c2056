"""`graphkit scan` on bad inputs: never a hang or a traceback; a bad path is one line and exit 2."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from graphkit.extract.files import start_method
from graphkit.graph.crawl import scan
from tests.conftest import CORPUS, FIXTURES
from tests.faults.helpers import GRAPHKIT, graphkit, one_error_line

HANG = 60  # seconds; a scan that takes this long on a few files is hanging


def problem_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if "read-error" in line]


def test_fifo_in_a_scanned_folder_is_a_problem_row(app: Path) -> None:
    os.mkfifo(app / "x.mjs")
    run = graphkit("scan", app, timeout=HANG)
    assert run.status == 0
    [line] = problem_lines(run.out)
    assert "x.mjs" in line and "not a regular file" in line


def test_imported_fifo_is_a_problem_row(app: Path) -> None:
    os.mkfifo(app / "pipe.mjs")
    (app / "main.mjs").write_text('import "./pipe.mjs";\n')
    run = graphkit("scan", "--json", app / "main.mjs", timeout=HANG)
    assert run.status == 0
    assert '"read-error"' in run.out and "not a regular file" in run.out


def test_socket_in_a_scanned_folder_is_a_problem_row(app: Path) -> None:
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(app / "s.mjs"))
        run = graphkit("scan", app, timeout=HANG)
    assert run.status == 0
    [line] = problem_lines(run.out)
    assert "s.mjs" in line and "not a regular file" in line


def test_fifo_named_as_the_entry_is_one_line(app: Path) -> None:
    os.mkfifo(app / "x.mjs")
    run = graphkit("scan", app / "x.mjs", timeout=HANG)
    assert run.status == 2
    one_error_line(run, str(app / "x.mjs"), "not a regular file")


def test_ctrl_c_during_a_parallel_scan_exits_130_without_a_traceback() -> None:
    # A terminal sends SIGINT to the whole foreground process group: the scan and its workers.
    process = subprocess.Popen(
        [*GRAPHKIT, "scan", "--no-cache", CORPUS],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        while process.poll() is None and not children.read_text().split():
            threading.Event().wait(0.01)  # the pool's workers are the event: nothing to block on
        assert process.poll() is None, "the scan ended before its workers started"
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=HANG)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 130
    assert "Traceback" not in err


def test_unreadable_entry_exits_2(app: Path) -> None:
    (app / "main.mjs").chmod(0)
    run = graphkit("scan", app / "main.mjs")
    assert run.status == 2
    one_error_line(run, str(app / "main.mjs"), "Permission denied")


def test_unreadable_folder_exits_2(app: Path) -> None:
    app.chmod(0)
    try:
        run = graphkit("scan", app)
    finally:
        app.chmod(0o755)
    assert run.status == 2
    one_error_line(run, str(app), "Permission denied")


def test_unreadable_folder_inside_a_scanned_folder_exits_2(app: Path) -> None:
    inner = app / "inner"
    inner.mkdir()
    (inner / "x.mjs").write_text("export {};\n")
    inner.chmod(0)
    try:
        run = graphkit("scan", app)
    finally:
        inner.chmod(0o755)
    assert run.status == 2
    one_error_line(run, str(inner), "Permission denied")


def test_entry_inside_an_unreadable_folder_exits_2(app: Path) -> None:
    app.chmod(0)
    try:
        run = graphkit("scan", app / "main.mjs")
    finally:
        app.chmod(0o755)
    assert run.status == 2
    one_error_line(run, str(app / "main.mjs"), "Permission denied")


@pytest.mark.parametrize("shape", ["long-name", "long-path"])
def test_path_longer_than_the_system_allows_exits_2(app: Path, shape: str) -> None:
    name = "n" * (os.pathconf(app, "PC_NAME_MAX") + 1)
    path = app / name if shape == "long-name" else app.joinpath(*["d" * 200] * 30, "x.mjs")
    run = graphkit("scan", path)
    assert run.status == 2
    one_error_line(run, "too long")


def test_read_error_shows_no_position(app: Path) -> None:
    os.mkfifo(app / "x.mjs")
    [line] = problem_lines(graphkit("scan", app, timeout=HANG).out)
    assert "None" not in line
    assert line.strip().startswith(f"{app / 'x.mjs'}: read-error")


def test_empty_condition_is_refused(app: Path) -> None:
    run = graphkit("scan", "-C", "", app / "main.mjs")
    assert run.status == 2
    assert "condition" in run.err_lines[-1] and run.out == ""


def test_file_url_is_taken_as_its_path(app: Path) -> None:
    spaced = app / "with space.mjs"
    spaced.write_text('import "./dep.mjs";\n')
    by_url = graphkit("scan", "--json", spaced.as_uri())
    assert (by_url.status, by_url.err) == (0, "")
    assert by_url.out == graphkit("scan", "--json", spaced).out


def test_other_url_is_refused_with_a_line_saying_to_pass_a_path() -> None:
    run = graphkit("scan", "https://example.com/main.mjs")
    assert run.status == 2
    assert "pass a path" in run.err_lines[-1]


def test_parallel_scan_in_a_threaded_process_does_not_fork_it() -> None:
    """A Jupyter kernel runs threads: forking it can deadlock a worker, so the pool starts another way."""
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert start_method() != "fork"
        threaded = scan([FIXTURES], use_cache=False)
    finally:
        release.set()
        other.join()
    assert threaded == scan([FIXTURES], use_cache=False)


def test_a_50_mb_file_scans_in_under_500_mb(tmp_path: Path) -> None:
    """The parser holds a window of the file at a time, not a syntax tree of all 50 MB (2.5 GB)."""
    (tmp_path / "dep.mjs").write_text("export const a = 1;\n")
    chunk = (
        "import {{ a as a{0} }} from './dep.mjs';\n"
        "export function f{0}(x) {{ return [1, 2, 3].map((v) => v * x + a{0}) /* {0} */; }}\n"
    )
    big = tmp_path / "big.mjs"
    with big.open("w") as handle:
        count = size = 0
        while size < 50_000_000:
            size += handle.write(chunk.format(count))
            count += 1
    # Measured from a small process: a child forked from this (large) test process would count the test's
    # own memory in its peak, which is kept across exec.
    measure = (
        "import resource, subprocess, sys; "
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
        "print(done.stdout, end='')"
    )
    run = subprocess.run(
        [sys.executable, "-c", measure, *GRAPHKIT, "scan", "--no-cache", big],
        capture_output=True,
        text=True,
        check=True,
    )
    head, out = run.stdout.split("\n", 1)
    status, peak_kib = map(int, head.split())
    assert status == 0
    assert f"imports: {count} ({count} static)" in out
    assert peak_kib * 1024 < 500_000_000  # ru_maxrss is in KiB on Linux
