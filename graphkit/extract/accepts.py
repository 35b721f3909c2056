"""Which modules accept their own updates through the graphkit hot API (``graphkit.extract.hot``).

The answer is a field of each file's extraction, so it comes from the extraction cache while a file is
unchanged: the watch loop asks on every save about every loaded module.
"""

from __future__ import annotations

import os

from graphkit.errors import InputError
from graphkit.extract.cache import ExtractionCache, current_key
from graphkit.extract.files import FileParser
from graphkit.extract.grammars import Grammar
from graphkit.extract.parse import extract
from graphkit.model import Format, ModuleGraph, ModuleKind
from graphkit.model.urls import file_url_path

__all__ = ["accepting_modules", "source_accepts"]

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


def source_accepts(source: bytes, grammar: Grammar = Grammar.JAVASCRIPT) -> bool:
    """True when the module source calls ``accept`` on the graphkit hot value."""
    return extract(source, commonjs=False, grammar=grammar).accepts
