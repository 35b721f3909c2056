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

from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from pathlib import Path

__all__ = ["DEFAULT_IGNORES", "Ignore"]

DEFAULT_IGNORES = ("coverage",)


def _folder_watched(name: str) -> bool:
    return name != "node_modules" and not name.startswith(".")


class Ignore:
    def __init__(self, globs: Iterable[str] = ()) -> None:
        globs = (*DEFAULT_IGNORES, *globs)
        self._names = tuple(g for g in globs if "/" not in g.strip("/"))
        self._paths = tuple(g.strip("/") for g in globs if "/" in g.strip("/"))

    def folder(self, relative: Sequence[str]) -> bool:
        """Whether the folder at ``relative`` (its parts under a watched folder) is left unwatched."""
        return bool(relative) and (not _folder_watched(relative[-1]) or self._matches(relative))

    def path(self, relative: Sequence[str]) -> bool:
        """Whether a file at ``relative`` is ignored: itself, or a folder it lies in."""
        return any(not _folder_watched(part) for part in relative[:-1]) or any(
            self._matches(relative[: i + 1]) for i in range(len(relative))
        )

    def _matches(self, relative: Sequence[str]) -> bool:
        name = relative[-1]
        if any(fnmatchcase(name, glob) for glob in self._names):
            return True
        whole = "/".join(relative)
        return any(fnmatchcase(whole, glob) for glob in self._paths)

    def under(self, root: Path, path: Path) -> bool:
        """Whether ``path``, inside ``root``, is ignored."""
        return self.path(path.relative_to(root).parts)
