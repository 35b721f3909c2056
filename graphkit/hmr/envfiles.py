"""The env files Node reads at start: ``--env-file`` and ``--env-file-if-exists`` among the node options.

Node reads them once, before the app runs, so an edit needs a restart; a relative path is Node's: from the
working folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = ["env_files"]

_FLAGS = ("--env-file", "--env-file-if-exists")


def env_files(node_options: Sequence[str]) -> tuple[Path, ...]:
    """The env files named in ``node_options``, absolute, in order (``--env-file=F`` or ``--env-file F``)."""
    found: list[Path] = []
    for i, option in enumerate(node_options):
        flag, equals, value = option.partition("=")
        if flag not in _FLAGS:
            continue
        if not equals:
            if i + 1 >= len(node_options):
                continue  # Node refuses it with its own message
            value = node_options[i + 1]
        path = Path(value).absolute()
        found.append(path.parent.resolve() / path.name)  # as the watcher names it: its folder resolved
    return tuple(found)
