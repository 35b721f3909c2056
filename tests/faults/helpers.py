"""Running graphkit as a user would in a fault case: a subprocess, its exit status and both streams."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

GRAPHKIT = [sys.executable, "-m", "graphkit"]
# Root reads and writes through any permission bits; without these two capabilities it obeys them as a
# user does, so "unreadable" and "read-only" mean the same under root (as in CI) as for anyone else.
_CAPS = "-dac_override,-dac_read_search"
AS_A_USER = ["setpriv", "--bounding-set", _CAPS, "--inh-caps", _CAPS] if os.geteuid() == 0 else []


@dataclass(frozen=True)
class Run:
    status: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def graphkit(
    *args: str | Path, cache: Path | None = None, cwd: Path | None = None, timeout: float = 120
) -> Run:
    """``graphkit ARGS`` with permission bits enforced, optionally caching in ``cache``."""
    env = dict(os.environ)
    if cache is not None:
        env["GRAPHKIT_CACHE_DIR"] = str(cache)
    done = subprocess.run(
        [*AS_A_USER, *GRAPHKIT, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def one_error_line(run: Run, *needles: str) -> str:
    """The run's stderr is one line that names each of ``needles``, and no traceback."""
    assert len(run.err_lines) == 1, run.err
    line = run.err_lines[0]
    for needle in needles:
        assert needle in line, line
    return line
