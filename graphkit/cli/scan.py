"""`graphkit scan PATH...`: the static module graph, as a summary or as one JSON document."""

from __future__ import annotations

import argparse
import os
from collections import Counter
from typing import TYPE_CHECKING, Any

from graphkit.cli._options import add_conditions, input_path

if TYPE_CHECKING:
    from graphkit.model import ModuleGraph

__all__ = ["register", "summary"]


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "scan",
        help="static module graph of entry files or folders",
        description="Parse and resolve imports the way Node does. PATH is an entry file (its whole reachable "
        "graph) or a folder (every .mjs/.js/.cjs file under it, node_modules skipped).",
    )
    parser.add_argument("paths", nargs="+", type=input_path, metavar="PATH")
    parser.add_argument("--json", action="store_true", help="print one sorted JSON document")
    add_conditions(parser)
    parser.add_argument("--no-cache", action="store_true", help="parse every file, ignoring the cache")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from graphkit.graph.crawl import scan
    from graphkit.model.codec import graph_to_json

    graph = scan(args.paths, conditions=args.conditions, use_cache=not args.no_cache)
    print(graph_to_json(graph) if args.json else summary(graph), end="")
    return 0


def display(url: str) -> str:
    """A file URL as a path relative to the working folder when that is shorter; anything else as is."""
    if not url.startswith("file:"):
        return url
    from graphkit.resolve.resolver import url_to_path

    path = str(url_to_path(url))
    relative = os.path.relpath(path)
    return relative if len(relative) < len(path) else path


def summary(graph: ModuleGraph) -> str:
    from graphkit.graph.queries import cycles, to_networkx

    modules = Counter(m.kind.value for m in graph.modules)
    edges = Counter(e.kind.value for e in graph.edges if e.target is not None)
    found = cycles(to_networkx(graph))
    unresolved = sorted(
        (e for e in graph.edges if e.target is None), key=lambda e: (e.source, e.line or 0, e.column or 0)
    )
    lines = [
        f"modules: {len(graph.modules)} ({_counts(modules)})",
        f"imports: {sum(edges.values())} ({_counts(edges)})",
        f"cycles: {len(found)}",
    ]
    lines += [f"  {', '.join(display(u) for u in cycle)}" for cycle in found]
    lines.append(f"unresolved: {len(unresolved)}")
    lines += [
        f"  {display(e.source)}:{e.line}:{e.column}: {e.specifier or '<computed>'} ({e.error})"
        for e in unresolved
    ]
    problems = sorted(graph.problems, key=lambda p: (p.url, p.line or 0))
    if problems:
        lines.append(f"problems: {len(problems)}")
        lines += [f"  {display(p.url)}{_position(p.line, p.column)}: {p.code}: {p.message}" for p in problems]
    return "\n".join(lines) + "\n"


def _position(line: int | None, column: int | None) -> str:
    """``:line:column``, or nothing for a problem that has no place in the file (a read error)."""
    if line is None:
        return ""
    return f":{line}" if column is None else f":{line}:{column}"


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in sorted(counter.items())) or "none"
