"""The built distributions as a user gets them: the sdist carries the tests, and the wheel, installed in a
fresh virtual environment outside the checkout, runs `graphkit live` and a hot reload under `watch`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO, node_binary

WAIT = 60.0  # seconds; only reached when something is broken


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An sdist, and a wheel built from that sdist (so the sdist is known to build)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", out, REPO], check=True, capture_output=True, timeout=600
    )
    return out


@pytest.fixture(scope="module")
def installed(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh venv holding only the wheel and its dependencies."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, timeout=300)
    [wheel] = dist.glob("*.whl")
    subprocess.run(
        [venv / "bin" / "pip", "install", "-q", wheel], check=True, capture_output=True, timeout=600
    )
    return venv / "bin"


def test_the_distribution_has_its_own_name_and_a_license(dist: Path) -> None:
    [wheel] = dist.glob("*.whl")
    assert wheel.name.startswith("esm_graphkit-")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith(".dist-info/LICENSE") for n in names)


def test_the_wheel_ships_the_probe_but_not_its_tests(dist: Path) -> None:
    [wheel] = dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    probe = REPO / "graphkit" / "live" / "node_probe"
    shipped = [p for p in probe.rglob("*.mjs") if "test" not in p.relative_to(probe).parts]
    assert any(p.parent.name == "internals" for p in shipped)
    assert {f"graphkit/live/{p.relative_to(probe.parent).as_posix()}" for p in shipped} <= names
    assert not [n for n in names if "node_probe/test" in n]


def test_the_sdist_carries_what_its_tests_need(dist: Path) -> None:
    [sdist] = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    tracked = subprocess.run(
        ["git", "ls-files", "-z", "tests", "fixtures", "scripts", "bench", "graphkit/live/node_probe/test"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")[:-1]
    assert set(tracked) <= names
    assert {"Makefile", "LICENSE", "pyproject.toml"} <= names


def test_installed_wheel_runs_live_outside_the_checkout(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [installed / "python", "-c", "import graphkit; print(graphkit.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert Path(where).is_relative_to(installed.parent)
    run = subprocess.run(
        [installed / "graphkit", "live", "--node", node_binary(22), FIXTURES / "demo" / "main.mjs"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout.startswith("Node 22.")


def test_installed_wheel_names_its_version_and_where_hot_d_ts_is(installed: Path, tmp_path: Path) -> None:
    def run(*argv: str) -> str:
        done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, check=True, timeout=WAIT)
        return done.stdout.strip()

    version = run(str(installed / "python"), "-c", "import graphkit; print(graphkit.__version__)")
    assert version == run(str(installed / "python"), "-m", "pip", "show", "esm-graphkit").split()[3]
    assert run(str(installed / "graphkit"), "--version") == f"graphkit {version}"
    types = Path(run(str(installed / "graphkit"), "--hot-types"))
    assert types.is_relative_to(installed.parent)
    assert types.read_bytes() == (REPO / "graphkit" / "live" / "node_probe" / "hot.d.ts").read_bytes()


def test_installed_wheel_hot_reloads_under_watch(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "main.mjs").write_text(
        'import { message } from "./message.mjs";\nconsole.log(message);\nsetInterval(() => {}, 1 << 30);\n'
    )
    message = tmp_path / "message.mjs"
    message.write_text('export const message = "first";\n')
    process = subprocess.Popen(
        [installed / "graphkit", "watch", "--node", node_binary(22), tmp_path / "main.mjs"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "first"
        message.write_text('export const message = "second";\n')
        assert process.stdout.readline().strip() == "second"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=WAIT)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
