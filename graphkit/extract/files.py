"""Extractions of files on disk: from the cache where it is still valid, the rest parsed (across every
core when there are many)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

from graphkit.extract.cache import ExtractionCache, StatKey, current_key, decode, stat_key
from graphkit.extract.grammars import grammar_for
from graphkit.model import Extraction

__all__ = ["FileParser", "ParsedFile"]

# Below this many files a process pool costs more than it saves.
_PARALLEL_THRESHOLD = 64


@dataclass(frozen=True, slots=True)
class ParsedFile:
    path: str
    key: StatKey | None
    extraction: Extraction | None
    error: str | None  # why the file could not be read


def _parse_file(job: tuple[str, bool]) -> ParsedFile:
    from graphkit.extract.parse import extract  # imported here: warm rescans never load tree-sitter

    path, commonjs = job
    try:
        with open(path, "rb") as handle:
            st = os.fstat(handle.fileno())
            source = handle.read()
    except OSError as error:
        return ParsedFile(path, None, None, error.strerror or str(error))
    return ParsedFile(path, stat_key(st), extract(source, commonjs=commonjs, grammar=grammar_for(path)), None)


class FileParser:
    """Parses batches of ``(path, commonjs)`` jobs; ``parallel`` allows a forked process pool."""

    def __init__(self, cache: ExtractionCache | None, *, parallel: bool = True) -> None:
        self._cache = cache
        self._parallel = parallel
        self._pool: ProcessPoolExecutor | None = None

    def parse(self, jobs: list[tuple[str, bool]]) -> Iterator[ParsedFile]:
        misses: list[tuple[str, bool]] = []
        cached = self._cache.get_many([path for path, _ in jobs]) if self._cache is not None else {}
        for path, commonjs in jobs:
            hit = self._lookup(path, cached)
            if hit is None:
                misses.append((path, commonjs))
            else:
                yield hit
        workers = os.cpu_count() or 1
        if self._parallel and len(misses) >= _PARALLEL_THRESHOLD and workers > 1:
            if self._pool is None:
                # fork: workers inherit the loaded grammar instead of importing it again.
                self._pool = ProcessPoolExecutor(workers, mp_context=get_context("fork"))
            results: Iterable[ParsedFile] = self._pool.map(
                _parse_file, misses, chunksize=max(1, len(misses) // (workers * 8))
            )
        else:
            results = map(_parse_file, misses)
        for parsed in results:
            if self._cache is not None and parsed.extraction is not None and parsed.key is not None:
                self._cache.put(parsed.path, parsed.key, parsed.extraction)
            yield parsed

    @staticmethod
    def _lookup(path: str, cached: dict[str, tuple[StatKey, bool, bytes]]) -> ParsedFile | None:
        entry = cached.get(path)
        key = current_key(path, entry[0]) if entry is not None else None
        if entry is None or key is None:
            return None
        return ParsedFile(path, key, decode(entry[2], entry[1]), None)

    def flush(self) -> None:
        if self._cache is not None:
            self._cache.flush()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
        if self._cache is not None:
            self._cache.close()
