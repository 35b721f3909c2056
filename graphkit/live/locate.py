"""Where in the importer a missing module is named: Node reports a missing file with no line or column.

Node's message names the resolved path and the importing file ("Cannot find module '/app/lib/x.mjs'
imported from /app/routes/a.mjs"); the importer's own imports, as the parser reads them, give the line and
column of the specifier that resolves to that path.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from graphkit.model.urls import url_to_path

if TYPE_CHECKING:
    from graphkit.live.host import ApplyError

__all__ = ["locate_missing"]

_MISSING = re.compile(r"Cannot find module '([^']+)' imported from ")


def locate_missing(error: ApplyError) -> ApplyError:
    """``error`` with the line and column of the import naming the missing file, when it can be found."""
    found = _MISSING.match(error.message)
    if found is None or error.line is not None or error.file is None or not error.file.startswith("file:"):
        return error
    importer = url_to_path(error.file)
    missing = Path(url_to_path(found[1]) if found[1].startswith("file:") else found[1])
    try:
        source = importer.read_bytes()
    except OSError:
        return error
    # The parser (tree-sitter) is imported by the first failure it reads, not with the host: `graphkit
    # watch` starts the app before importing what the watch loop needs later.
    from graphkit.extract.parse import extract

    commonjs = importer.suffix == ".cjs"
    for record in extract(source, commonjs=commonjs).imports:
        if record.specifier is None or not record.specifier.startswith((".", "/", "file:")):
            continue
        spec = record.specifier
        target = url_to_path(spec) if spec.startswith("file:") else Path(spec)
        if (importer.parent / target).resolve() == missing.resolve():
            return replace(error, line=record.line, column=record.column)
    return error
