"""Graceful shutdown under `graphkit watch` against plain `node`: does a slow shutdown handler finish?

Run: `.venv/bin/python -m bench.shutdown` (`--majors`, `--presses`, `--handler`, `--batch` change the
parameters). The app is ``fixtures/shutdown-app``: on its first SIGINT, SIGTERM or SIGHUP it closes its
server, waits ``--handler`` seconds (5 by default), writes the signals it got and exits. For each Node major,
``--presses`` times each (``--batch`` sessions at a time, each in a session of its own as a terminal runs
it):

- Ctrl-C: SIGINT to the process group of `graphkit watch main.mjs`, and of `node main.mjs`;
- kill: SIGTERM to `graphkit watch`, and to `node`;
- restart: a save of package.json under `graphkit watch` (a full reload), against SIGTERM to `node`.

A press is complete when the handler finished having got exactly one signal. Printed: complete presses, and
the median time from the signal (or the save) to the app's exit, graphkit's over node's. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import CACHE, REPO

APP = REPO / "fixtures" / "shutdown-app"
GRAPHKIT = Path(sys.executable).parent / "graphkit"
MAJORS = (18, 20, 22, 24, 26)
CASES = ("ctrl-c", "kill", "restart")
_LISTENING = re.compile(r"listening on (\d+)")
_POLL = 0.01


@dataclass(frozen=True, slots=True)
class Press:
    complete: bool  # the handler finished after exactly one signal
    seconds: float  # from the signal (or the save) to the app's exit


@dataclass
class Running:
    process: subprocess.Popen[str]
    root: Path
    marks: Path
    pid: int = 0  # the app's

    def started(self) -> None:
        """Waits for the app's first ``listening on`` line and reads the app's pid from /proc."""
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not _LISTENING.match(line):
            raise SystemExit(f"{self.root}: the app did not start: {line!r}")
        self.pid = _app_pid(self.process.pid)

    def outcome(self, expected: str, since: float) -> Press:
        while _alive(self.pid):
            time.sleep(_POLL)
        seconds = time.perf_counter() - since
        done = self.marks / f"{self.pid}.done"
        got = json.loads(done.read_text()) if done.exists() else None
        return Press(got == [expected], seconds)


def _app_pid(pid: int) -> int:
    """``pid`` itself for `node`; the node child for `graphkit watch`."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return int(children[0]) if children else pid


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _start(tool: str, node: Path, folder: Path, handler: float) -> Running:
    root = folder / "app"
    marks = folder / "marks"
    shutil.copytree(APP, root)
    marks.mkdir()
    entry = root / "main.mjs"
    process = subprocess.Popen(
        [GRAPHKIT, "watch", entry, "--node", node] if tool == "graphkit" else [node, entry],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
        env={**os.environ, "MARKS": str(marks), "SHUTDOWN_MS": str(round(handler * 1000))},
    )
    return Running(process, root, marks)


def _batch(tool: str, node: Path, case: str, size: int, handler: float) -> list[Press]:
    with tempfile.TemporaryDirectory(prefix="bench-shutdown-") as scratch:
        runs = []
        for i in range(size):
            folder = Path(scratch) / str(i)
            folder.mkdir()
            runs.append(_start(tool, node, folder, handler))
        try:
            for run in runs:
                run.started()
            time.sleep(0.5)  # graphkit reads the live graph once the app is quiet: not during the press
            expected = "SIGINT" if case == "ctrl-c" else "SIGTERM"
            pressed = []
            for run in runs:
                since = time.perf_counter()
                if case == "ctrl-c":
                    os.killpg(run.process.pid, signal.SIGINT)
                elif case == "restart" and tool == "graphkit":
                    package = run.root / "package.json"
                    package.write_text(package.read_text().replace('"private": true', '"private": false'))
                else:
                    run.process.send_signal(signal.SIGTERM)
                pressed.append(since)
            return [run.outcome(expected, since) for run, since in zip(runs, pressed, strict=True)]
        finally:
            left = [run for run in runs if run.process.poll() is None]
            for run in left:  # a restarted app, or a press that failed
                os.killpg(run.process.pid, signal.SIGTERM)
            for run in left:
                try:
                    run.process.wait(timeout=handler + 15)
                except subprocess.TimeoutExpired:
                    os.killpg(run.process.pid, signal.SIGKILL)
                    run.process.wait()


def _presses(tool: str, node: Path, case: str, presses: int, batch: int, handler: float) -> list[Press]:
    done: list[Press] = []
    while len(done) < presses:
        done += _batch(tool, node, case, min(batch, presses - len(done)), handler)
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--majors", type=int, nargs="+", default=list(MAJORS))
    parser.add_argument("--presses", type=int, default=20)
    parser.add_argument("--batch", type=int, default=10, help="sessions pressed at a time (default: 10)")
    parser.add_argument("--handler", type=float, default=5.0, help="the shutdown handler's seconds")
    args = parser.parse_args()
    print(f"shutdown handler of {args.handler:g} s, {args.presses} presses per case (signal to app exit)")
    print("| Node | case | graphkit complete | node complete | graphkit median s | node median s | ratio |")
    print("|---|---|---|---|---|---|---|")
    for major in args.majors:
        node = CACHE / "node" / str(major) / "bin" / "node"
        for case in CASES:
            ours = _presses("graphkit", node, case, args.presses, args.batch, args.handler)
            peer = _presses("node", node, case, args.presses, args.batch, args.handler)
            mine = statistics.median(p.seconds for p in ours)
            theirs = statistics.median(p.seconds for p in peer)
            print(
                f"| {major} | {case} | {sum(p.complete for p in ours)}/{len(ours)}"
                f" | {sum(p.complete for p in peer)}/{len(peer)} | {mine:.2f} | {theirs:.2f}"
                f" | {mine / theirs:.3f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
