"""Finding the node binary and checking that its version can run the probe."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple

from graphkit.errors import NodeError

__all__ = ["MIN_MAJOR", "NodeBinary", "find_node"]

MIN_MAJOR = 18  # the first major with --import, which attach mode needs
_VERSION = re.compile(r"^v(\d+)\.(\d+)\.(\d+)")


# A NamedTuple, not a dataclass: `graphkit watch` starts the app before importing dataclasses.
class NodeBinary(NamedTuple):
    path: str
    version: str  # "20.20.2", as process.versions.node writes it
    major: int


def find_node(node: Path | str = "node", *, timeout: float = 10.0) -> NodeBinary:
    """The binary ``node`` names (a path or a name on PATH), checked to be Node 18 or newer."""
    found = shutil.which(str(node))
    if found is None:
        raise NodeError(f"{node}: node binary not found (install Node >= {MIN_MAJOR} or pass --node PATH)")
    try:
        result = subprocess.run(
            [found, "--version"], capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise NodeError(f"{found}: cannot run `node --version` ({error})") from error
    match = _VERSION.match(result.stdout.strip())
    if result.returncode != 0 or match is None:
        first = (result.stdout.strip() or result.stderr.strip() or "nothing").splitlines()[0]
        raise NodeError(f"{found}: not a Node binary (`--version` printed {first!r})")
    major = int(match.group(1))
    version = ".".join(match.groups())
    if major < MIN_MAJOR:
        raise NodeError(f"{found}: Node v{version} is too old: graphkit needs Node {MIN_MAJOR} or newer")
    return NodeBinary(path=found, version=version, major=major)
