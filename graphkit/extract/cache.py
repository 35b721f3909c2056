"""A per-file cache of extraction results, so a rescan only parses the files that changed.

Entries are keyed by real path and validated by size, mtime, inode and ctime (which no copy, not even
``cp -p``, can preserve); the key also carries a digest of the extractor's own source, its encoding here
and the tree-sitter versions, so a new graphkit or grammar never reads results an older one wrote. One
SQLite file lives in the user's cache folder (``$GRAPHKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/graphkit``,
else ``~/.cache/graphkit``).

The cache is an optimisation, never a failure: a damaged file is moved aside and rebuilt, and a cache that
cannot be opened, written or locked within ``LOCK_TIMEOUT`` seconds is dropped for the rest of the run.
Either way one ``CacheWarning`` says so. A cache folder or file another user could have written is not
used at all (``graphkit.extract.private``).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sqlite3
import warnings
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from graphkit.errors import CacheWarning
from graphkit.extract.private import check_file, create_file, private_folder
from graphkit.model import Extraction, ImportKind, ImportRecord, ParseIssue

__all__ = [
    "LOCK_TIMEOUT",
    "ExtractionCache",
    "StatKey",
    "current_key",
    "default_cache_dir",
    "extractor_digest",
    "stat_key",
]

StatKey = tuple[int, int, int, int]  # size, mtime_ns, inode, ctime_ns
_ENCODING = 3  # 2: an ``accepts`` column; 3: ctime in the key
LOCK_TIMEOUT = 5.0  # seconds to wait for another process's lock before scanning without the cache
_BATCH = 900  # below SQLite's default limit of host parameters in one statement
_DAMAGED_CODES = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def stat_key(st: os.stat_result) -> StatKey:
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def current_key(path: str, stored: StatKey) -> StatKey | None:
    """The file's stat key while it still matches ``stored``; None once it changed, went or cannot be read."""
    from graphkit.extract.source import SourceError, source_key  # source.py imports this module

    try:
        key = source_key(path)
    except SourceError:
        return None
    return key if key == stored else None


