"""Crawling files into a static ModuleGraph: parse (cached, on every core), resolve, repeat.

An entry file is crawled through everything it reaches, packages included. A folder contributes every
JavaScript file under it (``node_modules`` below it skipped unless the folder itself is inside one); the
targets of its imports appear as modules but are not crawled further.
"""

from __future__ import annotations

import glob
import os
import signal
import stat
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context, set_forkserver_preload
from pathlib import Path
from typing import Literal

from graphkit.errors import InputError
from graphkit.extract.cache import ExtractionCache, StatKey
from graphkit.extract.source import SourceError, read_source, source_key
from graphkit.model import Edge, Extraction, Format, ImportRecord, Module, ModuleGraph, ModuleKind, Problem
from graphkit.model.urls import local_path
from graphkit.resolve.resolver import Resolver, path_to_url

__all__ = ["Scanner", "scan"]

JS_SUFFIXES = (".mjs", ".js", ".cjs")
PARSED_FORMATS = (Format.MODULE, Format.COMMONJS)
# Below this many files a process pool costs more than it saves.
_PARALLEL_THRESHOLD = 64


@dataclass(frozen=True, slots=True)
class _Parsed:
    path: str
    key: StatKey | None
    extraction: Extraction | None
    error: str | None  # why the file could not be read


def _parse_file(job: tuple[str, bool]) -> _Parsed:
    from graphkit.extract.parse import extract  # imported here: warm rescans never load tree-sitter

    path, commonjs = job
    try:
        key, source = read_source(path)
    except SourceError as error:
        return _Parsed(path, None, None, error.reason)
    return _Parsed(path, key, extract(source, commonjs=commonjs), None)


def start_method() -> str:
    """``fork`` lets workers inherit the loaded grammar, but forking a process that runs other threads
    (a Jupyter kernel, the watch loop) can deadlock the child: then a fork server, which forks from a
    single-threaded process that preloads the parser."""
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


class _Parser:
    """Parses batches of files, from the cache where it is still valid, the rest across every core."""

    def __init__(self, cache: ExtractionCache | None) -> None:
        self._cache = cache
        self._pool: ProcessPoolExecutor | None = None

    def parse(self, jobs: list[tuple[str, bool]]) -> Iterator[_Parsed]:
        misses: list[tuple[str, bool]] = []
        cached = self._cache.get_many([path for path, _ in jobs]) if self._cache is not None else {}
        for path, commonjs in jobs:
            hit = self._lookup(path, cached)
            if hit is None:
                misses.append((path, commonjs))
            else:
                yield hit
        workers = os.cpu_count() or 1
        if len(misses) >= _PARALLEL_THRESHOLD and workers > 1:
            # Workers are forked while the jobs are submitted: with SIGINT blocked until they ignore it,
            # a Ctrl-C at that moment cannot kill one half-started and hang the pool.
            masked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                if self._pool is None:
                    self._pool = ProcessPoolExecutor(
                        workers, mp_context=get_context(start_method()), initializer=_ignore_interrupts
                    )
                results: Iterable[_Parsed] = self._pool.map(
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
    def _lookup(path: str, cached: dict[str, tuple[StatKey, Extraction]]) -> _Parsed | None:
        entry = cached.get(path)
        if entry is None:
            return None
        try:
            key = source_key(path)
        except SourceError:
            return None  # parsed afresh, which reports why it cannot be read
        return _Parsed(path, key, entry[1], None) if key == entry[0] else None

    def flush(self) -> None:
        if self._cache is not None:
            self._cache.flush()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)  # after Ctrl-C, parse nothing more
        if self._cache is not None:
            self._cache.close()


def _walk(folder: Path) -> list[str]:
    inside_packages = "node_modules" in folder.parts
    found: list[str] = []
    for root, dirs, files in os.walk(folder, onerror=_unreadable_folder):
        dirs[:] = sorted(d for d in dirs if inside_packages or d != "node_modules")
        found.extend(os.path.join(root, f) for f in sorted(files) if f.endswith(JS_SUFFIXES))
    return found


def _unreadable_folder(error: OSError) -> None:
    raise InputError(f"{error.filename}: {error.strerror}") from error


