"""`graphkit plan FILE`, the preview run from an editor or a git hook: whole process, cold and warm cache.

Run: `.venv/bin/python -m bench.preview [--modules 500 20000]` (`make bench` runs every benchmark). For each
app `bench.gen_app` writes, a leaf is planned with an empty cache (cold), then again with the cache the
first run left (warm: the stored graph is re-checked and served), then after the leaf was edited (warm, one
file read again). The bare interpreter's start (`python -c pass`) is timed in the same run, so a figure
can be read against the machine's noise. Prints medians and the targets; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench.common import CACHE, timed
from bench.gen_app import generate, leaf_source

TARGETS = {500: 0.150, 20_000: 0.600}  # seconds, warm, whole process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, nargs="+", default=[500, 20_000])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    graphkit = Path(sys.executable).with_name("graphkit")
    interpreter = timed([sys.executable, "-c", "pass"], runs=args.runs)
    print(f"python -c pass: {interpreter * 1000:.0f} ms")
    for modules in args.modules:
        app = generate(modules, CACHE / "bench" / f"preview-{modules}")
        leaf = app.leaves[len(app.leaves) // 2]
        command: list[str | Path] = [graphkit, "plan", "--entry", app.entry, leaf]
        with tempfile.TemporaryDirectory() as cache:
            env = {"GRAPHKIT_CACHE_DIR": cache}
            cold = timed(command, runs=1, env=env)
            warm = timed(command, runs=args.runs, env=env)
            edited = []
            for i in range(args.runs):
                leaf.write_text(leaf_source(leaf.stem, i + 1))
                edited.append(timed(command, runs=1, env=env))
        edited.sort()
        target = TARGETS.get(modules)
        verdict = "" if target is None else f"  (target <= {target * 1000:.0f} ms: "
        verdict += "" if target is None else ("met)" if warm <= target else "MISSED)")
        print(
            f"{app.modules:6} modules: cold {cold * 1000:6.0f} ms, warm {warm * 1000:5.0f} ms{verdict}, "
            f"warm after an edit {edited[len(edited) // 2] * 1000:5.0f} ms"
        )


if __name__ == "__main__":
    main()
