"""What a drawing shows: a ModuleGraph cut down around a focus and collapsed into packages or folders.

Drawing thousands of modules makes Graphviz slow and the picture useless, so a package becomes one node
by default, and above ``LIMIT`` nodes local folders collapse too (shallower folders until it fits).
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path, PurePosixPath

from graphkit.graph.links import strongest
from graphkit.graph.lookup import default_root, find_module
from graphkit.graph.queries import cycles, to_networkx
from graphkit.model import Edge, ModuleGraph, ModuleKind
from graphkit.model.urls import file_url_path, package_name, url_path
from graphkit.output.paths import display_path
from graphkit.output.select import Selection, compile_pattern, select
from graphkit.output.view import Collapse, View, ViewEdge, ViewNode
from graphkit.output.wording import count

__all__ = ["LIMIT", "collapse"]

LIMIT = 300  # nodes above which AUTO collapses folders as well as packages


def _folders(path: str, root: Path | None) -> tuple[str, ...]:
    """The folders of a file as it is shown: relative to the root when that is shorter."""
    return _folder_parts(os.path.dirname(path), root)


@functools.lru_cache(maxsize=4096)
def _folder_parts(folder: str, root: Path | None) -> tuple[str, ...]:
    # Whether the relative form is the shorter does not depend on the file's name: any name stands in.
    return PurePosixPath(display_path(Path(folder, "_"), root)).parent.parts


def _label(url: str, root: Path | None) -> str:
    path = url_path(url)
    name = package_name(url)
    if path is None:
        return url if len(url) <= 48 else url[:45] + "..."
    if name is not None:
        return name + str(path).rsplit("node_modules/" + name, 1)[1]
    return display_path(path, root)


def _folder(url: str, root: Path | None, levels: int | None) -> str | None:
    """The folder cluster of a local module, cut to ``levels`` segments; None at the root."""
    path = file_url_path(url)
    return None if path is None else _cluster(os.path.dirname(path), root, levels)


@functools.lru_cache(maxsize=4096)
def _cluster(folder: str, root: Path | None, levels: int | None) -> str | None:
    parts = _folder_parts(folder, root)
    parts = parts if levels is None else parts[:levels]
    return str(PurePosixPath(*parts)) if parts else None


def _group(
    graph: ModuleGraph,
    kept: set[str],
    mode: Collapse,
    root: Path | None,
    levels: int | None,
    pattern: re.Pattern[str] | None = None,
) -> dict[str, str]:
    """Module URL -> the id of the view node that stands for it."""
    group = {}
    for m in graph.modules:
        if m.url not in kept:
            continue
        name = package_name(m.url) if mode is not Collapse.NONE and m.kind is ModuleKind.PACKAGE else None
        local = m.kind is ModuleKind.LOCAL and file_url_path(m.url) is not None
        if name is not None:
            group[m.url] = f"package:{name}"
        elif pattern is not None and local and (found := pattern.search(display_path(m.url, root))):
            # As dependency-cruiser does: the path up to the end of the match names the collapsed node.
            group[m.url] = f"folder:{display_path(m.url, root)[: found.end()].rstrip('/') or '.'}"
        elif mode is Collapse.FOLDERS and pattern is None and local:
            group[m.url] = f"folder:{_folder(m.url, root, levels) or '.'}"
        else:
            group[m.url] = m.url
    return group


def _mode(mode: Collapse | str | int | None) -> tuple[Collapse, int | None, re.Pattern[str] | None]:
    """A collapse mode, a folder depth (``2``) or a pattern (``^v4/locales``) as (mode, levels, pattern)."""
    if isinstance(mode, int) or (isinstance(mode, str) and mode.isdigit()):
        return Collapse.FOLDERS, int(mode), None
    try:
        return Collapse(mode or Collapse.NONE), None, None
    except ValueError:
        return Collapse.FOLDERS, None, compile_pattern(str(mode))


def _fit_folders(
    graph: ModuleGraph, kept: set[str], root: Path | None, extra: int
) -> tuple[dict[str, str], int]:
    """Folder grouping at the deepest level that keeps the view, plus ``extra`` nodes, within LIMIT."""
    # Only local modules are grouped by folder: a package's depth under node_modules must not count.
    local_urls = [m.url for m in graph.modules if m.url in kept and m.kind is ModuleKind.LOCAL]
    paths = [p for url in local_urls if (p := file_url_path(url))]
    levels = max((len(_folders(p, root)) for p in paths), default=0)
    group = _group(graph, kept, Collapse.FOLDERS, root, levels)
    while levels > 0 and len(set(group.values())) + extra > LIMIT:
        levels -= 1
        group = _group(graph, kept, Collapse.FOLDERS, root, levels)
    return group, levels


def collapse(
    graph: ModuleGraph,
    *,
    mode: Collapse | str | int | None = Collapse.AUTO,
    focus: str | Path | None = None,
    depth: int | None = None,
    root: Path | None = None,
    selection: Selection | None = None,
) -> View:
    """Cut ``graph`` as ``selection`` (or ``focus`` and ``depth``) says and collapse it as ``mode`` says.

    ``mode`` is a ``Collapse``, a folder depth (local folders cut to that many levels) or a pattern (the
    local modules whose path it matches become one node, named by the path up to the end of the match).

    >>> from graphkit.model import Module
    >>> def m(path, kind):
    ...     return Module(f"file://{path}", kind, None)
    >>> app = [m("/app/main.mjs", ModuleKind.LOCAL), m("/app/node_modules/a/x.js", ModuleKind.PACKAGE),
    ...        m("/app/node_modules/a/y.js", ModuleKind.PACKAGE)]
    >>> [(n.id, n.members) for n in collapse(ModuleGraph(tuple(app), ())).nodes][1]
    ('package:a', ('file:///app/node_modules/a/x.js', 'file:///app/node_modules/a/y.js'))
    """
    chosen, levels, pattern = _mode(mode)
    selection = selection or Selection(focus=focus, depth=depth)
    # A fixed root: the folder names below are cached, so they must not follow a later change of folder.
    root = root or default_root(graph) or Path.cwd()
    whole = graph
    graph = select(graph, selection, root)
    kept = {m.url for m in graph.modules}
    note = None
    applied = Collapse.PACKAGES if chosen is Collapse.AUTO else chosen
    group = _group(graph, kept, applied, root, levels, pattern)
    missing = _missing_nodes(graph.edges, kept, by_code=applied is Collapse.FOLDERS)
    if chosen is Collapse.AUTO and len(set(group.values())) + len(missing) > LIMIT:
        applied = Collapse.FOLDERS
        missing = _missing_nodes(graph.edges, kept, by_code=True)
        group, levels = _fit_folders(graph, kept, root, len(missing))
        note = (
            f"{count(len(kept), 'module')} exceed {LIMIT} nodes: folders collapsed to depth {levels}, "
            "unresolved imports grouped by error code"
        )
    in_cycle = {url: i for i, cycle in enumerate(cycles(to_networkx(graph))) for url in cycle}
    nodes = _nodes(graph, group, in_cycle, root) | missing
    edges = _edges(graph.edges, group, in_cycle, by_code=applied is Collapse.FOLDERS)
    focused = find_module(whole, selection.focus) if selection.focus is not None else None
    return View(
        nodes=tuple(nodes[k] for k in sorted(nodes)),
        edges=tuple(edges[k] for k in sorted(edges)),
        collapse=applied,
        root=root,
        modules=len(kept),
        note=note,
        focus=group.get(focused) if focused else None,
    )


def _nodes(
    graph: ModuleGraph, group: dict[str, str], in_cycle: dict[str, int], root: Path | None
) -> dict[str, ViewNode]:
    members: dict[str, list[str]] = {}
    for url in group:
        members.setdefault(group[url], []).append(url)
    kinds = {m.url: m.kind for m in graph.modules}
    nodes = {}
    for node_id, urls in members.items():
        urls.sort()
        first = urls[0]
        modules = count(len(urls), "module")
        if node_id.startswith("package:"):
            label, folder = f"{node_id[8:]}\n{modules}", None
        elif node_id.startswith("folder:"):
            # Outside any cluster: a folder's node beside the cluster of one of its subfolders is a layout
            # Graphviz cannot always rank ("trouble in init_rank" on the corpus).
            label, folder = f"{node_id[7:]}/\n{modules}", None
        else:
            local = kinds[first] is ModuleKind.LOCAL
            folder = _folder(first, root, None) if local else None
            # Inside its folder's cluster a module is named by its file name alone.
            label = _label(first, root)
            label = label.rsplit("/", 1)[-1] if folder else label
        nodes[node_id] = ViewNode(
            id=node_id,
            label=label,
            kind=kinds[first],
            members=tuple(urls),
            folder=folder,
            cyclic=any(u in in_cycle for u in urls),
        )
    return nodes


def _missing_id(edge: Edge, by_code: bool) -> str:
    code = edge.error or "unresolved"
    return f"missing:{code}" if by_code else f"missing:{code}:{edge.specifier or '<computed>'}"


def _missing_nodes(edges: tuple[Edge, ...], kept: set[str], *, by_code: bool) -> dict[str, ViewNode]:
    """Red pseudo-nodes for unresolved imports: one per (error, specifier), or per error when collapsed."""
    specifiers: dict[str, set[str]] = {}
    for e in edges:
        if e.target is None and e.source in kept:
            specifiers.setdefault(_missing_id(e, by_code), set()).add(e.specifier or "<computed>")
    nodes = {}
    for node_id, found in specifiers.items():
        code = node_id.split(":")[1]
        label = f"{code}\n{count(len(found), 'specifier')}" if by_code else f"{found.pop()}\n{code}"
        nodes[node_id] = ViewNode(node_id, label, ModuleKind.MISSING, (), None, False)
    return nodes


def _edges(
    edges: tuple[Edge, ...], group: dict[str, str], in_cycle: dict[str, int], *, by_code: bool
) -> dict[tuple[str, str], ViewEdge]:
    found: dict[tuple[str, str], list[tuple[Edge, bool]]] = {}
    for e in edges:
        if e.source not in group or (e.target is not None and e.target not in group):
            continue
        source = group[e.source]
        target = _missing_id(e, by_code) if e.target is None else group[e.target]
        if source == target and e.source != e.target:
            continue  # an import inside one collapsed node
        cycle = in_cycle.get(e.source)
        cyclic = e.kind.links and cycle is not None and in_cycle.get(e.target or "") == cycle
        found.setdefault((source, target), []).append((e, cyclic))
    return {
        key: ViewEdge(
            source=key[0],
            target=key[1],
            kind=strongest({e.kind for e, _ in occurrences}),
            count=len(occurrences),
            cyclic=any(c for _, c in occurrences),
        )
        for key, occurrences in found.items()
    }
