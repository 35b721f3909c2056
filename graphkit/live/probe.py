"""Running ``node_probe/`` to read the live module graph out of Node's ESM loadCache.

The probe writes its graph document to a file this side names, never to the app's stdout, so whatever
the app prints cannot corrupt it. Two ways in: ``live_graph`` imports an entry under ``dump.mjs``;
``attach_graph`` runs the user's own ``node ...`` command with ``attach.mjs`` preloaded.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from graphkit.errors import InputError, NodeError, ProbeError
from graphkit.live.nodebin import find_node
from graphkit.model import ModuleGraph
from graphkit.model.codec import graph_from_json

__all__ = ["PROBE_DIR", "attach_graph", "live_graph"]

PROBE_DIR = Path(__file__).resolve().parent / "node_probe"
_POLL_SECONDS = 0.02
_TAIL_LINES = 5


def live_graph(
    entry: Path,
    *,
    node: Path | str = "node",
    timeout: float = 30.0,
    wait_ms: int = 0,
    node_args: Sequence[str] = (),
) -> ModuleGraph:
    """Import ``entry`` in a fresh Node, wait for its evaluation plus ``wait_ms``, and read loadCache."""
    if not entry.is_file():
        raise InputError(f"{entry}: entry file not found")
    binary = find_node(node)
    with tempfile.TemporaryDirectory(prefix="graphkit-probe-") as scratch:
        out = Path(scratch) / "graph.json"
        command = [
            binary.path,
            "--expose-internals",
            *node_args,
            str(PROBE_DIR / "dump.mjs"),
            str(entry.resolve()),
            "--wait",
            str(wait_ms),
            "--out",
            str(out),
        ]
        graph = _run(command, out, Path(scratch) / "stderr", timeout=timeout, what=str(entry), env=None)
    return replace(graph, node=binary.version)


def attach_graph(command: Sequence[str], *, timeout: float = 30.0, wait_ms: int = 0) -> ModuleGraph:
    """Run ``node [flags] app [args]`` with the probe preloaded; dump ``wait_ms`` after its main module ran.

    The app is stopped once the document is written (or when it exits on its own).
    """
    if not command:
        raise InputError("graphkit live: no command given after --")
    binary = find_node(command[0])
    with tempfile.TemporaryDirectory(prefix="graphkit-attach-") as scratch:
        out = Path(scratch) / "graph.json"
        argv = [
            binary.path,
            "--expose-internals",
            "--import",
            (PROBE_DIR / "attach.mjs").as_uri(),
            *command[1:],
        ]
        env = {**os.environ, "GRAPHKIT_PROBE_OUT": str(out), "GRAPHKIT_PROBE_WAIT": str(wait_ms)}
        graph = _run(argv, out, Path(scratch) / "stderr", timeout=timeout, what=" ".join(command), env=env)
    return replace(graph, node=binary.version)


def _run(
    argv: list[str], out: Path, stderr_path: Path, *, timeout: float, what: str, env: dict[str, str] | None
) -> ModuleGraph:
    with stderr_path.open("wb") as stderr:
        # A session of its own: the app's children go with it when it is stopped.
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr, env=env,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        try:
            while not out.exists() and process.poll() is None:
                if time.monotonic() > deadline:
                    raise ProbeError(
                        f"{what}: probe timed out after {timeout:g}s{_tail(stderr_path)}"
                    )
                time.sleep(_POLL_SECONDS)
        finally:
            _stop(process)
    if not out.exists():
        raise _failure(what, process.returncode, stderr_path)
    return graph_from_json(out.read_text(encoding="utf-8"), source=f"{what} (live graph)")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    process.wait()


def _tail(stderr_path: Path) -> str:
    lines = [line for line in stderr_path.read_text(errors="replace").splitlines() if line.strip()]
    return f"; stderr: {' | '.join(lines[-_TAIL_LINES:])}" if lines else ""


def _failure(what: str, returncode: int | None, stderr_path: Path) -> Exception:
    text = stderr_path.read_text(errors="replace")
    for line in text.splitlines():
        if line.startswith("graphkit: unsupported Node"):
            return NodeError(f"{what}: {line.removeprefix('graphkit: ')}")
        if "--expose-internals" in line and ("bad option" in line or "not allowed" in line):
            return NodeError(f"{what}: node refused --expose-internals ({line.strip()})")
    return ProbeError(f"{what}: probe exited with status {returncode} and no graph{_tail(stderr_path)}")
