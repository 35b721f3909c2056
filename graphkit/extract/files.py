"""Extractions of files on disk: from the cache where it is still valid, the rest parsed (across every
core when there are many)."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graphkit.extract.cache import ExtractionCache, StatKey, current_key
from graphkit.extract.grammars import grammar_for
from graphkit.extract.source import SourceError, read_source
from graphkit.model import Extraction

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

__all__ = ["FileParser", "ParsedFile", "start_method"]

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
        key, source = read_source(path)
    except SourceError as error:
        return ParsedFile(path, None, None, error.reason)
    return ParsedFile(path, key, extract(source, commonjs=commonjs, grammar=grammar_for(path)), None)


def start_method() -> str:
    """``fork`` lets workers inherit the loaded grammar, but forking a process that runs other threads
    (a Jupyter kernel, the watch loop) can deadlock the child: then a fork server, which forks from a
    single-threaded process that preloads the parser."""
    from multiprocessing import get_all_start_methods, set_forkserver_preload  # slow: only for a pool

    methods = get_all_start_methods()
    if threading.active_count() == 1 and "fork" in methods:
        return "fork"
    if "forkserver" in methods:
        set_forkserver_preload(["graphkit.extract.parse"])
        return "forkserver"
    return "spawn"


def _ignore_interrupts() -> None:
    """Ctrl-C reaches the whole process group: only the scanning process handles it (exit 130)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


class FileParser:
    """Parses batches of ``(path, commonjs)`` jobs; ``parallel`` allows a process pool."""

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
            # Workers are forked while the jobs are submitted: with SIGINT blocked until they ignore it,
            # a Ctrl-C at that moment cannot kill one half-started and hang the pool.
            masked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                if self._pool is None:
                    # Imported here: most commands parse nothing or little, and the pool's modules are slow
                    # to import.
                    from concurrent.futures import ProcessPoolExecutor
                    from multiprocessing import get_context

                    self._pool = ProcessPoolExecutor(
                        workers, mp_context=get_context(start_method()), initializer=_ignore_interrupts
                    )
                results: Iterable[ParsedFile] = self._pool.map(
                    _parse_file, misses, chunksize=max(1, len(misses) // (workers * 8))
                )
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, masked)
        else:
            results = map(_parse_file, misses)
        for parsed in results:
            if self._cache is not None and parsed.extraction is not None and parsed.key is not None:
                self._cache.put(parsed.path, parsed.key, parsed.extraction)
            yield parsed

    @staticmethod
    def _lookup(path: str, cached: dict[str, tuple[StatKey, Extraction]]) -> ParsedFile | None:
        entry = cached.get(path)
        # A file that cannot be read now is parsed afresh, which reports why.
        key = current_key(path, entry[0]) if entry is not None else None
        if entry is None or key is None:
            return None
        return ParsedFile(path, key, entry[1], None)

    def flush(self) -> None:
        if self._cache is not None:
            self._cache.flush()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)  # after Ctrl-C, parse nothing more
        if self._cache is not None:
            self._cache.close()