def _input_kind(path: Path) -> Literal["file", "folder"]:
    """Whether a named path is an entry file or a folder, or one line saying why it is neither."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file or folder") from None
    except OSError as error:
        raise InputError(f"{path}: {error.strerror}") from error
    if stat.S_ISDIR(st.st_mode):
        return "folder"
    try:
        source_key(str(path))
    except SourceError as error:
        raise InputError(f"{path}: {error.reason}") from error
    return "file"


def _expand_glob(record: ImportRecord, parent: str) -> list[str]:
    """`./p/${x}.js` was recorded as `./p/*.js`: one specifier per file that matches it on disk."""
    assert record.glob is not None
    if not record.glob.startswith(("./", "../")):
        return []
    base = os.path.dirname(parent)
    specifiers = []
    for match in sorted(glob.glob(os.path.join(glob.escape(base), record.glob))):
        if os.path.isfile(match) and match != parent:
            relative = os.path.relpath(match, base)
            specifiers.append(relative if relative.startswith("../") else "./" + relative)
    return specifiers


class Scanner:
    """A crawl that stays warm: ``update`` re-parses changed files and re-resolves only their imports."""

    def __init__(self, conditions: Sequence[str] = (), *, use_cache: bool = True) -> None:
        self.conditions = tuple(conditions)
        self.resolver = Resolver(self.conditions)
        self.parser = _Parser(ExtractionCache() if use_cache else None)
        self.modules: dict[str, Module] = {}
        self.edges: dict[str, list[Edge]] = {}  # by importer, in source order
        self.problems: dict[str, list[Problem]] = {}
        self.seen: set[str] = set()  # URLs queued for parsing
        self.followed: set[str] = set()  # URLs whose targets are crawled too

    def graph(self) -> ModuleGraph:
        return ModuleGraph(
            modules=tuple(sorted(self.modules.values(), key=lambda m: m.url)),
            edges=tuple(e for url in sorted(self.edges) for e in self.edges[url]),
            problems=tuple(p for url in sorted(self.problems) for p in self.problems[url]),
        )

    def add_module(self, url: str) -> Module:
        module = self.modules.get(url)
        if module is None:
            module = Module(url, self.resolver.module_kind(url), self.resolver.format_of(url))
            self.modules[url] = module
        return module

    def run(self, urls: Iterable[str], *, follow: bool) -> None:
        frontier = [u for u in urls if u not in self.seen]
        while frontier:
            self.seen.update(frontier)
            if follow:
                self.followed.update(frontier)
            jobs = [
                (local_path(url), module.format is Format.COMMONJS)
                for url in frontier
                if (module := self.add_module(url)).format in PARSED_FORMATS
            ]
            targets: list[str] = []
            for parsed in self.parser.parse(jobs):
                targets.extend(self._record(parsed))
            frontier = sorted({t for t in targets if t not in self.seen}) if follow else []

    def update(self, paths: Iterable[Path]) -> None:
        """Re-read changed, added or deleted files; a deleted file stays as a ``missing`` module."""
        # The resolver caches stats and hits: a file created or deleted since must be looked up afresh.
        self.resolver = Resolver(self.conditions)
        present: list[str] = []
        for path in paths:
            url = path_to_url(path.resolve())
            self.seen.discard(url)
            self.edges.pop(url, None)
            self.problems.pop(url, None)
            self.modules.pop(url, None)
            if path.exists():
                present.append(url)
            else:
                self.modules[url] = Module(url, ModuleKind.MISSING, self.resolver.format_of(url))
        self.run([u for u in present if u in self.followed], follow=True)
        self.run([u for u in present if u not in self.followed], follow=False)
        self.parser.flush()

    def add(self, paths: Sequence[Path]) -> None:
        """Entry files are crawled through; folders add every JS file under them."""
        entries: list[str] = []
        folder_files: list[str] = []
        for path in paths:
            if _input_kind(path) == "folder":
                folder_files.extend(path_to_url(f) for f in _walk(path.resolve()))
            else:
                entries.append(path_to_url(path.resolve()))
        self.run(entries, follow=True)
        self.run(folder_files, follow=False)

    def close(self) -> None:
        self.parser.close()

    def _record(self, parsed: _Parsed) -> list[str]:
        url = path_to_url(parsed.path)
        if parsed.extraction is None:
            self.problems[url] = [Problem(url, None, None, "read-error", f"{parsed.path}: {parsed.error}")]
            return []
        self.problems[url] = [
            Problem(url, issue.line, issue.column, "syntax-error", issue.message)
            for issue in parsed.extraction.issues
        ]
        edges = self.edges[url] = []
        targets = []
        for record in parsed.extraction.imports:
            for edge in self._edges_for(url, parsed.path, record):
                edges.append(edge)
                if edge.target is not None:
                    self.add_module(edge.target)
                    if edge.target.startswith("file:"):
                        targets.append(edge.target)
        return targets

    def _edges_for(self, url: str, path: str, record: ImportRecord) -> Iterator[Edge]:
        position = (record.line, record.column)
        if record.glob is not None:
            specifiers = _expand_glob(record, path)
            if not specifiers:
                yield Edge(url, None, record.kind, record.glob, *position, "ERR_MODULE_NOT_FOUND")
        elif record.specifier is None:
            yield Edge(url, None, record.kind, None, *position, "computed")
            return
        else:
            specifiers = [record.specifier]
        for specifier in specifiers:
            resolution = self.resolver.resolve(specifier, url, record.kind)
            yield Edge(url, resolution.url, record.kind, specifier, *position, resolution.error)


def scan(paths: Sequence[Path], *, conditions: Sequence[str] = (), use_cache: bool = True) -> ModuleGraph:
    """The static graph of entry files (crawled through) and folders (every JS file under them)."""
    scanner = Scanner(conditions, use_cache=use_cache)
    try:
        scanner.add(paths)
    finally:
        scanner.close()
    return scanner.graph()
