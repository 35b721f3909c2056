"""Deterministic DOT and Mermaid text of a module graph, optionally overlaid with an eviction plan.

Nodes and edges come out sorted, so the same graph always gives the same bytes and a test can compare
exact text. No Graphviz binary is needed here; ``graphkit.output.render`` turns DOT into pictures.
"""

from __future__ import annotations

import html
from enum import StrEnum
from typing import Unpack

from graphkit.model import EvictionPlan, ImportKind, ModuleGraph, ModuleKind
from graphkit.output.collapse import collapse
from graphkit.output.printable import printable
from graphkit.output.select import selected_by
from graphkit.output.view import Collapse, View, ViewEdge, ViewNode, ViewOptions
from graphkit.output.wording import count, plan_line

__all__ = ["Role", "dot_source", "mermaid_source", "roles", "view_dot", "view_mermaid"]

# Muted greys for what every diagram has a lot of; one accent per meaning: red a cycle, orange a plan's
# eviction path, blue the focus module.
RED = "#dc2626"
PLAN_ACCENT = "#ea580c"
FOCUS = "#2563eb"
GREY = "#94a3b8"
KIND_FILL = {
    ModuleKind.LOCAL: "#eef2ff",
    ModuleKind.PACKAGE: "#fef9c3",
    ModuleKind.BUILTIN: "#f1f5f9",
    ModuleKind.MISSING: "#fee2e2",
}
KIND_SHAPE = {
    ModuleKind.LOCAL: "box",
    ModuleKind.PACKAGE: "box3d",
    ModuleKind.BUILTIN: "ellipse",
    ModuleKind.MISSING: "octagon",
}
# Per import kind: DOT attributes, and how the legend draws it. Style and arrowhead tell kinds apart so
# that colour stays free for the accents.
EDGE_STYLE: dict[ImportKind, dict[str, str]] = {
    ImportKind.STATIC: {"color": GREY},
    ImportKind.REEXPORT: {"color": GREY, "arrowhead": "onormal"},
    ImportKind.DYNAMIC: {"color": GREY, "style": "dashed"},
    ImportKind.STARTUP: {"color": GREY, "style": "dashed", "arrowhead": "odot"},
    ImportKind.REQUIRE: {"color": GREY, "arrowhead": "diamond"},
    ImportKind.TYPE: {"color": "#cbd5e1", "style": "dotted"},
}
LEGEND_ARROW = {
    ImportKind.STATIC: "\u2500\u2500\u25b6",
    ImportKind.REEXPORT: "\u2500\u2500\u25b7",
    ImportKind.DYNAMIC: "\u254c\u254c\u25b6",
    ImportKind.STARTUP: "\u254c\u254c\u25cb",
    ImportKind.REQUIRE: "\u2500\u2500\u25c6",
    ImportKind.TYPE: "\u2504\u2504\u25b6",
}
NODE_TEXT = {
    ModuleKind.LOCAL: "module",
    ModuleKind.PACKAGE: "package",
    ModuleKind.BUILTIN: "builtin",
    ModuleKind.MISSING: "unresolved",
}
LEGEND_TEXT = {
    ImportKind.STATIC: "import",
    ImportKind.REEXPORT: "re-export",
    ImportKind.DYNAMIC: "import()",
    ImportKind.STARTUP: "import() at start-up",
    ImportKind.REQUIRE: "require()",
    ImportKind.TYPE: "import type",
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


ROLE_FILL = {Role.CHANGED: "#f87171", Role.EVICTED: "#fdba74", Role.BOUNDARY: "#bfdbfe", Role.KEPT: "#f8fafc"}


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


def _dot_node(node: ViewNode, role: Role | None, focus: bool) -> str:
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
            attrs["fontcolor"] = "#64748b"
    if node.cyclic:
        attrs.update(color=RED, penwidth="2")
    if focus:
        attrs.update(color=FOCUS, penwidth="3", fontname="Helvetica-Bold")
    return f"{_q(node.id)} {_attrs(attrs)};"


def _dot_edge(edge: ViewEdge, missing: bool, on_path: bool) -> str:
    attrs = dict(EDGE_STYLE[edge.kind])
    if edge.cyclic or missing:
        attrs["color"] = RED
    elif on_path:
        attrs["color"] = PLAN_ACCENT
    if edge.cyclic or on_path:
        attrs["penwidth"] = "2"
    if edge.count > 1:
        attrs["label"] = str(edge.count)
    return f"{_q(edge.source)} -> {_q(edge.target)} {_attrs(attrs)};"


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _legend(view: View, plan: EvictionPlan | None) -> list[str]:
    """A small table of what the colours and arrows of this diagram mean: only what it draws."""

    def row(mark: str, text: str, colour: str = GREY, fill: str | None = None) -> str:
        cell = f'<TD BGCOLOR="{fill}"> </TD>' if fill else f'<TD><FONT COLOR="{colour}">{mark}</FONT></TD>'
        return f'<TR>{cell}<TD ALIGN="LEFT">{_h(text)}</TD></TR>'

    drawn = {n.kind for n in view.nodes} - {ModuleKind.MISSING}
    rows = [row("", NODE_TEXT[k], fill=KIND_FILL[k]) for k in ModuleKind if k in drawn and plan is None]
    kinds = {e.kind for e in view.edges}
    rows += [row(LEGEND_ARROW[k], LEGEND_TEXT[k], EDGE_STYLE[k]["color"]) for k in ImportKind if k in kinds]
    if any(e.cyclic for e in view.edges):
        rows.append(row(LEGEND_ARROW[ImportKind.STATIC], "import cycle", RED))
    if any(n.kind is ModuleKind.MISSING for n in view.nodes):
        rows.append(row("\u2b23", "unresolved import", RED))
    if view.focus is not None:
        rows.append(row("\u25a2", "focus", FOCUS))
    if plan is not None:
        rows.append(f'<TR><TD COLSPAN="2" ALIGN="LEFT"><B>{_h("plan " + plan.status.value)}</B></TD></TR>')
        rows += [row("", role, fill=ROLE_FILL[role]) for role in Role]
        rows.append(row(LEGEND_ARROW[ImportKind.STATIC], "eviction path", PLAN_ACCENT))
    if not rows:
        return []
    table = '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2">' + "".join(rows) + "</TABLE>"
    return [
        "  subgraph cluster_legend {",
        '    label="legend"; style="rounded"; color="#cbd5e1"; fontsize=9;',
        f'    "legend" [shape=plaintext, style="", fontsize=9, label=<{table}>];',
        "  }",
    ]


def _folder_tree(view: View) -> list[str]:
    """Every folder a node is drawn in, with each of its parents, sorted so parents come first."""
    found: set[str] = set()
    for node in view.nodes:
        parts = node.folder.split("/") if node.folder else []
        found.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    return sorted(found)


def _view(graph: ModuleGraph, options: ViewOptions) -> View:
    selection = selected_by(options)
    mode = options.get("collapse", Collapse.AUTO)
    return collapse(graph, mode=mode, root=options.get("root"), selection=selection)


def dot_source(
    graph: ModuleGraph, *, plan: EvictionPlan | None = None, **options: Unpack[ViewOptions]
) -> str:
    """The graph as DOT: folders as clusters, nodes coloured by kind (or by plan role), cycles in red.

    ``options`` (collapse, focus, depth, root) choose what is drawn: see ``ViewOptions``.

    >>> from graphkit.model import Module
    >>> g = ModuleGraph((Module("node:fs", ModuleKind.BUILTIN, None),), ())
    >>> print(dot_source(g).splitlines()[-2])
      "node:fs" [label="node:fs", shape="ellipse", fillcolor="#f1f5f9"];
    """
    return view_dot(_view(graph, options), plan)


def view_dot(view: View, plan: EvictionPlan | None = None) -> str:
    """The DOT text of an already collapsed view: folders nested as clusters, a legend of what it draws."""
    by_url = roles(plan) if plan else {}
    missing = {n.id for n in view.nodes if not n.members}
    role = {n.id: _role(n, by_url) for n in view.nodes} if plan else {}
    moved = {Role.CHANGED, Role.EVICTED}
    lines = [f"// graphkit module graph: {_title(view, plan)}"]
    if view.note:
        lines.append(f"// {view.note}")
    label = _title(view, plan) + (f"\n{view.note}" if view.note else "")
    lines += [
        "digraph graphkit {",
        # Tight spacing and small boxes: a few hundred modules must still fit a screen or two.
        f"  graph [rankdir=LR, fontname=Helvetica, fontsize=11, labelloc=t, label={_q(label)}, "
        'style="rounded", color="#cbd5e1", fontcolor="#334155", nodesep=0.16, ranksep=0.3];',
        '  node [style="rounded,filled", fontname=Helvetica, fontsize=9, color="#94a3b8", '
        'height=0.2, margin="0.08,0.02"];',
        "  edge [fontname=Helvetica, fontsize=9, arrowsize=0.6];",
    ]
    lines += _legend(view, plan)
    by_folder: dict[str | None, list[ViewNode]] = {}
    for n in view.nodes:
        by_folder.setdefault(n.folder, []).append(n)
    folders = _folder_tree(view)
    cluster = {folder: i for i, folder in enumerate(folders)}

    def emit(folder: str, indent: str) -> None:
        lines.append(f"{indent}subgraph cluster_{cluster[folder]} {{")
        lines.append(f"{indent}  label={_q(folder.rsplit('/', 1)[-1] + '/')}; tooltip={_q(folder + '/')};")
        for child in folders:
            if child.rpartition("/")[0] == folder and child != folder:
                emit(child, indent + "  ")
        for n in by_folder.get(folder, []):
            lines.append(f"{indent}  {_dot_node(n, role.get(n.id), n.id == view.focus)}")
        lines.append(f"{indent}}}")

    for folder in folders:
        if "/" not in folder:
            emit(folder, "  ")
    lines += [f"  {_dot_node(n, role.get(n.id), n.id == view.focus)}" for n in by_folder.get(None, [])]
    for e in view.edges:
        # An importer evicted (or re-running its import()) because of the module it imports.
        on_path = role.get(e.source) in {*moved, Role.BOUNDARY} and role.get(e.target) in moved
        lines.append(f"  {_dot_edge(e, e.target in missing, on_path)}")
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


def _mermaid_legend(view: View, plan: EvictionPlan | None) -> list[str]:
    """What the node colours and outlines mean; edges say their own kind on their label."""
    if plan is not None:
        entries = [(str(role), str(role)) for role in Role]
    else:
        drawn = {n.kind for n in view.nodes}
        entries = [(kind.value, NODE_TEXT[kind]) for kind in ModuleKind if kind in drawn]
    if any(n.cyclic for n in view.nodes):
        entries.append(("cycle", "import cycle"))
    if view.focus is not None:
        entries.append(("focus", "focus"))
    if not entries:
        return []
    lines = ['  subgraph legend["legend"]']
    lines += [f"    legend{i}[{_m(text)}]:::{cls}" for i, (cls, text) in enumerate(entries)]
    lines.append("  end")
    return lines


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
    lines.append(f"  classDef focus stroke:{FOCUS},stroke-width:3px")
    lines += _mermaid_legend(view, plan)
    folders = _folder_tree(view)

    def emit(i: int, folder: str, indent: str) -> None:
        lines.append(f"{indent}subgraph f{i}[{_m(folder.rsplit('/', 1)[-1] + '/')}]")
        for j, child in enumerate(folders):
            if child.rpartition("/")[0] == folder and child != folder:
                emit(j, child, indent + "  ")
        lines.extend(f"{indent}  {ids[n.id]}[{_m(n.label)}]" for n in view.nodes if n.folder == folder)
        lines.append(f"{indent}end")

    for i, folder in enumerate(folders):
        if "/" not in folder:
            emit(i, folder, "  ")
    lines += [f"  {ids[n.id]}[{_m(n.label)}]" for n in view.nodes if not n.folder]
    for e in view.edges:
        lines.append(f"  {ids[e.source]} {MERMAID_ARROW[e.kind]} {ids[e.target]}")
    classes: dict[str, list[str]] = {}
    for n in view.nodes:
        name = (_role(n, by_url) if plan else None) or n.kind.value
        classes.setdefault(name, []).append(ids[n.id])
        if n.cyclic:
            classes.setdefault("cycle", []).append(ids[n.id])
        if n.id == view.focus:
            classes.setdefault("focus", []).append(ids[n.id])
    lines += [f"  class {','.join(members)} {cls}" for cls, members in sorted(classes.items())]
    cyclic = [str(i) for i, e in enumerate(view.edges) if e.cyclic]
    if cyclic:
        lines.append(f"  linkStyle {','.join(cyclic)} stroke:{RED},stroke-width:2px")
    return "\n".join(lines) + "\n"
