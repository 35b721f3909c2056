"""A scan's resolved graph, kept between runs: a warm scan re-checks what the graph was built from and
redoes only what changed.

A graph depends on the files parsed (their stat keys), on what resolution read from disk (every stat, real
path and package.json: ``DiskFacts``), on the folders listed and on what each template ``import()``
matched. While all of that holds, the stored graph is the graph; a parsed file whose content changed is
parsed and resolved again, and what it imports now is crawled. Anything else that changed (a file created
or deleted where resolution looked, a package.json, a folder's listing) rebuilds the graph from the
per-file extraction cache. One file per scan (inputs, conditions, graphkit's code) in the cache folder.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from graphkit.errors import CacheWarning
from graphkit.extract.cache import StatKey, default_cache_dir, extractor_digest, stat_key
from graphkit.extract.private import read_file, write_file
from graphkit.extract.source import SourceError, source_key
from graphkit.graph.globs import expand_glob
from graphkit.model import Edge, Format, ImportKind, Module, ModuleKind, Problem
from graphkit.resolve.packages import DiskFacts, Lstats

if TYPE_CHECKING:
    from graphkit.graph.crawl import Scanner  # which restores and saves through this module

__all__ = ["GraphStore"]

_FORMAT = 1
# The code a stored graph was made by: a change to any of it makes the graph a new one.
_CODE = (
    "graph/crawl.py",
    "graph/globs.py",
    "graph/stored.py",
    "model/graph.py",
    "model/protocol.py",
    "resolve",
)
_KINDS = {kind.value: kind for kind in ModuleKind}
_FORMATS = {fmt.value: fmt for fmt in Format}
_IMPORTS = {kind.value: kind for kind in ImportKind}


def _code_digest() -> bytes:
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(extractor_digest().encode())
    for name in _CODE:
        where = root / name
        for path in sorted(where.glob("*.py")) if where.is_dir() else [where]:
            digest.update(path.read_bytes())
    return digest.digest()


class GraphStore:
    """The stored graph of one scan: ``restore`` it into a new Scanner, ``save`` it after."""

    def __init__(
        self,
        inputs: list[tuple[Path, Literal["file", "folder"]]],
        conditions: tuple[str, ...],
        rules: str = "auto",
    ) -> None:
        digest = hashlib.sha256(_code_digest())
        digest.update(repr((_FORMAT, sorted(map(str, inputs)), sorted(conditions), rules)).encode())
        self.path = default_cache_dir() / f"graph-{digest.hexdigest()[:16]}.marshal"
        self._facts: DiskFacts | None = None  # what the restored graph was built from, re-checked

    def restore(self, scanner: Scanner) -> int | None:
        """Load the stored graph into ``scanner`` and bring it up to date: how many files it read again,
        or None (``scanner`` untouched) when there is no stored graph that still holds."""
        try:
            stored = _Stored.decode(marshal.loads(read_file(self.path)))
        except FileNotFoundError:
            return None
        except PermissionError as error:  # planted by someone else: never loaded
            warnings.warn(f"cache {self.path}: {error.strerror}; not loaded", CacheWarning, stacklevel=2)
            return None
        except (OSError, EOFError, ValueError, TypeError, KeyError, IndexError) as error:
            warnings.warn(f"cache {self.path}: damaged ({error!r}); rebuilt", CacheWarning, stacklevel=2)
            return None
        lstat = Lstats()
        if not stored.holds(lstat):
            return None
        stored.load_into(scanner)
        changed = [Path(path) for path, key in scanner.sources.items() if _current(path, lstat) != key]
        if changed:
            scanner.update(changed)
            scanner.settle()
        self._facts = stored.facts
        return len(changed)

    def save(self, scanner: Scanner) -> None:
        facts = scanner.resolver.disk_facts()
        if self._facts is not None:
            facts = self._facts.merged(facts)
        try:
            write_file(self.path, marshal.dumps(_encode(scanner, facts)))
        except OSError as error:
            reason = error.strerror or str(error)
            warnings.warn(f"cache {self.path}: {reason}; the graph is not kept", CacheWarning, stacklevel=2)


def _current(path: str, lstat: Lstats) -> StatKey | None:
    """``source_key`` of a file, from the ``lstat`` the facts took when it is not a symlink."""
    st = lstat(path)
    if st is not None and not stat.S_ISLNK(st.st_mode):
        return stat_key(st) if stat.S_ISREG(st.st_mode) else None
    try:
        return source_key(path)
    except SourceError:
        return None


def _encode(scanner: Scanner, facts: DiskFacts) -> tuple[Any, ...]:
    # Each URL, path and specifier as one object: marshal writes an object it has written before as a
    # reference to it, so the stored graph is about 40% smaller and loads faster.
    shared: dict[Any, Any] = {}

    def one(text: Any) -> Any:
        return shared.setdefault(text, text)

    problems = scanner.problems.items()
    return (
        _FORMAT,
        [(one(m.url), m.kind.value, m.format.value if m.format else None) for m in scanner.modules.values()],
        {
            one(url): [
                (one(e.target), e.kind.value, one(e.specifier), e.line, e.column, e.error, e.resolved_by)
                for e in edges
            ]
            for url, edges in scanner.edges.items()
        },
        {one(url): [(p.line, p.column, p.code, p.message) for p in rows] for url, rows in problems},
        [one(url) for url in scanner.entries],
        [one(url) for url in scanner.folder_files],
        [one(url) for url in scanner.seen],
        [one(url) for url in scanner.followed],
        [one(url) for url in scanner.accepting],
        {one(path): key for path, key in scanner.sources.items()},
        scanner.listed,
        [(pattern, path, found) for (pattern, path), found in scanner.globs.items()],
        (
            {one(path): kind for path, kind in facts.kinds.items()},
            {one(path): one(real) for path, real in facts.real.items()},
            facts.packages,
        ),
    )


@dataclass(frozen=True, slots=True)
class _Stored:
    """A stored scan as read back: the Scanner's state, and the facts it was built from."""

    modules: dict[str, Module]
    edges: dict[str, list[Edge]]
    problems: dict[str, list[Problem]]
    entries: list[str]
    folder_files: list[str]
    seen: set[str]
    followed: set[str]
    accepting: set[str]
    sources: dict[str, StatKey | None]
    listed: dict[str, int]
    globs: dict[tuple[str, str], tuple[str, ...]]
    facts: DiskFacts

    @classmethod
    def decode(cls, doc: Any) -> _Stored:
        if doc[0] != _FORMAT:
            raise ValueError(f"format {doc[0]!r}")
        _, modules, edges, problems, entries, folder_files, seen, followed, accepting, *rest = doc
        sources, listed, globs, (kinds, real, packages) = rest
        return cls(
            {url: Module(url, _KINDS[kind], _FORMATS[fmt] if fmt else None) for url, kind, fmt in modules},
            {
                url: [Edge(url, target, _IMPORTS[kind], *row) for target, kind, *row in rows]
                for url, rows in edges.items()
            },
            {url: [Problem(url, *row) for row in rows] for url, rows in problems.items()},
            list(entries),
            list(folder_files),
            set(seen),
            set(followed),
            set(accepting),
            dict(sources),
            dict(listed),
            {(pattern, path): tuple(found) for pattern, path, found in globs},
            DiskFacts(kinds, real, packages),
        )

    def holds(self, lstat: Lstats) -> bool:
        """Whether every fact the graph was built from, but the parsed files' content, is still true."""
        try:
            listed = all(os.stat(folder).st_mtime_ns == mtime for folder, mtime in self.listed.items())
        except OSError:
            return False
        globs = all(expand_glob(pattern, path) == found for (pattern, path), found in self.globs.items())
        return listed and globs and self.facts.hold(lstat)

    def load_into(self, scanner: Scanner) -> None:
        scanner.modules, scanner.edges, scanner.problems = self.modules, self.edges, self.problems
        scanner.entries, scanner.folder_files = self.entries, self.folder_files
        scanner.seen, scanner.followed, scanner.accepting = self.seen, self.followed, self.accepting
        scanner.sources, scanner.listed, scanner.globs = self.sources, self.listed, self.globs
