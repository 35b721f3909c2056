"""Save to batch: how long the file watcher takes to hand a save over, inotify against watchfiles.

Run: `.venv/bin/python -m bench.watcher`; `--saves` changes how many saves each figure takes (200).
A thread saves one module the way editors do while the watcher waits in ``next_batch``, as under
`graphkit watch`: a plain write (open, truncate, write, close) and a rename-over save (write a temporary
file beside it, rename it onto the module). The time runs from the start of the save to ``next_batch``
returning the batch that holds the module. Both backends run in the same process, one after the other, on
the same folder. Prints the median and p90 of each and their ratio; asserts nothing, since the machine is
shared and noisy.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from graphkit.hmr.watcher import Watcher

WAIT = 10.0  # seconds; only reached when a save is never reported
START_SECONDS = 0.002  # the watcher is waiting in next_batch by then


def plain_write(path: Path, text: str) -> None:
    path.write_text(text)


def rename_over(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    temporary.replace(path)


SAVES: dict[str, Callable[[Path, str], None]] = {"plain write": plain_write, "rename-over save": rename_over}


def edit(save: Callable[[Path, str], None], module: Path, text: str, started: list[float]) -> None:
    started.append(time.perf_counter())
    save(module, text)


def save_to_batch(root: Path, inotify: bool, save: Callable[[Path, str], None], saves: int) -> list[float]:
    """Seconds from the start of each save to the batch that reports it."""
    module = root / "src" / "module.mjs"
    samples = []
    with Watcher(root, inotify=inotify) as watcher:
        for i in range(saves):
            started: list[float] = []
            text = f"export const value = {i};\n"
            editor = threading.Timer(START_SECONDS, edit, (save, module, text, started))
            editor.start()
            deadline = time.perf_counter() + WAIT
            # The temporary file's events alone can end a batch just before the rename: the time runs on
            # to the batch that reports the module.
            while (batch := watcher.next_batch(WAIT)) is None or module not in batch.changed:
                if time.perf_counter() > deadline:
                    raise SystemExit(f"bench.watcher: save {i} was not reported")
            samples.append(time.perf_counter() - started[0])
            editor.join()
    return samples


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def p90_ms(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=10)[-1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--saves", type=int, default=200, help="saves per figure (default 200)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="graphkit-watcher-") as folder:
        root = Path(folder)
        (root / "src").mkdir()
        (root / "src" / "module.mjs").write_text("export const value = 0;\n")
        for i in range(50):  # a small project around it
            (root / "src" / f"other{i}.mjs").write_text(f"export const other = {i};\n")
        print(f"save to batch, {args.saves} saves each, in {root}: median (p90)")
        for label, save in SAVES.items():
            linux = save_to_batch(root, True, save, args.saves)
            portable = save_to_batch(root, False, save, args.saves)
            print(
                f"  {label}: inotify {median_ms(linux):.2f} ms ({p90_ms(linux):.2f}),"
                f" watchfiles {median_ms(portable):.2f} ms ({p90_ms(portable):.2f});"
                f" inotify / watchfiles {statistics.median(linux) / statistics.median(portable):.3f}"
            )


if __name__ == "__main__":
    main()
