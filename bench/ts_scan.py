"""Cold and warm scan of real TypeScript (zod's and effect's ``src/``) against the same number of bytes of
real JavaScript (the npm corpus), in one run: what parsing TypeScript costs over JavaScript.

Run: `make bench` (or `.venv/bin/python -m bench.ts_scan` after `scripts/install-ts-corpus.sh`). Prints
the medians and the ratios the README records; asserts nothing, since the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import CACHE, SOURCE, timed
from graphkit.extract.grammars import grammar_for
from graphkit.extract.parse import extract

TS_SOURCES = (
    CACHE / "ts-corpus" / "node_modules" / "zod" / "src",
    CACHE / "ts-corpus" / "node_modules" / "effect" / "src",
)
JS_SOURCES = tuple(
    SOURCE / name for name in ("three/src", "rxjs/dist/esm", "date-fns", "lodash-es", "three/examples/jsm")
)
TARGET = 1.3  # cold TypeScript / cold JavaScript, CPU time


def copy_files(folders: tuple[Path, ...], suffix: str, dest: Path, budget: float) -> int:
    """Files ending in ``suffix`` (declaration files left out) under ``dest`` until ``budget`` bytes."""
    total = 0
    for folder in folders:
        for path in sorted(folder.rglob("*" + suffix)):
            size = path.stat().st_size
            if total + size > budget:
                return total
            if path.name.endswith(".d.ts"):
                continue
            # Named by package, never under a node_modules folder (a folder scan skips those).
            target = dest / str(folder).rsplit("/node_modules/", 1)[1] / path.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            total += size
    return total


def extraction_cpu(folder: Path) -> float:
    """CPU seconds to extract every file under ``folder`` in this process: parsing and the extractor alone."""
    files = [(path.read_bytes(), grammar_for(str(path))) for path in sorted(folder.rglob("*.[jt]s"))]
    start = time.process_time()
    for source, grammar in files:
        extract(source, commonjs=False, grammar=grammar)
    return time.process_time() - start


def cpu_and_wall(command: list[str | Path], env: dict[str, str]) -> tuple[float, float]:
    """CPU seconds (user + system, every worker process included) and wall seconds of one run: on a shared
    machine the CPU time is the steadier of the two."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = timed(command, runs=1, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--runs", type=int, default=3, help="runs per language and cache state (median taken)"
    )
    args = parser.parse_args()
    graphkit = Path(sys.executable).with_name("graphkit")
    figures: dict[str, tuple[float, float]] = {}  # (CPU, wall) seconds by "language state run"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in ("ts", "js"):
            (root / name).mkdir()
            (root / name / "package.json").write_text('{"type": "module"}\n')
        # The JavaScript corpus is the smaller one: all of it, and at most as many bytes of TypeScript.
        js_bytes = copy_files(JS_SOURCES, ".js", root / "js", float("inf"))
        ts_bytes = copy_files(TS_SOURCES, ".ts", root / "ts", js_bytes)
        for i in range(args.runs):
            for name in ("ts", "ts-rules", "js"):  # interleaved, so a busy spell hits all of them
                folder = root / name.split("-")[0]
                command: list[str | Path] = [graphkit, "scan", folder, "--json"]
                if name == "ts-rules":  # zod and effect import ./x.js for ./x.ts, as TypeScript resolves
                    command += ["--resolve", "typescript"]
                cold = cpu_and_wall(command, {"GRAPHKIT_CACHE_DIR": f"{tmp}/cache-{name}-{i}"})
                warm = cpu_and_wall(command, {"GRAPHKIT_CACHE_DIR": f"{tmp}/cache-{name}-{i}"})
                figures[f"{name} cold {i}"] = cold
                figures[f"{name} warm {i}"] = warm
        extraction = {name: extraction_cpu(root / name) for name in ("ts", "js")}
    print(f"TypeScript: {ts_bytes / 1e6:.1f} MB (zod, effect src/)")
    print(f"JavaScript: {js_bytes / 1e6:.1f} MB (npm corpus)")
    medians = {}
    for name in ("ts cold", "ts-rules cold", "js cold", "ts warm", "ts-rules warm", "js warm"):
        runs = [figures[f"{name} {i}"] for i in range(args.runs)]
        medians[name] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
        print(f"graphkit scan, {name:14} {medians[name][0]:7.2f} s CPU, {medians[name][1]:7.2f} s wall")
    print(
        f"extraction alone, one process: ts {extraction['ts']:.2f} s, js {extraction['js']:.2f} s CPU: "
        f"{(extraction['ts'] / ts_bytes) / (extraction['js'] / js_bytes):.2f}x per byte"
    )
    for ts in ("ts", "ts-rules"):
        for state in ("cold", "warm"):
            # Per byte: the two folders hold nearly, not exactly, the same number of bytes.
            cpu = (medians[f"{ts} {state}"][0] / ts_bytes) / (medians[f"js {state}"][0] / js_bytes)
            wall = (medians[f"{ts} {state}"][1] / ts_bytes) / (medians[f"js {state}"][1] / js_bytes)
            met = "met" if cpu <= TARGET else "MISSED"
            verdict = f"  (target <= {TARGET}: {met})" if state == "cold" else ""
            print(f"{ts} {state} / js {state}, per byte: {cpu:5.2f}x CPU, {wall:5.2f}x wall{verdict}")


if __name__ == "__main__":
    main()
