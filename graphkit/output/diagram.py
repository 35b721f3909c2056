"""Deterministic DOT and Mermaid text of a module graph, optionally overlaid with an eviction plan.

Nodes and edges come out sorted, so the same graph always gives the same bytes and a test can compare
exact text. No Graphviz binary is needed here; ``graphkit.output.render`` turns DOT into pictures.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Unpack

from graphkit.model import EvictionPlan, ImportKind, ModuleGraph, ModuleKind
from graphkit.output.collapse import collapse
from graphkit.output.printable import printable
from graphkit.output.view import Collapse, View, ViewEdge, ViewNode, ViewOptions
from graphkit.output.wording import count, plan_line

__all__ = ["Role", "dot_source", "mermaid_source", "roles", "view_dot", "view_mermaid"]

RED = "#dc2626"
KIND_FILL = {
    ModuleKind.LOCAL: "#dbeafe",
    ModuleKind.PACKAGE: "#fef3c7",
    ModuleKind.BUILTIN: "#e5e7eb",
    ModuleKind.MISSING: "#fecaca",
}
KIND_SHAPE = {
    ModuleKind.LOCAL: "box",
    ModuleKind.PACKAGE: "box3d",
    ModuleKind.BUILTIN: "ellipse",
    ModuleKind.MISSING: "octagon",
}
# (DOT style, colour) per import kind: re-exports bold, dynamic dashed (start-up ones grey), require
# dotted, type-only dotted grey.
EDGE_STYLE = {
    ImportKind.STATIC: ("solid", "#374151"),
    ImportKind.REEXPORT: ("bold", "#7c3aed"),
    ImportKind.DYNAMIC: ("dashed", "#2563eb"),
    ImportKind.STARTUP: ("dashed", "#374151"),
    ImportKind.REQUIRE: ("dotted", "#059669"),
    ImportKind.TYPE: ("dotted", "#9ca3af"),
}
MERMAID_ARROW = {
    ImportKind.STATIC: "-->",
    ImportKind.REEXPORT: "==>",
    ImportKind.DYNAMIC: "-.->|dynamic|",
    ImportKind.STARTUP: "-.->|start-up|",
    ImportKind.REQUIRE: "-.->|require|",
    ImportKind.TYPE: "-.->|type|",
}


class Role(StrEnum):
    """A module's part in a plan, strongest first: a collapsed node shows the strongest of its members'."""

    CHANGED = "changed"
    EVICTED = "evicted"
    BOUNDARY = "boundary"
    KEPT = "kept"


ROLE_FILL = {Role.CHANGED: "#f87171", Role.EVICTED: "#fdba74", Role.BOUNDARY: "#93c5fd", Role.KEPT: "#f3f4f6"}


def roles(plan: EvictionPlan) -> dict[str, Role]:
    """Module URL -> its role in the plan; modules not named by the plan are kept."""
    found = {b.url: Role.BOUNDARY for b in plan.boundaries}
    found.update({url: Role.EVICTED for unit in plan.evict for url in unit})
    found.update({url: Role.CHANGED for url in plan.changed})
    return found


def _role(node: ViewNode, by_url: dict[str, Role]) -> Role | None:
    if node.kind is ModuleKind.MISSING and not node.members:
        return None
    found = {by_url.get(url, Role.KEPT) for url in node.members}
    return next(r for r in Role if r in found)


def _title(view: View, plan: EvictionPlan | None) -> str:
    title = count(view.modules, "module")
    if view.collapse is not Collapse.NONE:
        title += f", {view.collapse} collapsed"
    if plan is not None:
        title += f"; {plan_line(plan)}"
    return title


def _q(text: str) -> str:
    """A DOT double-quoted string; newlines become centred line breaks, other control characters escapes."""
    text = "\n".join(map(printable, text.split("\n")))
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _attrs(pairs: dict[str, str]) -> str:
    return "[" + ", ".join(f"{k}={_q(v)}" for k, v in pairs.items()) + "]"


def _dot_node(node: ViewNode, role: Role | None) -> str:
    attrs = {"label": node.label, "shape": KIND_SHAPE[node.kind], "fillcolor": KIND_FILL[node.kind]}
    if node.id.startswith("folder:"):
        attrs["shape"] = "folder"
    if node.kind is ModuleKind.MISSING:
        attrs.update(color=RED, fontcolor=RED)
    if role is not None:
        attrs["fillcolor"] = ROLE_FILL[role]
        if role is Role.BOUNDARY:
            attrs["peripheries"] = "2"
        if role is Role.KEPT:
            attrs["fontcolor"] = "#6b7280"
    if node.cyclic:
        attrs.update(color=RED, penwidth="2")
    return f"{_q(node.id)} {_attrs(attrs)};"


def _dot_edge(edge: ViewEdge, missing: bool) -> str:
    style, colour = EDGE_STYLE[edge.kind]
    attrs = {"style": style, "color": RED if edge.cyclic or missing else colour}
    if edge.cyclic:
        attrs["penwidth"] = "2"
    if edge.count > 1:
        attrs["label"] = str(edge.count)
    return f"{_q(edge.source)} -> {_q(edge.target)} {_attrs(attrs)};"


def _legend(plan: EvictionPlan) -> list[str]:
    lines = ["  subgraph cluster_legend {", f"    label={_q('plan ' + plan.status.value)};"]
    for role in Role:
        attrs = {"label": role, "shape": "box", "fillcolor": ROLE_FILL[role]}
        if role is Role.BOUNDARY:
            attrs["peripheries"] = "2"
        lines.append(f"    {_q('legend:' + role)} {_attrs(attrs)};")
    lines.append("  }")
    return lines


def _view(graph: ModuleGraph, options: ViewOptions) -> View:
    return collapse(
        graph,
        mode=options.get("collapse", Collapse.AUTO),
        focus=options.get("focus"),
        depth=options.get("depth"),
        root=options.get("root"),
    )


def dot_source(
    graph: ModuleGraph, *, plan: EvictionPlan | None = None, **options: Unpack[ViewOptions]
) -> str:
    """The graph as DOT: folders as clusters, nodes coloured by kind (or by plan role), cycles in red.

    ``options`` (collapse, focus, depth, root) choose what is drawn: see ``ViewOptions``.

    >>> from graphkit.model import Module
    >>> g = ModuleGraph((Module("node:fs", ModuleKind.BUILTIN, None),), ())
    >>> print(dot_source(g).splitlines()[-2])
      "node:fs" [label="node:fs", shape="ellipse", fillcolor="#e5e7eb"];
    """
    return view_dot(_view(graph, options), plan)


def view_dot(view: View, plan: EvictionPlan | None = None) -> str:
    """The DOT text of an already collapsed view."""
    by_url = roles(plan) if plan else {}
    missing = {n.id for n in view.nodes if not n.members}
    lines = [f"// graphkit module graph: {_title(view, plan)}"]
    if view.note:
        lines.append(f"// {view.note}")
    label = _title(view, plan) + (f"\n{view.note}" if view.note else "")
    lines += [
        "digraph graphkit {",
        f"  graph [rankdir=LR, fontname=Helvetica, fontsize=11, labelloc=t, label={_q(label)}];",
        '  node [style="rounded,filled", fontname=Helvetica, fontsize=10];',
        "  edge [fontname=Helvetica, fontsize=9, arrowsize=0.7];",
    ]
    if plan is not None:
        lines += _legend(plan)
    folders = sorted({n.folder for n in view.nodes if n.folder})
    for i, folder in enumerate(folders):
        lines += [f"  subgraph cluster_{i} {{", f"    label={_q(folder + '/')};"]
        lines += [
            f"    {_dot_node(n, _role(n, by_url) if plan else None)}"
            for n in view.nodes
            if n.folder == folder
        ]
        lines.append("  }")
    lines += [f"  {_dot_node(n, _role(n, by_url) if plan else None)}" for n in view.nodes if not n.folder]
    lines += [f"  {_dot_edge(e, e.target in missing)}" for e in view.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _m(text: str) -> str:
    """A Mermaid quoted label: quotes become entities, newlines line breaks, other control characters
    escapes."""
    text = "\n".join(map(printable, text.split("\n")))
    return '"' + text.replace('"', "#quot;").replace("\n", "<br>") + '"'


def mermaid_source(
    graph: ModuleGraph, *, plan: EvictionPlan | None = None, **options: Unpack[ViewOptions]
) -> str:
    """The graph as a Mermaid flowchart with the same classes, clusters and cycle highlight as the DOT."""
    return view_mermaid(_view(graph, options), plan)


def view_mermaid(view: View, plan: EvictionPlan | None = None) -> str:
    """The Mermaid text of an already collapsed view."""
    by_url = roles(plan) if plan else {}
    ids = {n.id: f"n{i}" for i, n in enumerate(view.nodes)}
    lines = [f"%% graphkit module graph: {_title(view, plan)}"]
    if view.note:
        lines.append(f"%% {view.note}")
    lines.append("flowchart LR")
    for kind, fill in KIND_FILL.items():
        lines.append(f"  classDef {kind.value} fill:{fill},stroke:#6b7280")
    for role, fill in ROLE_FILL.items():
        lines.append(f"  classDef {role} fill:{fill},stroke:#6b7280")
    lines.append(f"  classDef cycle stroke:{RED},stroke-width:2px")
    folders = sorted({n.folder for n in view.nodes if n.folder})
    for i, folder in enumerate(folders):
        lines.append(f"  subgraph f{i}[{_m(folder + '/')}]")
        lines += [f"    {ids[n.id]}[{_m(n.label)}]" for n in view.nodes if n.folder == folder]
        lines.append("  end")
    lines += [f"  {ids[n.id]}[{_m(n.label)}]" for n in view.nodes if not n.folder]
    for e in view.edges:
        lines.append(f"  {ids[e.source]} {MERMAID_ARROW[e.kind]} {ids[e.target]}")
    classes: dict[str, list[str]] = {}
    for n in view.nodes:
        name = (_role(n, by_url) if plan else None) or n.kind.value
        classes.setdefault(name, []).append(ids[n.id])
        if n.cyclic:
            classes.setdefault("cycle", []).append(ids[n.id])
    lines += [f"  class {','.join(members)} {cls}" for cls, members in sorted(classes.items())]
    cyclic = [str(i) for i, e in enumerate(view.edges) if e.cyclic]
    if cyclic:
        lines.append(f"  linkStyle {','.join(cyclic)} stroke:{RED},stroke-width:2px")
    return "\n".join(lines) + "\n"
