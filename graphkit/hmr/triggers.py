"""What in a batch of saves asks something of the app: what Node read, not every file that changed.

- Code (``.mjs``, ``.js``, ``.ts``...) is a trigger whether loaded or not: a file the app has not loaded
  may be one its boot imports (``graphkit.planning.incremental.booted_from``).
- A ``.json`` is a trigger when the app loaded it (it is in the live graph), or when it is a
  ``package.json`` Node's resolution read: the nearest one above a loaded module (its package scope:
  ``type``, ``imports``, self-references), including one made or deleted between a loaded module and the
  scope it had. A JSON the app writes and never imported, or a ``package.json`` of a fixture, is not.
- Other files (logs, data, editor backups) are never triggers.
- An env file passed to Node (``--env-file``, ``--env-file-if-exists``) restarts the app: Node reads it
  only at start.
- A saved file names every loaded URL of that file, whatever its query or hash (``./q.mjs?v=1``).

An app that writes a JSON it imported would reload itself after each write, forever. So a JSON whose
last write (its mtime) falls inside the app's boot or re-run window (from the moment graphkit started or
re-ran it until it answered) counts as written by the app; so does one that was a trigger of that re-run
written up to ``AFTER_SECONDS`` later (a write its start-up scheduled: a callback, a promise). A batch whose
only triggers are such files is skipped, with one line. Code is never skipped this way. The cost: a JSON
the developer saves while the app re-runs (or re-saves within ``AFTER_SECONDS`` of its own reload) is
skipped too, and the line says to save it again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from graphkit.hmr.watcher import Batch
from graphkit.model.urls import file_url_path, path_to_url

__all__ = [
    "AFTER_SECONDS",
    "MODULE_SUFFIXES",
    "Candidates",
    "QueriedUrls",
    "Triggers",
    "Window",
    "candidates",
    "sort",
]

# What Node can load as a module; editor backups and swap files are not.
MODULE_SUFFIXES = frozenset({".mjs", ".cjs", ".js", ".json", ".wasm", ".node", ".ts", ".mts", ".cts", ".tsx"})
AFTER_SECONDS = 0.3  # writes an app's start-up schedules (a promise, a callback) land this soon after it


@dataclass(frozen=True, slots=True)
class Candidates:
    """A batch's module files and env files, before the live graph is asked which matter."""

    changed: tuple[Path, ...]
    deleted: tuple[Path, ...]
    env: tuple[Path, ...]  # env files changed or deleted

    def __bool__(self) -> bool:
        return bool(self.changed or self.deleted or self.env)


@dataclass(frozen=True, slots=True)
class Triggers:
    changed: tuple[Path, ...]
    deleted: tuple[Path, ...]
    written: tuple[Path, ...]  # JSON written by the app itself while it booted or re-ran: not reloaded


def candidates(batch: Batch, env_files: Iterable[Path]) -> Candidates:
    """The module and env files of ``batch``; cheap: no live graph, no file read."""
    env = frozenset(env_files)
    return Candidates(
        tuple(p for p in batch.changed if p.suffix in MODULE_SUFFIXES and p not in env),
        tuple(p for p in batch.deleted if p.suffix in MODULE_SUFFIXES and p not in env),
        tuple(p for p in (*batch.changed, *batch.deleted) if p in env),
    )


class Window:
    """When the app last booted or re-ran, in wall-clock nanoseconds (a file's mtime is wall-clock)."""

    def __init__(self, start: int | None = None) -> None:
        self.start = time.time_ns() if start is None else start
        self.end: int | None = None  # None while it runs
        self.triggers: frozenset[Path] = frozenset()  # the files the re-run was for

    def open(self, triggers: Iterable[Path] = ()) -> None:
        self.start, self.end = time.time_ns(), None
        self.triggers = frozenset(triggers)

    def close(self) -> None:
        self.end = time.time_ns()

    def holds(self, path: Path, mtime_ns: int) -> bool:
        """Whether a write of ``path`` at ``mtime_ns`` was the app's, by the rule above."""
        end = time.time_ns() if self.end is None else self.end
        if path in self.triggers:
            end += int(AFTER_SECONDS * 1e9)
        # The kernel stamps an mtime with a clock that may lag by a tick: a few ms of slack before.
        return self.start - 10_000_000 <= mtime_ns <= end


class QueriedUrls:
    """The loaded URLs that carry a query or hash, by the URL of their file; rebuilt once per graph
    version, and only when a save names a file whose plain URL the app has not loaded."""

    def __init__(self) -> None:
        self._version: tuple[int, int] | None = None
        self._by_file: dict[str, list[str]] = {}

    def of(self, g: nx.DiGraph, version: int) -> dict[str, list[str]]:
        key = (id(g), version)
        if key != self._version:
            self._by_file = {}
            for url in g:
                if url.startswith("file:") and ("?" in url or "#" in url):
                    end = min(i for i in (url.find("?"), url.find("#")) if i >= 0)
                    self._by_file.setdefault(url[:end], []).append(url)
            self._version = key
        return self._by_file

    def urls(self, paths: Sequence[Path], g: nx.DiGraph, version: int) -> list[str]:
        """Every loaded URL of ``paths``: the plain one (loaded or not), and each with a query or hash."""
        found: list[str] = []
        for path in paths:
            url = path_to_url(path)
            found.append(url)
            if url not in g:
                found += self.of(g, version).get(url, ())
        return found


def sort(found: Candidates, g: nx.DiGraph, window: Window, queried: QueriedUrls, version: int) -> Triggers:
    """Which of ``found`` (its env files aside) ask for a reload of the app whose live graph is ``g``."""
    changed = [p for p in found.changed if _read_by_node(p, g, queried, version)]
    deleted = [p for p in found.deleted if _read_by_node(p, g, queried, version)]
    written = tuple(p for p in changed if p.suffix == ".json" and _written_in(p, window))
    return Triggers(tuple(changed), tuple(deleted), written)


def _read_by_node(path: Path, g: nx.DiGraph, queried: QueriedUrls, version: int) -> bool:
    if path.suffix != ".json" or len(g) == 0:
        return True  # code may be imported at boot; an empty graph: what Node read is not known yet
    if any(url in g for url in queried.urls([path], g, version)):
        return True
    return path.name == "package.json" and _a_scope(path.parent, _loaded_folders(g))


def _loaded_folders(g: nx.DiGraph) -> set[Path]:
    folders = set()
    for url in g:
        found = file_url_path(url)
        if found is not None:
            folders.add(Path(found).parent)
    return folders


def _a_scope(folder: Path, loaded: Iterable[Path]) -> bool:
    """Whether ``folder`` is, or with its package.json back would be, the package scope of a module in one of
    the ``loaded`` folders: no package.json lies between them."""
    for module_folder in loaded:
        if module_folder == folder or module_folder.is_relative_to(folder):
            between = module_folder.relative_to(folder).parts
            if not any(
                (folder.joinpath(*between[:i]) / "package.json").is_file() for i in range(len(between), 0, -1)
            ):
                return True
    return False


def _written_in(path: Path, window: Window) -> bool:
    try:
        return window.holds(path, os.stat(path).st_mtime_ns)
    except OSError:
        return False
