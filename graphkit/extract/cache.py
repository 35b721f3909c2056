"""A per-file cache of extraction results, so a rescan only parses the files that changed.

Entries are keyed by real path and validated by size, mtime and inode; the key also carries a digest of the
extractor's own source, its encoding here and the tree-sitter versions, so a new graphkit or grammar never
reads results an older one wrote. One SQLite file lives in the user's cache folder
(``$GRAPHKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/graphkit``, else ``~/.cache/graphkit``).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sqlite3
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from graphkit.model import Extraction, ImportKind, ImportRecord, ParseIssue

__all__ = ["ExtractionCache", "StatKey", "current_key", "decode", "default_cache_dir", "stat_key"]

StatKey = tuple[int, int, int]  # size, mtime_ns, inode
_ENCODING = 2  # 2: an ``accepts`` column
_BATCH = 900  # below SQLite's default limit of host parameters in one statement


def stat_key(st: os.stat_result) -> StatKey:
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def current_key(path: str, stored: StatKey) -> StatKey | None:
    """The file's stat key while it still matches ``stored``; None once it changed, went or cannot be read."""
    try:
        key = stat_key(os.stat(path))
    except OSError:
        return None
    return key if key == stored else None


def default_cache_dir() -> Path:
    if explicit := os.environ.get("GRAPHKIT_CACHE_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "graphkit"


@cache
def _extractor_digest() -> str:
    """Changes whenever the parser, the grammar or this encoding does: results are only valid for them."""
    digest = hashlib.sha256(f"encoding {_ENCODING}".encode())
    for name in ("parse.py", "hot.py", "typescript.py", "grammars.py", "cache.py"):
        digest.update(Path(__file__).with_name(name).read_bytes())
    for dist in ("tree-sitter", "tree-sitter-javascript", "tree-sitter-typescript"):
        digest.update(f"{dist}=={version(dist)}".encode())
    return digest.hexdigest()[:16]


def _encode(extraction: Extraction) -> bytes:
    return marshal.dumps(
        (
            tuple(
                (r.kind.value, r.specifier, r.line, r.column, r.attributes, r.glob)
                for r in extraction.imports
            ),
            tuple((i.line, i.column, i.message, i.code) for i in extraction.issues),
        )
    )


def decode(blob: bytes, accepts: bool) -> Extraction:
    imports, issues = marshal.loads(blob)
    return Extraction(
        imports=tuple(
            ImportRecord(ImportKind(k), spec, line, col, attrs, glob)
            for k, spec, line, col, attrs, glob in imports
        ),
        issues=tuple(ParseIssue(*issue) for issue in issues),
        accepts=accepts,
    )


class ExtractionCache:
    """Entries are only valid for the same size, mtime and inode, and for the parser that made them.

    ``accepts`` has a column of its own: the watch loop reads it for every loaded module on every save,
    without decoding the imports.
    """

    def __init__(self, directory: Path | None = None) -> None:
        directory = directory or default_cache_dir()
        directory.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(directory / f"extract-{_extractor_digest()}.sqlite")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS files"
            " (path TEXT PRIMARY KEY, size INT, mtime INT, ino INT, accepts INT, data BLOB)"
        )
        self._pending: list[tuple[str, int, int, int, bool, bytes]] = []

    def get_many(self, paths: list[str]) -> dict[str, tuple[StatKey, bool, bytes]]:
        """The stored entries of ``paths`` (stat key, accepts, encoded imports and issues)."""
        return {
            path: ((size, mtime, ino), bool(accepts), data)
            for path, size, mtime, ino, accepts, data in self._select("accepts, data", paths)
        }

    def accepts_many(self, paths: list[str]) -> dict[str, tuple[StatKey, bool]]:
        """The stored stat key and ``accepts`` of ``paths``."""
        return {
            path: ((size, mtime, ino), bool(accepts))
            for path, size, mtime, ino, accepts in self._select("accepts", paths)
        }

    def _select(self, columns: str, paths: list[str]) -> list[tuple[Any, ...]]:
        """Rows of ``paths`` (path and stat key first, then ``columns``), in a few queries."""
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(paths), _BATCH):
            batch = paths[start : start + _BATCH]
            marks = ",".join("?" * len(batch))
            query = f"SELECT path, size, mtime, ino, {columns} FROM files WHERE path IN ({marks})"
            rows.extend(self._db.execute(query, batch).fetchall())
        return rows

    def put(self, path: str, key: StatKey, extraction: Extraction) -> None:
        self._pending.append((path, *key, extraction.accepts, _encode(extraction)))

    def flush(self) -> None:
        if self._pending:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)", self._pending)
            self._pending.clear()

    def close(self) -> None:
        self.flush()
        self._db.close()
