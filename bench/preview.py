"""`graphkit plan FILE`, the preview run from an editor or a git hook: whole process, cold and warm cache.

Run: `.venv/bin/python -m bench.preview [--modules 500 20000]` (`make bench` runs every benchmark). For each
app `bench.gen_app` writes, a leaf is planned with an empty cache (cold), then again with the cache the
first run left (warm: the stored graph is re-checked and served), then after the leaf was edited (warm, one
file read again). The bare interpreter's start (`python -c pass`) is timed in the same run, so a figure
can be read against the machine's noise. Each graphkit's bytecode is compiled first, as an installed
package has it (the environment may say PYTHONDONTWRITEBYTECODE). `--graphkit` times other installs in the
same run (e.g. another checkout's `.venv/bin/graphkit`, to compare before and after a change), each with
a cache of its own. Prints medians and the targets; asserts nothing.
"""

from __future__ import annotations

import argparse
import subprocess
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
    parser.add_argument(
        "--graphkit",
        type=Path,
        nargs="+",
        default=[Path(sys.executable).with_name("graphkit")],
        help="the graphkit commands to time (default: this environment's)",
    )
    args = parser.parse_args()
    for graphkit in args.graphkit:
        _compile(graphkit)
    interpreter = timed([sys.executable, "-c", "pass"], runs=args.runs)
    print(f"python -c pass: {interpreter * 1000:.0f} ms")
    for modules in args.modules:
        app = generate(modules, CACHE / "bench" / f"preview-{modules}")
        leaf = app.leaves[len(app.leaves) // 2]
        for graphkit in args.graphkit:
            label = f"{app.modules:6} modules" + (f" ({graphkit})" if len(args.graphkit) > 1 else "")
            print(f"{label}: {_measure(graphkit, app.entry, leaf, modules, args.runs)}")


def _compile(graphkit: Path) -> None:
    """The bytecode of the package ``graphkit`` runs, written as pip writes it on install."""
    python = graphkit.with_name("python")
    where = "import graphkit, os; print(os.path.dirname(graphkit.__file__))"
    package = subprocess.run([python, "-c", where], check=True, capture_output=True, text=True).stdout
    subprocess.run([python, "-m", "compileall", "-q", package.strip()], check=True)


def _measure(graphkit: Path, entry: Path, leaf: Path, modules: int, runs: int) -> str:
    command: list[str | Path] = [graphkit, "plan", "--entry", entry, leaf]
    with tempfile.TemporaryDirectory() as cache:
        env = {"GRAPHKIT_CACHE_DIR": cache}
        cold = timed(command, runs=1, env=env)
        warm = timed(command, runs=runs, env=env)
        edited = []
        for i in range(runs):
            leaf.write_text(leaf_source(leaf.stem, i + 1))
            edited.append(timed(command, runs=1, env=env))
    edited.sort()
    target = TARGETS.get(modules)
    verdict = "" if target is None else f"  (target <= {target * 1000:.0f} ms: "
    verdict += "" if target is None else ("met)" if warm <= target else "MISSED)")
    return (
        f"cold {cold * 1000:6.0f} ms, warm {warm * 1000:5.0f} ms{verdict}, "
        f"warm after an edit {edited[len(edited) // 2] * 1000:5.0f} ms"
    )


if __name__ == "__main__":
    main()
