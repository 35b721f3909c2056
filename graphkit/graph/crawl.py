"""Crawling files into a static ModuleGraph: parse (cached, on every core), resolve, repeat.

An entry file is crawled through everything it reaches, packages included. A folder contributes every
JavaScript and TypeScript file under it (``node_modules`` below it skipped unless the folder itself is
inside one; declaration files ``.d.ts`` skipped, Node never loads them); the targets of its imports appear
as modules but are not crawled further.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from graphkit.errors import InputError
from graphkit.extract.cache import ExtractionCache, StatKey
from graphkit.extract.files import FileParser, ParsedFile
from graphkit.extract.grammars import TYPESCRIPT_SUFFIXES
from graphkit.extract.source import SourceError, source_key
from graphkit.graph.globs import expand_glob
from graphkit.graph.stored import GraphStore
from graphkit.model import Edge, Format, ImportRecord, Module, ModuleGraph, ModuleKind, Problem
from graphkit.model.urls import file_system_path, in_node_modules
from graphkit.resolve.resolver import path_to_url
from graphkit.resolve.typescript import Rules, resolver_for

__all__ = ["Crawl", "Scanner", "crawl", "inputs", "scan"]

SOURCE_SUFFIXES = (".mjs", ".js", ".cjs", *TYPESCRIPT_SUFFIXES)
_DECLARATION_SUFFIXES = (".d.ts", ".d.mts", ".d.cts")
PARSED_FORMATS = (Format.MODULE, Format.COMMONJS, Format.MODULE_TYPESCRIPT, Format.COMMONJS_TYPESCRIPT)
_COMMONJS_FORMATS = (Format.COMMONJS, Format.COMMONJS_TYPESCRIPT)


def _walk(folder: Path, listed: dict[str, int]) -> list[str]:
    """The source files under ``folder``; each folder listed goes into ``listed`` with its mtime."""
    inside_packages = in_node_modules(os.path.join(folder, ""))  # the trailing "/" counts node_modules itself
    found: list[str] = []
    for root, dirs, files in os.walk(folder, onerror=_unreadable_folder):
        listed[root] = os.stat(root).st_mtime_ns
        dirs[:] = sorted(d for d in dirs if inside_packages or d != "node_modules")
        found.extend(
            os.path.join(root, f)
            for f in sorted(files)
            if f.endswith(SOURCE_SUFFIXES) and not f.endswith(_DECLARATION_SUFFIXES)
        )
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


def inputs(paths: Sequence[Path]) -> list[tuple[Path, Literal["file", "folder"]]]:
    """The named paths, resolved, each an entry file or a folder; one line for the first that is neither."""
    return [(path.resolve(), _input_kind(path)) for path in paths]


class Scanner:
    """A crawl that stays warm: ``update`` re-parses changed files and re-resolves only their imports."""

    def __init__(
        self, conditions: Sequence[str] = (), *, use_cache: bool = True, rules: Rules = Rules.AUTO
    ) -> None:
        self.conditions = tuple(conditions)
        self.rules = rules
        self.resolver = resolver_for(rules, self.conditions)
        self.cache = ExtractionCache() if use_cache else None
        self.parser = FileParser(self.cache)
        self.modules: dict[str, Module] = {}
        self.edges: dict[str, list[Edge]] = {}  # by importer, in source order
        self.problems: dict[str, list[Problem]] = {}
        self.seen: set[str] = set()  # URLs queued for parsing
        self.followed: set[str] = set()  # URLs whose targets are crawled too
        self.entries: list[str] = []  # the inputs: entry files crawled through, and every folder's files
        self.folder_files: list[str] = []
        # What the graph was built from, besides what the resolver read (see graphkit.graph.stored):
        self.sources: dict[str, StatKey | None] = {}  # each file parsed, by path
        self.listed: dict[str, int] = {}  # each folder listed, by path: its mtime
        self.globs: dict[tuple[str, str], tuple[str, ...]] = {}  # (pattern, importer path): what it matched
        self.accepting: set[str] = set()  # URLs whose source calls hot.accept

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
            jobs = [job for url in frontier if (job := self._job(self.add_module(url))) is not None]
            targets: list[str] = []
            for parsed in self.parser.parse(jobs):
                targets.extend(self._record(parsed))
            frontier = sorted({t for t in targets if t not in self.seen}) if follow else []

    def _job(self, module: Module) -> tuple[str, bool] | None:
        """The file to parse for ``module`` and whether it is CommonJS; None for what holds no imports."""
        path = file_system_path(module.url)  # a name that is not UTF-8 too: Node cannot load it, it is there
        if path is None:
            return None
        if module.format in PARSED_FORMATS:
            return path, module.format in _COMMONJS_FORMATS
        if module.url.endswith(".tsx") and module.kind is not ModuleKind.MISSING:
            # Node has no format for .tsx; loaders that run it read the package type as for .ts (same folder).
            return path, self.resolver.format_of(module.url[:-1]) in _COMMONJS_FORMATS
        return None

    def update(self, paths: Iterable[Path]) -> None:
        """Re-read changed, added or deleted files; a deleted file stays as a ``missing`` module."""
        # The resolver caches stats and hits: a file created or deleted since must be looked up afresh.
        self.resolver = resolver_for(self.rules, self.conditions)
        present: list[str] = []
        reread: set[str] = set()
        for path in paths:
            real = str(path.resolve())
            url = path_to_url(real)
            reread.add(real)
            self.seen.discard(url)
            self.accepting.discard(url)
            self.sources.pop(real, None)
            self.edges.pop(url, None)
            self.problems.pop(url, None)
            self.modules.pop(url, None)
            if path.exists():
                present.append(url)
            else:
                self.modules[url] = Module(url, ModuleKind.MISSING, self.resolver.format_of(url))
        self.globs = {key: found for key, found in self.globs.items() if key[1] not in reread}
        self.run([u for u in present if u in self.followed], follow=True)
        self.run([u for u in present if u not in self.followed], follow=False)
        self.parser.flush()

    def add(self, named: Sequence[tuple[Path, Literal["file", "folder"]]]) -> None:
        """Entry files are crawled through; folders add every JavaScript and TypeScript file under them.

        ``named`` are the inputs as ``inputs`` checked them."""
        entries: list[str] = []
        folder_files: list[str] = []
        for path, kind in named:
            if kind == "folder":
                folder_files.extend(path_to_url(f) for f in _walk(path, self.listed))
            else:
                entries.append(path_to_url(path))
        self.entries += entries
        self.folder_files += folder_files
        self.run(entries, follow=True)
        self.run(folder_files, follow=False)

    def settle(self) -> None:
        """After ``update``: the graph a fresh crawl of the same inputs would give. What a crawled module
        imports now is crawled too, and what nothing reaches any more is dropped."""
        while True:
            followed = self._reach()
            unparsed = sorted(url for url in followed if url not in self.seen)
            if not unparsed:
                break
            self.run(unparsed, follow=True)
        parsed = followed | set(self.folder_files)
        kept = parsed | {e.target for url in parsed for e in self.edges.get(url, ()) if e.target is not None}
        self.followed = followed
        self.seen &= parsed
        self.modules = {url: m for url, m in self.modules.items() if url in kept}
        self.edges = {url: found for url, found in self.edges.items() if url in parsed}
        self.problems = {url: found for url, found in self.problems.items() if url in parsed}
        self.accepting &= parsed
        self.sources = {path: key for path, key in self.sources.items() if path_to_url(path) in parsed}
        self.globs = {key: found for key, found in self.globs.items() if path_to_url(key[1]) in parsed}
        self.parser.flush()

    def _reach(self) -> set[str]:
        """The URLs a crawl from the entry files follows: every file each of them imports, transitively."""
        reached = set(self.entries)
        stack = list(self.entries)
        while stack:
            for edge in self.edges.get(stack.pop(), ()):
                target = edge.target
                if target is not None and target.startswith("file:") and target not in reached:
                    reached.add(target)
                    stack.append(target)
        return reached

    def close(self) -> None:
        self.parser.close()

    def _record(self, parsed: ParsedFile) -> list[str]:
        url = path_to_url(parsed.path)
        self.sources[parsed.path] = parsed.key
        if parsed.extraction is None:
            self.problems[url] = [Problem(url, None, None, "read-error", f"{parsed.path}: {parsed.error}")]
            return []
        self.problems[url] = [
            Problem(url, issue.line, issue.column, issue.code, issue.message)
            for issue in parsed.extraction.issues
        ]
        if parsed.extraction.accepts:
            self.accepting.add(url)
        if parsed.path.endswith(".tsx"):
            self.problems[url].append(
                Problem(
                    url,
                    None,
                    None,
                    "ERR_UNKNOWN_FILE_EXTENSION",
                    f'Unknown file extension ".tsx" for {parsed.path}: Node runs it only through a loader',
                )
            )
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
            specifiers = self.globs[record.glob, path] = expand_glob(record.glob, path)
            if not specifiers:
                yield Edge(url, None, record.kind, record.glob, *position, "ERR_MODULE_NOT_FOUND")
        elif record.specifier is None:
            yield Edge(url, None, record.kind, None, *position, "computed")
            return
        else:
            specifiers = (record.specifier,)
        for specifier in specifiers:
            resolution = self.resolver.resolve(specifier, url, record.kind)
            found, error, by = resolution.url, resolution.error, resolution.resolved_by
            yield Edge(url, found, record.kind, specifier, *position, error, by)


@dataclass(frozen=True, slots=True)
class Crawl:
    graph: ModuleGraph
    accepting: frozenset[str]  # the local modules whose source calls hot.accept


def crawl(
    paths: Sequence[Path],
    *,
    conditions: Sequence[str] = (),
    use_cache: bool = True,
    rules: Rules = Rules.AUTO,
) -> Crawl:
    """``scan``, with the local modules that accept their own updates."""
    scanner = Scanner(conditions, use_cache=use_cache, rules=rules)
    try:
        named = inputs(paths)
        usable = scanner.cache is not None and scanner.cache.usable
        store = GraphStore(named, scanner.conditions, rules.value) if usable else None
        changed = store.restore(scanner) if store is not None else None
        if changed is None:
            scanner.add(named)
        if store is not None and changed != 0:
            store.save(scanner)
    finally:
        scanner.close()
    graph = scanner.graph()
    local = {m.url for m in graph.modules if m.kind is ModuleKind.LOCAL}
    return Crawl(graph, frozenset(scanner.accepting & local))


def scan(
    paths: Sequence[Path],
    *,
    conditions: Sequence[str] = (),
    use_cache: bool = True,
    rules: Rules = Rules.AUTO,
) -> ModuleGraph:
    """The static graph of entry files (crawled through) and folders (every source file under them);
    ``rules`` says whose resolution to follow (``graphkit.resolve.typescript.Rules``: by default Node's,
    and TypeScript's for what a TypeScript file imports that Node cannot place). With the cache, the graph
    is kept (``graphkit.graph.stored``), and the next scan of the same inputs redoes only what
    changed since."""
    return crawl(paths, conditions=conditions, use_cache=use_cache, rules=rules).graph
