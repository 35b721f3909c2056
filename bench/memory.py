"""Memory over many reloads: graphkit's eviction against the `import('./m.mjs?t=' + i)` trick, per Node major.

Run: `.venv/bin/python -m bench.memory` (`make bench` runs every benchmark); `--reloads`, `--majors` and
`--pressure` change the parameters. A module holding a 1 MiB string is reloaded ``--reloads`` times in
one Node process (`bench/memory.mjs`, run with `--expose-internals --expose-gc`): once through
`node_probe/evict.mjs`'s applyPlan with the plan `graphkit.planning.planner.plan` makes (the path
`graphkit watch` takes), once with a new query string per reload. It prints the heap used after `gc()`
before and after, how many old instances were freed, and the same runs again with
`--max-old-space-size` set to ``--pressure`` MiB: Node 18 frees evicted instances only under memory
pressure, not on a plain `gc()`. Asserts nothing, since the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.common import CACHE, REPO
from graphkit.graph.crawl import scan
from graphkit.model import PlanStatus
from graphkit.model.codec import plan_to_json
from graphkit.model.urls import path_to_url
from graphkit.planning.planner import plan

MAJORS = (18, 20, 22, 24, 26)
DRIVER = REPO / "bench" / "memory.mjs"
TARGET_MIB = 10.0

APP = """\
export const load = () => import('./blob.mjs');
export const loadQuery = (i) => import('./blob.mjs?t=' + i);
"""
# A flat one-byte string built at run time, so each evaluation owns a fresh 1 MiB that nothing can share.
# join() keeps it on the V8 heap; TextDecoder.decode on v24+ returns an external string that heapUsed
# does not count.
BLOB = "export const blob = Array.from({ length: 1 << 16 }, () => 'abcdefghijklmnop').join('');\n"


@dataclass(frozen=True, slots=True)
class Figures:
    """The driver's final line: heap used in MiB, old instances freed, after one and after ten gc()."""

    node: str
    fresh: int
    failed: str | None
    ms: float
    before: float
    after_one: float
    freed_one: int
    after_many: float
    freed_many: int

    @property
    def growth(self) -> float:
        return self.after_many - self.before


@dataclass(frozen=True, slots=True)
class Run:
    """One driver process: ``figures`` is None when it died (``progress`` says how far it got)."""

    mode: str
    limit: int | None  # --max-old-space-size in MiB, None for Node's default
    figures: Figures | None
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
    if done.returncode == 0 and lines and lines[-1].startswith("{"):
        f = json.loads(lines[-1])
        figures = Figures(
            f["node"], f["fresh"], f["failed"], f["ms"], f["before"], f["afterOne"], f["freedOne"],
            f["afterMany"], f["freedMany"],
        )
        return Run(mode, limit, figures, progress, 0)
    if limit is None:  # only a run under a heap limit is expected to die
        reason = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise SystemExit(f"{DRIVER}: {node} {mode} exited with status {done.returncode}: {reason[0]}")
    return Run(mode, limit, None, progress, done.returncode)


def describe(run: Run, reloads: int) -> str:
    label = f"{run.mode:8} {'' if run.limit is None else f'--max-old-space-size={run.limit}':24}"
    f = run.figures
    if f is None:
        last = f"{run.progress + 1}-{run.progress + 10}"
        return f"{label} died (exit {run.exit_status}, out of memory) during reloads {last}"
    failed = f"; a reload FAILED: {f.failed}" if f.failed else ""
    return (
        f"{label} {f.fresh}/{reloads} fresh instances, {f.ms / reloads:5.2f} ms/reload; "
        f"heap {f.before:6.1f} -> {f.after_one:6.1f} MiB after gc() ({f.after_one - f.before:+7.1f}), "
        f"{f.freed_one} old freed; {f.after_many:6.1f} MiB after 10 x gc() ({f.growth:+7.1f}), "
        f"{f.freed_many} freed{failed}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reloads", type=int, default=300)
    parser.add_argument("--majors", type=int, nargs="+", default=MAJORS)
    parser.add_argument("--pressure", type=int, default=64, help="heap limit of the pressure runs, MiB")
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
            ours, trick, pressured = (run.figures for run in runs[:3])
            assert ours is not None and trick is not None
            caveat = "  (caveat: v18 frees evicted instances only under memory pressure)" * (major == 18)
            print(f"node {ours.node}{caveat}")
            for run in runs:
                print(f"  {describe(run, args.reloads)}")
            verdict = "met" if ours.growth < TARGET_MIB else "MISSED"
            print(
                f"  growth after 10 x gc(): graphkit {ours.growth:+.1f} MiB "
                f"(target < {TARGET_MIB:g}: {verdict}), query trick {trick.growth:+.1f} MiB"
            )
            if major == 18:
                under = (
                    f"{pressured.freed_many}/{args.reloads} freed, {pressured.growth:+.1f} MiB"
                    if pressured is not None
                    else "it died"
                )
                print(
                    f"  v18: plain gc() freed {ours.freed_many}/{args.reloads} old instances; "
                    f"under --max-old-space-size={args.pressure}: {under}"
                )


if __name__ == "__main__":
    main()
