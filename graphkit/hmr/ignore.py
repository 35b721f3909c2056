"""Which paths under the watched folders ``graphkit watch`` ignores: ``--ignore GLOB`` and the defaults.

A glob without ``/`` is matched against each part of a path relative to its watched folder (a file or a
folder name: ``*.log``, ``tmp``); a glob with ``/`` against that relative path and each of its leading
folders (``data/*.json``, ``fixtures/out``). ``*`` and ``?`` are ``fnmatch``'s. An ignored folder is not
watched at all, so what is written there costs nothing.

Ignored by default, besides ``node_modules`` and dot-folders (``.git``, ``.cache``, ``.next``,
``.nyc_output``), which are never watched: ``coverage``, where test runners write HTML reports with
scripts in them. ``dist`` and ``build`` are not: an app often runs from them.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = ["DEFAULT_IGNORES", "Ignore"]

DEFAULT_IGNORES = ("coverage",)


def _folder_watched(name: str) -> bool:
    return name != "node_modules" and not name.startswith(".")


class Ignore:
    def __init__(self, globs: Iterable[str] = ()) -> None:
        globs = [g.strip("/") for g in (*DEFAULT_IGNORES, *globs)]
        self._names = _compiled(g for g in globs if "/" not in g)
        self._paths = _compiled(g for g in globs if "/" in g)

    def folder(self, relative: Sequence[str]) -> bool:
        """Whether the folder at ``relative`` (its parts under a watched folder) is left unwatched, its
        parents being watched."""
        return bool(relative) and (not _folder_watched(relative[-1]) or self.entry(relative))

    def entry(self, relative: Sequence[str]) -> bool:
        """Whether the file or folder at ``relative`` matches a glob itself (its folders not asked)."""
        if self._names is not None and self._names.match(relative[-1]):
            return True
        return self._paths is not None and self._paths.match("/".join(relative)) is not None

    def path(self, relative: Sequence[str]) -> bool:
        """Whether a file at ``relative`` is ignored: itself, or a folder it lies in."""
        return any(not _folder_watched(part) for part in relative[:-1]) or any(
            self.entry(relative[: i + 1]) for i in range(len(relative))
        )

    def under(self, root: Path, path: Path) -> bool:
        """Whether ``path``, inside ``root``, is ignored."""
        return self.path(path.relative_to(root).parts)


def _compiled(globs: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for ``globs`` (None for none): a file walk asks it of every name."""
    found = [fnmatch.translate(g) for g in globs]
    return re.compile("|".join(found)) if found else None
