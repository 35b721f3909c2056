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
current content the app wrote itself (``graphkit.hmr.own_writes``) is dropped from a batch; a batch of only
such files is skipped, with one line (beside other saves they go unsaid: the reload's line is the batch's
one line). So is code the app wrote and has not loaded (a module it generates); loaded code never is.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from graphkit.hmr.watcher import Batch
from graphkit.model.urls import file_url_path, path_to_url

__all__ = [
    "MODULE_SUFFIXES",
    "Candidates",
    "QueriedUrls",
    "Triggers",
    "candidates",
    "sort",
]

# What Node can load as a module; editor backups and swap files are not.
MODULE_SUFFIXES = frozenset({".mjs", ".cjs", ".js", ".json", ".wasm", ".node", ".ts", ".mts", ".cts", ".tsx"})


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
    written: tuple[Path, ...]  # JSON written by the app itself while it booted or re-ran: not in ``changed``


def candidates(batch: Batch, env_files: Iterable[Path]) -> Candidates:
    """The module and env files of ``batch``; cheap: no live graph, no file read."""
    env = frozenset(env_files)
    return Candidates(
        tuple(p for p in batch.changed if p.suffix in MODULE_SUFFIXES and p not in env),
        tuple(p for p in batch.deleted if p.suffix in MODULE_SUFFIXES and p not in env),
        tuple(p for p in (*batch.changed, *batch.deleted) if p in env),
    )


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
        """The URLs of ``paths`` to plan with: every loaded one, query or hash included; the plain URL when
        it is loaded or no URL of the file is (a file the app may import at boot)."""
        found: list[str] = []
        for path in paths:
            url = path_to_url(path)
            variants = () if url in g else self.of(g, version).get(url, ())
            found += variants or [url]
        return found


def sort(
    found: Candidates,
    g: nx.DiGraph,
    queried: QueriedUrls,
    version: int,
    app_wrote: Callable[[Sequence[Path]], Collection[Path]],
) -> Triggers:
    """Which of ``found`` (its env files aside) ask for a reload of the app whose live graph is ``g``;
    ``app_wrote`` tells which of some files (JSON, or code not loaded) the app wrote itself."""
    read = [p for p in found.changed if _read_by_node(p, g, queried, version)]
    # A JSON, or code the app has not loaded (a module it generates): its own write asks nothing of it.
    own = app_wrote([p for p in read if p.suffix == ".json" or not _loaded(p, g, queried, version)])
    written = tuple(p for p in read if p in own)
    changed = tuple(p for p in read if p not in written)
    deleted = tuple(p for p in found.deleted if _read_by_node(p, g, queried, version))
    return Triggers(changed, deleted, written)


def _loaded(path: Path, g: nx.DiGraph, queried: QueriedUrls, version: int) -> bool:
    return any(url in g for url in queried.urls([path], g, version))


def _read_by_node(path: Path, g: nx.DiGraph, queried: QueriedUrls, version: int) -> bool:
    if path.suffix != ".json" or len(g) == 0:
        return True  # code may be imported at boot; an empty graph: what Node read is not known yet
    if _loaded(path, g, queried, version):
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

