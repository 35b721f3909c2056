"""Import extraction speed over the npm corpus: files/s and MB/s, one process and two (no assertion).

Run: ``.venv/bin/python -m bench.parse_speed`` (``make corpus`` first).
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.common import PARTS, SOURCE

STARTED = time.perf_counter()

from graphkit.extract.parse import extract  # noqa: E402  (timed: the import is part of a cold scan)


def corpus() -> list[Path]:
    return sorted(
        path
        for package, sub in PARTS
        for path in (SOURCE / package / sub).rglob("*")
        if path.suffix in (".js", ".mjs") and path.is_file()
    )


def scan(paths: list[Path]) -> int:
    """Extract every file; the number of import records, so the work cannot be skipped."""
    return sum(len(extract(path.read_bytes(), commonjs=False).imports) for path in paths)


def report(label: str, files: int, size: int, seconds: float, records: int, cpu: float | None = None) -> None:
    # CPU seconds beside wall seconds: on a busy machine the CPU figure is what parsing costs.
    cpu_text = f" ({cpu:.2f} s CPU)" if cpu is not None else ""
    print(
        f"{label}: {files} files, {size / 1e6:.1f} MB, {records} imports in {seconds:.2f} s{cpu_text} "
        f"= {files / seconds:.0f} files/s, {size / 1e6 / seconds:.1f} MB/s"
    )


def main() -> int:
    paths = corpus()
    if not paths:
        print(f"{SOURCE} is empty: run make corpus", file=sys.stderr)
        return 2
    size = sum(path.stat().st_size for path in paths)
    records = scan(paths)
    cold, cold_cpu = time.perf_counter() - STARTED, time.process_time()
    report("one process, cold (interpreter imports included)", len(paths), size, cold, records, cold_cpu)
    start, cpu = time.perf_counter(), time.process_time()
    warm_records = scan(paths)
    warm, warm_cpu = time.perf_counter() - start, time.process_time() - cpu
    report("one process, warm", len(paths), size, warm, warm_records, warm_cpu)
    workers = min(2, os.cpu_count() or 1)
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        total = sum(pool.map(scan, [paths[i::workers] for i in range(workers)]))
    report(f"{workers} processes (pool start included)", len(paths), size, time.perf_counter() - start, total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
