"""The probe's own detection of the Node internals it relies on (``node_probe/internals/``).

Each private part of Node is taken away from the probe in a real Node, by ``tests/internals/breaker.mjs``
preloaded before it: the app's start ends with one line naming the feature and the Node version, before
any of the app's code runs, under ``graphkit watch``'s host, ``graphkit live`` and ``live -- node``.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from graphkit.errors import NodeError, ProbeError
from graphkit.live.host import Host
from graphkit.live.probe import attach_graph, live_graph
from tests.conftest import NODE_MAJORS, node_binary

BREAKER = Path(__file__).resolve().parent / "internals" / "breaker.mjs"
# What the breaker takes away -> the feature the line names.
FEATURES = {
    "loader": "the ESM loader",
    "import": "the ESM loader",
    "layout": "the ESM loader",
    "module records": "module records",
    "main module references": "the main module references",
    "error decoration": "error decoration",
    "server handles": "server handles",
}
ENTRY_POINT_MAJOR = 22  # the first Node that keeps the main module's references


@pytest.fixture
def app(tmp_path: Path) -> Path:
    """An app that leaves a mark as soon as any of its code runs."""
    entry = tmp_path / "main.mjs"
    entry.write_text(
        f"import {{ writeFileSync }} from 'node:fs';\nwriteFileSync({str(tmp_path / 'ran')!r}, 'x');\n"
        "setTimeout(() => {}, 30_000);\n"
    )
    return entry


def breaking(monkeypatch: pytest.MonkeyPatch, feature: str) -> None:
    monkeypatch.setenv("NODE_OPTIONS", f"--import={BREAKER.as_uri()}")
    monkeypatch.setenv("GRAPHKIT_BREAK", feature)


def graphkit_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("graphkit")]


@pytest.mark.parametrize("major", NODE_MAJORS, ids=lambda m: f"node{m}")
@pytest.mark.parametrize("feature", FEATURES)
def test_a_missing_feature_ends_the_start_with_one_line(
    app: Path, major: int, feature: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    breaking(monkeypatch, feature)
    with Host(app, node=node_binary(major), stderr=subprocess.PIPE) as host:
        if feature == "main module references" and major < ENTRY_POINT_MAJOR:
            assert host.ping().startswith(f"v{major}.")  # not needed there: the app runs
            assert (app.parent / "ran").exists()
            return
        with pytest.raises(ProbeError, match=r"\bstatus 2\b"):
            host.ping()
        assert host.process.stderr is not None
        stderr = host.process.stderr.read().decode()
    version = re.escape(f"v{major}.")
    assert re.fullmatch(
        rf"graphkit: unsupported Node {version}\d+\.\d+: {FEATURES[feature]}: .+\n", stderr
    ), stderr
    assert not (app.parent / "ran").exists()


def test_a_node_newer_than_the_tested_ones_warns_once_and_runs(
    app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    breaking(monkeypatch, "newer major")
    with Host(app, node=node_binary(24), stderr=subprocess.PIPE) as host:
        host.ping()
        assert (app.parent / "ran").exists()
        host.close()
        assert host.process.stderr is not None
        lines = graphkit_lines(host.process.stderr.read().decode())
    assert lines == ["graphkit: warning: Node v24" + lines[0].removeprefix("graphkit: warning: Node v24")]
    assert "newer than the newest tested (26)" in lines[0]


@pytest.mark.parametrize("attached", [False, True], ids=["live", "live-attached"])
def test_graphkit_live_names_the_missing_feature(
    app: Path, attached: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    breaking(monkeypatch, "server handles")
    node = node_binary(20)
    with pytest.raises(NodeError, match=r"unsupported Node v20\.\d+\.\d+: server handles: .*owner_symbol"):
        if attached:
            attach_graph([str(node), str(app)])
        else:
            live_graph(app, node=node)
    assert not (app.parent / "ran").exists()