def default_cache_dir() -> Path:
    if explicit := os.environ.get("GRAPHKIT_CACHE_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "graphkit"


@cache
def extractor_digest() -> str:
    """Changes whenever the parser, the grammar or this encoding does: results are only valid for them."""
    digest = hashlib.sha256(f"encoding {_ENCODING}".encode())
    for name in ("parse.py", "hot.py", "typescript.py", "grammars.py", "cache.py"):
        digest.update(Path(__file__).with_name(name).read_bytes())
    # The compiled parser and grammars themselves: found as files, not through package metadata (which
    # costs every command a slow import), so any other build of them is a new digest too. Each is known by
    # its path and stat key, as source files are: installing a build writes a new file (a new inode and
    # ctime), and hashing 6 MB of binaries cost every warm command 9 ms.
    for package in ("tree_sitter", "tree_sitter_javascript", "tree_sitter_typescript"):
        spec = find_spec(package)
        origin = spec.origin if spec is not None else None
        for binary in sorted(Path(origin).parent.glob("_binding*")) if origin else ():
            digest.update(repr((str(binary), stat_key(binary.stat()))).encode())
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


def _decode(blob: bytes, accepts: bool) -> Extraction:
    imports, issues = marshal.loads(blob)
    return Extraction(
        imports=tuple(
            ImportRecord(ImportKind(k), spec, line, col, attrs, glob)
            for k, spec, line, col, attrs, glob in imports
        ),
        issues=tuple(ParseIssue(*issue) for issue in issues),
        accepts=accepts,
    )


class _Damaged(Exception):
    """The file is not a sound cache: move it aside and start a new one."""


def _is_damaged(error: sqlite3.Error) -> bool:
    return getattr(error, "sqlite_errorcode", 0) & 0xFF in _DAMAGED_CODES


class ExtractionCache:
    """Entries are only valid for the same stat key, and for the parser that made them.

    ``accepts`` has a column of its own: the watch loop reads it for every loaded module on every save,
    without decoding the imports.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self.path = (directory or default_cache_dir()) / f"extract-{extractor_digest()}.sqlite"
        self._pending: list[tuple[str, int, int, int, int, bool, bytes]] = []
        self._warned = False
        self._db: sqlite3.Connection | None = None
        try:
            private_folder(self.path.parent)
            self._db = self._connect()
        except _Damaged as error:
            self._rebuild(str(error))
        except (OSError, sqlite3.Error) as error:
            self._drop(error)

    @property
    def usable(self) -> bool:
        """False once the cache was dropped for this run (see ``_drop``)."""
        return self._db is not None

    def get_many(self, paths: list[str]) -> dict[str, tuple[StatKey, Extraction]]:
        """The stored entries of ``paths`` (stat key, extraction)."""
        try:
            return {
                path: ((size, mtime, ino, ctime), _decode(data, bool(accepts)))
                for path, size, mtime, ino, ctime, accepts, data in self._select("accepts, data", paths)
            }
        except (ValueError, TypeError, EOFError) as error:  # a row that does not decode
            self._rebuild(f"a bad entry ({error})")
            return {}

    def accepts_many(self, paths: list[str]) -> dict[str, tuple[StatKey, bool]]:
        """The stored stat key and ``accepts`` of ``paths``."""
        return {
            path: ((size, mtime, ino, ctime), bool(accepts))
            for path, size, mtime, ino, ctime, accepts in self._select("accepts", paths)
        }

    def _select(self, columns: str, paths: list[str]) -> list[tuple[Any, ...]]:
        """Rows of ``paths`` (path and stat key first, then ``columns``), in a few queries; none when the
        cache is gone or fails (a damaged file is rebuilt, any other failure drops the cache)."""
        rows: list[tuple[Any, ...]] = []
        try:
            for start in range(0, len(paths), _BATCH):
                if self._db is None:
                    return []
                batch = paths[start : start + _BATCH]
                marks = ",".join("?" * len(batch))
                query = f"SELECT path, size, mtime, ino, ctime, {columns} FROM files WHERE path IN ({marks})"
                rows.extend(self._db.execute(query, batch).fetchall())
        except sqlite3.Error as error:
            if _is_damaged(error):
                self._rebuild(str(error))
            else:
                self._drop(error)
            return []
        return rows

    def put(self, path: str, key: StatKey, extraction: Extraction) -> None:
        if self._db is not None:
            self._pending.append((path, *key, extraction.accepts, _encode(extraction)))

    def flush(self) -> None:
        if self._db is None or not self._pending:
            return
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?)", self._pending
                )
        except sqlite3.Error as error:
            self._drop(error)
        self._pending.clear()

    def close(self) -> None:
        self.flush()
        if self._db is not None:
            self._db.close()
            self._db = None

    def _connect(self) -> sqlite3.Connection:
        check_file(self.path)  # SQLite would follow a symlink and load any file
        create_file(self.path)  # the user's alone, which SQLite's journal files then copy
        db = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT)
        try:
            db.execute(
                "CREATE TABLE IF NOT EXISTS files"
                " (path TEXT PRIMARY KEY, size INT, mtime INT, ino INT, ctime INT, accepts INT, data BLOB)"
            )
        except sqlite3.Error as error:
            db.close()
            if _is_damaged(error):
                raise _Damaged(str(error)) from error
            raise
        return db

    def _rebuild(self, reason: str) -> None:
        """Move the damaged file aside (kept for a bug report) and start an empty cache in its place."""
        if self._db is not None:
            self._db.close()
            self._db = None
        aside = self.path.with_name(self.path.name + ".damaged")
        try:
            os.replace(self.path, aside)
            self._db = self._connect()
        except (OSError, sqlite3.Error, _Damaged) as error:
            self._drop(error)
            return
        self._warn(f"cache {self.path}: damaged ({reason}); moved to {aside.name} and rebuilt")

    def _drop(self, error: BaseException) -> None:
        """Scan on without the cache: it could not be opened, written or locked in time."""
        if self._db is not None:
            self._db.close()
            self._db = None
        self._pending.clear()
        where, reason = self.path, str(error)
        if isinstance(error, OSError):
            where, reason = error.filename or where, error.strerror or reason
        self._warn(f"cache {where}: {reason}; scanning without it")

    def _warn(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            warnings.warn(message, CacheWarning, stacklevel=2)
