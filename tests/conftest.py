"""Shared test helpers: paths of the repository, its fixtures and the Node majors the setup installs."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
CORPUS = REPO / ".cache" / "corpus" / "node_modules"
NODE_MAJORS = (18, 20, 22, 24, 26)


def node_binary(major: int) -> Path:
    """The binary `scripts/install-nodes.sh` installed; a missing one fails the test, never skips it."""
    path = REPO / ".cache" / "node" / str(major) / "bin" / "node"
    if not path.exists():
        pytest.fail(f"{path} is missing: run scripts/install-nodes.sh (make test does)")
    return path


def system_node() -> Path:
    found = shutil.which("node")
    if found is None:
        pytest.fail("node is not on PATH")
    return Path(found)


@pytest.fixture(params=NODE_MAJORS, ids=lambda m: f"node{m}")
def any_node(request: pytest.FixtureRequest) -> Path:
    """Runs a test once per installed Node major."""
    return node_binary(request.param)


@pytest.fixture(params=(True, False), ids=("inotify", "watchfiles"))
def inotify(request: pytest.FixtureRequest) -> bool:
    """Runs a watcher test once per backend: Linux inotify, then watchfiles."""
    return bool(request.param)


@pytest.fixture(autouse=True, scope="session")
def temporary_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test, and every graphkit process a test starts, caches under a temporary folder, never in
    the user's own cache."""
    folder = tmp_path_factory.mktemp("graphkit-cache")
    previous = os.environ.get("GRAPHKIT_CACHE_DIR")
    os.environ["GRAPHKIT_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        del os.environ["GRAPHKIT_CACHE_DIR"]
    else:
        os.environ["GRAPHKIT_CACHE_DIR"] = previous
