"""Template ``import()`` specifiers on disk: what a recorded glob matches next to its importer."""

from __future__ import annotations

import glob
import os

from graphkit.resolve.specifiers import is_relative

__all__ = ["expand_glob"]


def expand_glob(pattern: str, parent: str) -> tuple[str, ...]:
    """`./p/${x}.js` was recorded as `./p/*.js`: one specifier per file that matches it on disk."""
    if not is_relative(pattern):
        return ()
    base = os.path.dirname(parent)
    specifiers = []
    for match in sorted(glob.glob(os.path.join(glob.escape(base), pattern))):
        if os.path.isfile(match) and match != parent:
            relative = os.path.relpath(match, base)
            specifiers.append(relative if relative.startswith("../") else "./" + relative)
    return tuple(specifiers)
