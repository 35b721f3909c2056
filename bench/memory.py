"""Memory over many reloads: graphkit's eviction against the `import('./m.mjs?t=' + i)` trick, per Node major.

Run: `.venv/bin/python -m bench.memory` (`make bench` runs every benchmark); `--reloads`, `--majors` and
`--pressure` change the parameters. A module holding a 1 MiB string is reloaded ``--reloads`` times in
one Node process (`bench/memory.mjs`, run with `--expose-internals --expose-gc`): once through
`node_probe/evict.mjs`'s applyPlan with the plan `graphkit.plan` makes (the path `graphkit watch` takes),
once with a new query string per reload. It prints the heap used after `gc()` before and after, how many
old instances were freed, and the same runs again with `--max-old-space-size` set to ``--pressure`` MiB:
Node 18 frees evicted instances only under memory pressure, not on a plain `gc()`. Asserts nothing,
since the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.common import CACHE, REPO
from graphkit.model import PlanStatus
from graphkit.plan import plan
from graphkit.resolve_url import path_to_url
from graphkit.scan import scan
from graphkit.serialize import plan_to_json

MAJORS = (18, 20, 22, 24, 26)
DRIVER = REPO / "bench" / "memory.mjs"
TARGET_MIB = 10.0

APP = """\
export const load = () => import('./blob.mjs');
export const loadQuery = (i) => import('./blob.mjs?t=' + i);
"""
# A flat one-byte string built at run time: each evaluation owns a fresh 1 MiB that nothing can share.
BLOB = "export const blob = new TextDecoder().decode(new Uint8Array(1 << 20).fill(120));\n"


@dataclass(frozen=True, slots=True)
class Run:
    """One driver process: ``figures`` is its final JSON line, None when it died (``progress`` tells where)."""

    mode: str
    limit: int | None  # --max-old-space-size in MiB, None for Node's default
    figures: dict[str, float | str | None] | None
    progress: int
    exit_status: int


def node_binary(major: int) -> Path:
    path = CACHE / "node" / str(major) / "bin" / "node"
    if not path.exists():
        raise SystemExit(f"{path}: missing, run scripts/install-nodes.sh (make bench does)")
    return path


def write_app(folder: Path) -> tuple[str, str]:
    """The app module and the graphkit plan (as JSON) that reloads its blob."""
    (folder / "package.json").write_text('{"type": "module", "private": true}\n')
    (folder / "app.mjs").write_text(APP)
    (folder / "blob.mjs").write_text(BLOB)
    app_url, blob_url = path_to_url(folder / "app.mjs"), path_to_url(folder / "blob.mjs")
    eviction = plan(scan([folder / "app.mjs"], use_cache=False), [blob_url], app_url)
    if eviction.status is not PlanStatus.OK:
        raise SystemExit(f"{folder / 'blob.mjs'}: graphkit planned {eviction.status.value}, expected ok")
    return app_url, plan_to_json(eviction)


def run_driver(node: Path, mode: str, reloads: int, app_url: str, plan_json: str, limit: int | None) -> Run:
    options = ["--expose-internals", "--expose-gc", *([f"--max-old-space-size={limit}"] if limit else [])]
    command = [str(node), *options, str(DRIVER), mode, str(reloads), app_url, plan_json]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    lines = done.stdout.splitlines()
    progress = max((int(line.split()[1]) for line in lines if line.startswith("progress ")), default=0)
    figures = json.loads(lines[-1]) if done.returncode == 0 and lines and lines[-1].startswith("{") else None
    if figures is None and limit is None:
        raise SystemExit(f"{DRIVER}: {node} {mode} failed with status {done.returncode}: {done.stderr[-300:]}")
    return Run(mode, limit, figures, progress, done.returncode)


def describe(run: Run, reloads: int) -> str:
    label = f"{run.mode:8} {'' if run.limit is None else f'--max-old-space-size={run.limit}':24}"
    if run.figures is None:
        return f"{label} died (exit {run.exit_status}, out of memory) after {run.progress}-{run.progress + 9} reloads"
    f = run.figures
    before, one, many = float(f["before"] or 0), float(f["afterOne"] or 0), float(f["afterMany"] or 0)
    failed = f"; a reload FAILED: {f['failed']}" if f["failed"] else ""
    return (
        f"{label} {f['fresh']}/{reloads} fresh instances, {float(f['ms'] or 0) / reloads:5.2f} ms/reload; "
        f"heap {before:6.1f} -> {one:6.1f} MiB after gc() ({one - before:+7.1f}), {f['freedOne']} old freed; "
        f"{many:6.1f} MiB after 10 x gc() ({many - before:+7.1f}), {f['freedMany']} freed{failed}"
    )


def growth(run: Run) -> float:
    assert run.figures is not None
    return float(run.figures["afterMany"] or 0) - float(run.figures["before"] or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reloads", type=int, default=300)
    parser.add_argument("--majors", type=int, nargs="+", default=MAJORS)
    parser.add_argument("--pressure", type=int, default=64, help="--max-old-space-size of the pressure runs, MiB")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app_url, plan_json = write_app(Path(tmp))
        print(f"{args.reloads} reloads of a module holding 1 MiB; heap used after gc(), MiB")
        for major in args.majors:
            node = node_binary(major)
            runs = [
                run_driver(node, mode, args.reloads, app_url, plan_json, limit)
                for limit in (None, args.pressure)
                for mode in ("graphkit", "query")
            ]
            version = next(r.figures["node"] for r in runs if r.figures is not None)
            caveat = "  (caveat: v18 frees evicted instances only under memory pressure)" if major == 18 else ""
            print(f"node {version}{caveat}")
            for run in runs:
                print(f"  {describe(run, args.reloads)}")
            ours, trick = runs[0], runs[1]
            verdict = "met" if growth(ours) < TARGET_MIB else "MISSED"
            print(
                f"  growth after 10 x gc(): graphkit {growth(ours):+.1f} MiB (target < {TARGET_MIB:g}: {verdict}), "
                f"query trick {growth(trick):+.1f} MiB"
            )
            if major == 18:
                pressured = runs[2]
                state = "completed" if pressured.figures is not None else "died"
                print(
                    f"  v18: gc() freed {ours.figures and ours.figures['freedMany']}/{args.reloads} old instances; "
                    f"under --max-old-space-size={args.pressure} graphkit {state} all {args.reloads} reloads"
                )


if __name__ == "__main__":
    main()
