"""The versioned JSON documents graphkit prints: sorted keys and lists, so output is byte-stable."""

from __future__ import annotations

import json
from typing import Any

from graphkit.errors import InputError
from graphkit.model import (
    Boundary,
    BoundaryReason,
    Chain,
    Edge,
    EvictionPlan,
    Format,
    ImportKind,
    Module,
    ModuleGraph,
    ModuleKind,
    PlanStatus,
    Problem,
    Status,
)

__all__ = [
    "SCHEMA_VERSION",
    "document_to_json",
    "graph_from_dict",
    "graph_from_json",
    "graph_to_dict",
    "graph_to_json",
    "plan_from_dict",
    "plan_to_dict",
    "plan_to_json",
]

SCHEMA_VERSION = 1
# One encoder for every row: json.dumps with options builds a new one per call.
_ROW = json.JSONEncoder(sort_keys=True)


def _edge_key(edge: dict[str, Any]) -> tuple[Any, ...]:
    return (edge["from"], edge["line"] or 0, edge["column"] or 0, edge["to"] or "", edge["kind"])


def _edge_row(e: Edge) -> dict[str, Any]:
    row = {
        "from": e.source,
        "to": e.target,
        "kind": e.kind.value,
        "specifier": e.specifier,
        "line": e.line,
        "column": e.column,
        "error": e.error,
    }
    if e.resolved_by is not None:  # only where TypeScript's rules placed it: Node's graphs read as before
        row["resolved_by"] = e.resolved_by
    return row


def graph_to_dict(graph: ModuleGraph) -> dict[str, Any]:
    modules = []
    for m in sorted(graph.modules, key=lambda m: m.url):
        row: dict[str, Any] = {"url": m.url, "kind": m.kind.value, "format": m.format}
        if graph.node is not None:
            row["status"] = m.status
        modules.append(row)
    edges = [_edge_row(e) for e in graph.edges]
    problems = [
        {"url": p.url, "line": p.line, "column": p.column, "code": p.code, "message": p.message}
        for p in graph.problems
    ]
    doc: dict[str, Any] = {
        "version": SCHEMA_VERSION,
        "modules": modules,
        "edges": sorted(edges, key=_edge_key),
        "problems": sorted(problems, key=lambda p: (p["url"], p["line"] or 0, p["column"] or 0, p["code"])),
    }
    if graph.node is not None:
        doc["node"] = graph.node
    return doc


def document_to_json(doc: dict[str, Any]) -> str:
    """A document with one row per line (each list item, each entry of a mapping), keys sorted.

    Readable and diffable, and every row goes through json's C encoder: ``json.dumps(indent=...)`` falls
    back to the pure-Python encoder, several times slower on big graphs.
    """
    encode = _ROW.encode
    parts = ["{"]
    keys = sorted(doc)
    for i, key in enumerate(keys):
        value = doc[key]
        end = "," if i < len(keys) - 1 else ""
        if isinstance(value, list | tuple) and value:
            rows = ",\n".join("    " + encode(row) for row in value)
            parts.append(f"  {encode(key)}: [\n{rows}\n  ]{end}")
        elif isinstance(value, dict) and value:
            rows = ",\n".join(
                f"    {encode(k)}: {encode(value[k])}" for k in sorted(value)
            )
            parts.append(f"  {encode(key)}: {{\n{rows}\n  }}{end}")
        else:
            parts.append(f"  {encode(key)}: {encode(value)}{end}")
    parts.append("}")
    return "\n".join(parts) + "\n"


def graph_to_json(graph: ModuleGraph) -> str:
    """The graph document: one row per module, edge and problem."""
    return document_to_json(graph_to_dict(graph))


def graph_from_json(text: str, *, source: str = "<json>") -> ModuleGraph:
    """Read a document written by ``graph_to_json`` (or printed by ``graphkit scan/live --json``)."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise InputError(f"{source}: not a graphkit graph document ({error})") from error
    return graph_from_dict(doc, source=source)


# Lookups by value: calling the enum classes costs more than the rest of reading a big live snapshot.
_MODULE_KINDS = {k.value: k for k in ModuleKind}
_FORMATS = {f.value: f for f in Format}
_STATUSES = {s.value: s for s in Status}
_IMPORT_KINDS = {k.value: k for k in ImportKind}


def graph_from_dict(doc: Any, *, source: str = "<json>") -> ModuleGraph:
    """The graph of an already parsed document (a live snapshot arrives as one)."""
    try:
        if doc.get("version") != SCHEMA_VERSION:
            raise InputError(f"{source}: unsupported graph document version {doc.get('version')!r}")
        modules = tuple(
            Module(
                url=m["url"],
                kind=_MODULE_KINDS[m["kind"]],
                format=_FORMATS[m["format"]] if m.get("format") else None,
                status=_STATUSES[m["status"]] if m.get("status") else None,
            )
            for m in doc["modules"]
        )
        edges = tuple(
            Edge(
                source=e["from"],
                target=e["to"],
                kind=_IMPORT_KINDS[e["kind"]],
                specifier=e["specifier"],
                line=e["line"],
                column=e["column"],
                error=e.get("error"),
                resolved_by=e.get("resolved_by"),
            )
            for e in doc["edges"]
        )
        problems = tuple(
            Problem(url=p["url"], line=p["line"], column=p["column"], code=p["code"], message=p["message"])
            for p in doc.get("problems", ())
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise InputError(f"{source}: not a graphkit graph document ({error!r})") from error
    return ModuleGraph(modules=modules, edges=edges, problems=problems, node=doc.get("node"))


def plan_to_dict(plan: EvictionPlan) -> dict[str, Any]:
    return {
        "status": plan.status.value,
        "reason": plan.reason,
        "changed": list(plan.changed),
        "evict": [list(unit) for unit in plan.evict],
        "boundaries": [
            {"url": b.url, "reason": b.reason.value, "imports": list(b.imports)} for b in plan.boundaries
        ],
        "kept": plan.kept,
        "chains": {c.url: c.via for c in plan.chains},
    }


def plan_to_json(plan: EvictionPlan) -> str:
    """The plan document: one row per changed module, unit, boundary and chain."""
    return document_to_json(plan_to_dict(plan))


def _via(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"a chain names one module or null, not {value!r}")
    return value


def plan_from_dict(doc: Any, *, source: str = "<json>") -> EvictionPlan:
    """The plan of an already parsed document, as ``plan_to_dict`` writes it."""
    try:
        return EvictionPlan(
            status=PlanStatus(doc["status"]),
            changed=tuple(doc["changed"]),
            evict=tuple(tuple(unit) for unit in doc["evict"]),
            boundaries=tuple(
                Boundary(b["url"], BoundaryReason(b["reason"]), tuple(b["imports"]))
                for b in doc["boundaries"]
            ),
            kept=int(doc["kept"]),
            chains=tuple(Chain(url, _via(via)) for url, via in sorted(doc["chains"].items())),
            reason=doc.get("reason"),
        )
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise InputError(f"{source}: not a graphkit plan document ({error!r})") from error
