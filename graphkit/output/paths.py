"""How graphkit names a module or file in what it prints: a path, relative to a folder when shorter."""

from __future__ import annotations

import os
from pathlib import Path

from graphkit.model.urls import file_url_path
from graphkit.output.printable import printable

__all__ = ["display_path"]


def display_path(where: str | Path, root: Path | None = None) -> str:
    """A module URL or a file path as a person reads it: relative to ``root`` (default: the working folder)
    when it is inside it and that is shorter, else absolute; a URL that names no file (``node:fs``) as it is.
    Control characters are escaped (``graphkit.output.printable``).

    >>> display_path("file:///app/lib/a%20b.mjs", Path("/app")), display_path(Path("/app/x.mjs"), Path("/"))
    ('lib/a b.mjs', 'app/x.mjs')
    >>> display_path("file:///elsewhere/x.mjs", Path("/app/deep/down")), display_path("node:fs")
    ('/elsewhere/x.mjs', 'node:fs')
    """
    path = file_url_path(where) if isinstance(where, str) else str(where)
    if path is None:
        return printable(str(where))
    relative = os.path.relpath(path, root)
    # Outside the root, "../../x" says less than the absolute path does.
    return printable(path if relative.startswith("..") or len(relative) >= len(path) else relative)
