"""Which modules accept their own updates through the graphkit hot API (``graphkit.extract.hot``).

For a whole graph the answer is a field of each file's extraction, so it comes from the extraction cache
while a file is unchanged; the watch loop asks about one module at a time (``file_accepts``), only for
the modules a save visits.
"""

from __future__ import annotations

import os
from functools import lru_cache

from graphkit.errors import InputError
from graphkit.extract.cache import ExtractionCache, StatKey, current_key, stat_key
from graphkit.extract.files import FileParser
from graphkit.extract.grammars import Grammar, grammar_for
from graphkit.extract.hot import HOT_KEY
from graphkit.extract.parse import extract
from graphkit.model import Format, ModuleGraph, ModuleKind
from graphkit.model.urls import file_url_path

__all__ = ["accepting_modules", "file_accepts", "source_accepts"]

# Formats whose source is never JavaScript, so never calls the hot API.
_NOT_JAVASCRIPT = frozenset({Format.JSON, Format.WASM, Format.ADDON, Format.BUILTIN})


def accepting_modules(graph: ModuleGraph) -> frozenset[str]:
    """URLs of the local modules whose source calls ``hot.accept``; packages and builtins are not read."""
    jobs = {}
    for module in graph.modules:
        path = file_url_path(module.url)
        if module.kind is ModuleKind.LOCAL and path is not None and module.format not in _NOT_JAVASCRIPT:
            jobs[path] = module
    if not jobs:
        return frozenset()
    cache = ExtractionCache()
    parser = FileParser(cache, parallel=False)  # the watch loop runs threads: no forked pool there
    found = set()
    try:
        stored = cache.accepts_many(list(jobs))
        misses = []
        for path, module in jobs.items():
            entry = stored.get(path)
            if entry is None or current_key(path, entry[0]) is None:
                misses.append((path, module.format is Format.COMMONJS))
            elif entry[1]:
                found.add(module.url)
        for parsed in parser.parse(misses):
            if parsed.extraction is None:
                if not os.path.exists(parsed.path):
                    continue  # deleted since the graph was taken: it accepts nothing
                raise InputError(f"{parsed.path}: cannot read to detect hot.accept ({parsed.error})")
            if parsed.extraction.accepts:
                found.add(jobs[parsed.path].url)
    finally:
        parser.close()
    return frozenset(found)


def file_accepts(url: str) -> bool:
    """Whether the file at ``url`` calls ``hot.accept`` (False for a deleted file or a non-file URL).

    Asked one module at a time by the watch loop's planner, about the modules a save visits; remembered
    by file identity for the life of the process, so an unchanged file is read once.
    """
    path = file_url_path(url) if url.startswith("file:") else None
    if path is None:
        return False
    try:
        key = stat_key(os.stat(path))
    except FileNotFoundError:
        return False  # deleted since the graph was read: it accepts nothing
    except OSError as error:
        raise InputError(f"{path}: cannot read to detect hot.accept ({error.strerror})") from error
    return _accepts_at(path, key)


@lru_cache(maxsize=65536)  # every module of a big app: a save of a shared module visits them all
def _accepts_at(path: str, key: StatKey) -> bool:
    try:
        with open(path, "rb") as handle:
            source = handle.read()
    except OSError as error:
        raise InputError(f"{path}: cannot read to detect hot.accept ({error.strerror})") from error
    return HOT_KEY in source and source_accepts(source, grammar_for(path))


def source_accepts(source: bytes, grammar: Grammar = Grammar.JAVASCRIPT) -> bool:
    """True when the module source calls ``accept`` on the graphkit hot value."""
    return extract(source, commonjs=False, grammar=grammar).accepts
