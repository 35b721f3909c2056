"""Crawling files into a static ModuleGraph: parse (cached, on every core), resolve, repeat.

An entry file is crawled through everything it reaches, packages included. A folder contributes every
JavaScript and TypeScript file under it (``node_modules`` below it skipped unless the folder itself is
inside one; declaration files ``.d.ts`` skipped, Node never loads them); the targets of its imports appear
as modules but are not crawled further.
"""

from __future__ import annotations

import glob
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Literal

from graphkit.errors import InputError
from graphkit.extract.cache import ExtractionCache
from graphkit.extract.files import FileParser, ParsedFile
from graphkit.extract.grammars import TYPESCRIPT_SUFFIXES
from graphkit.extract.source import SourceError, source_key
from graphkit.model import Edge, Format, ImportRecord, Module, ModuleGraph, ModuleKind, Problem
from graphkit.model.urls import in_node_modules, local_path
from graphkit.resolve.resolver import path_to_url
from graphkit.resolve.specifiers import is_relative
from graphkit.resolve.typescript import Rules, resolver_for

__all__ = ["Scanner", "scan"]

SOURCE_SUFFIXES = (".mjs", ".js", ".cjs", *TYPESCRIPT_SUFFIXES)
_DECLARATION_SUFFIXES = (".d.ts", ".d.mts", ".d.cts")
PARSED_FORMATS = (Format.MODULE, Format.COMMONJS, Format.MODULE_TYPESCRIPT, Format.COMMONJS_TYPESCRIPT)
_COMMONJS_FORMATS = (Format.COMMONJS, Format.COMMONJS_TYPESCRIPT)


def _walk(folder: Path) -> list[str]:
    inside_packages = in_node_modules(os.path.join(folder, ""))  # the trailing "/" counts node_modules itself
    found: list[str] = []
    for root, dirs, files in os.walk(folder, onerror=_unreadable_folder):
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


def _expand_glob(record: ImportRecord, parent: str) -> list[str]:
    """`./p/${x}.js` was recorded as `./p/*.js`: one specifier per file that matches it on disk."""
    assert record.glob is not None
    if not is_relative(record.glob):
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

    def __init__(
        self, conditions: Sequence[str] = (), *, use_cache: bool = True, rules: Rules = Rules.NODE
    ) -> None:
        self.conditions = tuple(conditions)
        self.rules = rules
        self.resolver = resolver_for(rules, self.conditions)
        self.parser = FileParser(ExtractionCache() if use_cache else None)
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
            jobs = [job for url in frontier if (job := self._job(self.add_module(url))) is not None]
            targets: list[str] = []
            for parsed in self.parser.parse(jobs):
                targets.extend(self._record(parsed))
            frontier = sorted({t for t in targets if t not in self.seen}) if follow else []

    def _job(self, module: Module) -> tuple[str, bool] | None:
        """The file to parse for ``module`` and whether it is CommonJS; None for what holds no imports."""
        if module.format in PARSED_FORMATS:
            return local_path(module.url), module.format in _COMMONJS_FORMATS
        if module.url.endswith(".tsx") and module.kind is not ModuleKind.MISSING:
            # Node has no format for .tsx; loaders that run it read the package type as for .ts (same folder).
            return local_path(module.url), self.resolver.format_of(module.url[:-1]) in _COMMONJS_FORMATS
        return None

    def update(self, paths: Iterable[Path]) -> None:
        """Re-read changed, added or deleted files; a deleted file stays as a ``missing`` module."""
        # The resolver caches stats and hits: a file created or deleted since must be looked up afresh.
        self.resolver = resolver_for(self.rules, self.conditions)
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
        """Entry files are crawled through; folders add every JavaScript and TypeScript file under them."""
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

    def _record(self, parsed: ParsedFile) -> list[str]:
        url = path_to_url(parsed.path)
        if parsed.extraction is None:
            self.problems[url] = [Problem(url, None, None, "read-error", f"{parsed.path}: {parsed.error}")]
            return []
        self.problems[url] = [
            Problem(url, issue.line, issue.column, issue.code, issue.message)
            for issue in parsed.extraction.issues
        ]
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


def scan(
    paths: Sequence[Path],
    *,
    conditions: Sequence[str] = (),
    use_cache: bool = True,
    rules: Rules = Rules.NODE,
) -> ModuleGraph:
    """The static graph of entry files (crawled through) and folders (every source file under them);
    ``rules`` says whose resolution to follow, Node's or TypeScript's."""
    scanner = Scanner(conditions, use_cache=use_cache, rules=rules)
    try:
        scanner.add(paths)
    finally:
        scanner.close()
    return scanner.graph()
