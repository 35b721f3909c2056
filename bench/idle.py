"""Idle cost of a watch: CPU% of a core that `graphkit watch` spends while nothing is saved, against `node
--watch` measured in the same run.

Run: `.venv/bin/python -m bench.idle`; `--files 4000 200000` sets the tree sizes, `--seconds 10` the idle
span measured, `--warm-up` the wait before it, `--node` the Node binary. A tree of small files (100 a
folder) is generated under a temporary folder beside a tiny HTTP app that imports one of them. Each tool
runs the app; once the app listens and a warm-up has passed (graphkit reads every file's stat and the live
graph once after the start), the CPU time of the tool's process and its children (the app) over the idle
span, from /proc, is the figure. Rows: graphkit watch (inotify, the Linux default), graphkit's watcher alone
on its `watchfiles` backend (the one used where inotify is missing: it must resync, at an interval that
grows with the tree), and `node --watch`. Asserts nothing: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import REPO

GRAPHKIT = Path(sys.executable).parent / "graphkit"
TICKS = os.sysconf("SC_CLK_TCK")
PER_FOLDER = 100
APP = """import http from 'node:http';
import { value } from './tree/d0/f0.mjs';
const server = http.createServer((request, response) => response.end(String(value)));
server.listen(0, '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
"""
WATCHFILES_ALONE = """import sys, time
from pathlib import Path
from graphkit.hmr.watcher import Watcher
with Watcher(Path(sys.argv[1]), inotify=False) as watcher:
    print("ready", flush=True)
    while True:
        watcher.next_batch(0.2)
"""


def generate(root: Path, files: int) -> None:
    (root / "package.json").write_text('{"type": "module"}\n')
    (root / "main.mjs").write_text(APP)
    for i in range(files):
        folder = root / "tree" / f"d{i // PER_FOLDER}"
        if i % PER_FOLDER == 0:
            folder.mkdir(parents=True)
        (folder / f"f{i}.mjs").write_text(f"export const value = {i};\n")


def _cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` and every process under it, in seconds."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += _cpu_seconds(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total


def idle_percent(command: list[str], ready: str, warm_up: float, seconds: float) -> float:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(ready):
                break
        else:
            raise SystemExit(f"{command[0]}: exited before it was ready")
        time.sleep(warm_up)
        before = _cpu_seconds(process.pid)
        time.sleep(seconds)
        return (_cpu_seconds(process.pid) - before) / seconds * 100
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, nargs="+", default=[4000, 200000])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--node", default=str(REPO / ".cache" / "node" / "24" / "bin" / "node"))
    parser.add_argument("--warm-up", type=float, help="seconds after the app listens (default: by tree size)")
    args = parser.parse_args()
    print(f"CPU% of one core over {args.seconds:.0f} s idle (the tool and the app together)")
    print(f"{'files':>8}  {'graphkit (inotify)':>18}  {'watcher (watchfiles)':>20}  {'node --watch':>12}")
    for files in args.files:
        with tempfile.TemporaryDirectory(prefix="graphkit-idle-") as folder:
            root = Path(folder)
            generate(root, files)
            # The first stat of every file and the first live graph come after the app listens.
            warm_up = 3.0 + files / 20_000 if args.warm_up is None else args.warm_up
            entry = str(root / "main.mjs")
            graphkit = idle_percent(
                [str(GRAPHKIT), "watch", entry, "--node", args.node], "listening on", warm_up, args.seconds
            )
            watchfiles = idle_percent(
                [sys.executable, "-c", WATCHFILES_ALONE, folder], "ready", warm_up, args.seconds
            )
            node = idle_percent([args.node, "--watch", entry], "listening on", warm_up, args.seconds)
        ratio = f"{graphkit / node:.1f}x node --watch" if node > 0 else "node --watch: 0"
        print(f"{files:>8}  {graphkit:>17.2f}%  {watchfiles:>19.2f}%  {node:>11.2f}%  ({ratio})")


if __name__ == "__main__":
    main()
