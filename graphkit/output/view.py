"""What a drawing shows: the collapse modes and the nodes and edges of a collapsed view of a graph.

Kept apart from ``collapse`` (which needs networkx) so that the command line can offer the modes cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TypedDict

from graphkit.model import ImportKind, ModuleKind

__all__ = ["Collapse", "View", "ViewEdge", "ViewNode", "ViewOptions"]


class Collapse(StrEnum):
    AUTO = "auto"  # packages, then folders when the view would exceed the node limit
    PACKAGES = "packages"  # one node per package under node_modules
    FOLDERS = "folders"  # packages, and local modules grouped by folder
    NONE = "none"  # one node per module


class ViewOptions(TypedDict, total=False):
    """What part of a graph a drawing shows: the keyword options every drawing function takes."""

    collapse: Collapse | str | int | None  # default AUTO; None is NONE; a folder depth or a pattern
    focus: str | Path | None  # draw only the modules around this one (a path or URL)
    depth: int | None  # with focus: how many imports away, both ways
    root: Path | None  # labels and folders relative to it (default: the local modules' common folder)
    exclude: tuple[str, ...]  # patterns of modules to leave out (see ``graphkit.output.select``)
    reaches: str | Path | None  # only this module and its importers, transitively
    runtime_only: bool  # leave out TypeScript type-only imports


@dataclass(frozen=True, slots=True)
class ViewNode:
    id: str  # a module URL, "package:NAME", "folder:REL" or "missing:CODE:SPECIFIER"
    label: str
    kind: ModuleKind
    members: tuple[str, ...]  # the module URLs it stands for (none for a missing pseudo-node)
    folder: str | None  # the folder cluster it is drawn in, relative to the root
    cyclic: bool  # a member is part of an import cycle


@dataclass(frozen=True, slots=True)
class ViewEdge:
    source: str
    target: str
    kind: ImportKind  # the strongest of the imports it stands for
    count: int  # import occurrences it stands for
    cyclic: bool  # it closes an import cycle (both ends in one cycle, not a dynamic import)


@dataclass(frozen=True, slots=True)
class View:
    nodes: tuple[ViewNode, ...]  # sorted by id
    edges: tuple[ViewEdge, ...]  # sorted by (source, target)
    collapse: Collapse  # the mode applied: never AUTO
    root: Path | None
    modules: int  # modules of the graph the view stands for
    note: str | None  # why the view shows less than asked, for the reader of the picture
    focus: str | None = None  # the id of the node that stands for the focus module, drawn highlighted
