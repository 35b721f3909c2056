"""Finding modules of a graph on disk: the module at a path, the folder the local modules share."""

from __future__ import annotations

import os
from pathlib import Path

from graphkit.errors import InputError
from graphkit.model import ModuleGraph, ModuleKind
from graphkit.model.urls import file_url_path, path_to_url

__all__ = ["default_root", "find_module"]


def default_root(graph: ModuleGraph) -> Path | None:
    """The common folder of the local modules (of all file modules when there is no local one)."""
    for kinds in ({ModuleKind.LOCAL}, {ModuleKind.LOCAL, ModuleKind.PACKAGE, ModuleKind.MISSING}):
        paths = (file_url_path(m.url) for m in graph.modules if m.kind in kinds)
        folders = {os.path.dirname(p) for p in paths if p}
        if folders:
            return Path(os.path.commonpath(folders))
    return None


def find_module(graph: ModuleGraph, where: str | Path) -> str:
    """The URL of the module at a path or URL, compared as paths so URL encoding never matters.

    A relative path names a file under the working folder or, when there is none, under the folder the
    graph's local modules share (``src/index.ts`` of a graph scanned from elsewhere).
    """
    urls = {m.url for m in graph.modules}
    if str(where) in urls:
        return str(where)
    wanted = Path(where).resolve()
    # The shared folder costs a pass over every module: worked out only for a relative path not found here.
    if not wanted.exists() and not Path(where).is_absolute() and (root := default_root(graph)) is not None:
        wanted = (root / where).resolve()
    if (url := path_to_url(wanted)) in urls:
        return url  # as graphkit spells it; another spelling (Node's, a live graph's) is found below
    for url in sorted(urls):
        path = file_url_path(url)
        if path is not None and Path(path) == wanted:
            return url
    raise InputError(f"{where}: not a module of the graph")
