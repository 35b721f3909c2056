"""Shared benchmark plumbing: the corpus folder, peers' paths and a median-of-N whole-process timer."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache"
PEERS = CACHE / "bench-peers" / "node_modules"
SOURCE = CACHE / "corpus" / "node_modules"
# (package, sub-folder): the ESM sources measured in the peers' published figures.
PARTS = (
    ("lodash-es", "."),
    ("date-fns", "."),
    ("rxjs", "dist/esm"),
    ("three", "src"),
    ("three", "examples/jsm"),
)


def corpus() -> Path:
    """The corpus copied into a plain folder (no node_modules above it), made once."""
    dest = CACHE / "bench" / "corpus"
    if (dest / ".complete").exists():
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    for package, sub in PARTS:
        origin = SOURCE / package / sub
        for root, _dirs, files in os.walk(origin):
            for name in files:
                if name.endswith((".js", ".mjs")):
                    target = dest / package / sub / Path(root).relative_to(origin) / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(Path(root) / name, target)
    (dest / "package.json").write_text('{"type": "module"}\n')
    (dest / ".complete").touch()
    return dest


def timed(command: Sequence[str | Path], *, runs: int = 5, env: Mapping[str, str] | None = None) -> float:
    """Median wall time of a whole process, output discarded; a failing command stops the benchmark."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [str(c) for c in command],
            check=True,
            stdout=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)
