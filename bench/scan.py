"""Scan speed on ~3,600 real ESM files against dependency-cruiser, madge and es-module-lexer, in one run.

Run: `make bench` (or `.venv/bin/python -m bench.scan` after `scripts/install-bench-peers.sh`). Prints the
medians and the ratios the README records; asserts nothing, since the machine is shared and noisy.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import PEERS, REPO, corpus, timed
from graphkit.graph.crawl import Scanner, inputs

TARGETS = {"cold / dependency-cruiser": 0.35, "warm / es-module-lexer": 1.0}


def one_file_rescan(folder: Path, cache_dir: Path) -> float:
    """Median seconds for a warm in-process Scanner to take in one edited file."""
    os.environ["GRAPHKIT_CACHE_DIR"] = str(cache_dir)
    scanner = Scanner()
    scanner.add(inputs([folder]))
    victim = next(folder.rglob("*.js"))
    samples = []
    for _ in range(20):
        victim.touch()
        start = time.perf_counter()
        scanner.update([victim])
        samples.append(time.perf_counter() - start)
    scanner.close()
    return statistics.median(samples)


def main() -> None:
    folder = corpus()
    files = sum(1 for _ in folder.rglob("*.js")) + sum(1 for _ in folder.rglob("*.mjs"))
    graphkit: list[str | Path] = [Path(sys.executable).with_name("graphkit"), "scan", folder, "--json"]
    node = "node"
    with tempfile.TemporaryDirectory() as tmp:
        cold_runs = []
        for i in range(5):
            cold_runs.append(timed(graphkit, runs=1, env={"GRAPHKIT_CACHE_DIR": f"{tmp}/cold{i}"}))
        warm_env = {"GRAPHKIT_CACHE_DIR": f"{tmp}/warm"}
        timed(graphkit, runs=1, env=warm_env)
        figures = {
            "graphkit scan, cold": statistics.median(cold_runs),
            "graphkit scan, warm": timed(graphkit, env=warm_env),
            "es-module-lexer": timed([node, REPO / "bench" / "lex_all.mjs", PEERS.parent, folder]),
            "dependency-cruiser": timed(
                [
                    node,
                    PEERS / "dependency-cruiser/bin/dependency-cruise.mjs",
                    "--no-config",
                    "-T",
                    "json",
                    folder,
                ],
                runs=3,
            ),
            "madge": timed([node, PEERS / "madge/bin/cli.js", "--json", folder], runs=3),
        }
        one_file = one_file_rescan(folder, Path(tmp) / "warm")
    print(f"corpus: {files} files in {folder}")
    for name, seconds in figures.items():
        print(f"{name:24} {seconds:7.3f} s")
    ratios = {
        "cold / dependency-cruiser": figures["graphkit scan, cold"] / figures["dependency-cruiser"],
        "cold / madge": figures["graphkit scan, cold"] / figures["madge"],
        "warm / es-module-lexer": figures["graphkit scan, warm"] / figures["es-module-lexer"],
    }
    for name, ratio in ratios.items():
        target = TARGETS.get(name)
        verdict = (
            "" if target is None else f"  (target <= {target}: {'met' if ratio <= target else 'MISSED'})"
        )
        print(f"{name:27} {ratio:6.2f}x{verdict}")
    print(
        f"one changed file, warm process: {one_file * 1000:.1f} ms  (target < 50 ms: "
        f"{'met' if one_file < 0.05 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
