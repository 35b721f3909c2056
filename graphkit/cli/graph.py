"""`graphkit graph PATH`: draw the module graph as DOT, Mermaid, JSON or a Graphviz picture."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from graphkit.cli._options import add_conditions, add_rules, input_path
from graphkit.cli._output import write
from graphkit.output.view import Collapse

__all__ = ["register"]

FORMATS = ("dot", "svg", "png", "pdf", "json", "mermaid")


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "graph",
        help="draw the module graph (DOT, Mermaid, JSON, SVG, PNG, PDF)",
        description="Draw the static module graph of an entry file or folder. Packages collapse to one node; "
        "above a few hundred nodes folders collapse too. With --plan, the modules a reload would evict are "
        "coloured over it.",
    )
    parser.add_argument("path", type=input_path, metavar="ENTRY|DIR")
    parser.add_argument("--format", "-f", choices=FORMATS, help="output format (default: from -o, else dot)")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here instead of stdout")
    parser.add_argument(
        "--plan", nargs="+", type=input_path, metavar="FILE", help="changed files whose plan to overlay"
    )
    parser.add_argument(
        "--entry", type=input_path, metavar="E", help="the app's entry (default: from package.json)"
    )
    parser.add_argument("--focus", metavar="FILE", help="draw only the modules around this one")
    parser.add_argument("--depth", type=int, metavar="N", help="with --focus: how many imports away to draw")
    parser.add_argument(
        "--collapse",
        type=Collapse,
        choices=[Collapse.PACKAGES, Collapse.FOLDERS, Collapse.NONE],
        help="default: packages, then folders",
    )
    add_conditions(parser)
    add_rules(parser)
    parser.set_defaults(run=run)


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    suffix = args.output.suffix.lstrip(".").lower() if args.output else ""
    return {"gv": "dot", "mmd": "mermaid"}.get(suffix, suffix if suffix in FORMATS else "dot")


def run(args: argparse.Namespace) -> int:
    from graphkit.errors import UsageError
    from graphkit.graph.crawl import scan

    fmt = _format(args)
    if args.depth is not None and args.focus is None:
        raise UsageError(f"--depth {args.depth}: needs --focus FILE")
    if fmt == "json" and args.plan:
        raise UsageError("--plan: a plan is drawn over a picture; `graphkit plan --json` prints its document")
    from graphkit.cli._output import typescript_note
    from graphkit.resolve.typescript import Rules

    graph = scan([args.path], conditions=args.conditions, rules=Rules(args.resolve))
    typescript_note(graph)
    if fmt == "json":
        from graphkit.model.codec import graph_to_json

        return write(args.output, graph_to_json(graph).encode())
    return write(args.output, _draw(args, graph, fmt))


def _draw(args: argparse.Namespace, graph: Any, fmt: str) -> bytes:
    from graphkit.output.collapse import collapse
    from graphkit.output.diagram import view_dot, view_mermaid

    plan = _plan(args, graph) if args.plan else None
    view = collapse(graph, mode=args.collapse or Collapse.AUTO, focus=args.focus, depth=args.depth)
    if view.note:
        print(f"graphkit: {view.note}", file=sys.stderr)
    if fmt == "mermaid":
        return view_mermaid(view, plan).encode()
    text = view_dot(view, plan)
    if fmt == "dot":
        return text.encode()
    from graphkit.output.render import render

    return render(text, fmt)


def _plan(args: argparse.Namespace, graph: Any) -> Any:
    from graphkit.api import plan

    entry = args.entry
    if entry is None and args.path.is_file():
        entry = args.path  # the graph's own entry file is the app's
    elif entry is None:
        from graphkit.resolve.entry import find_entry

        entry = find_entry(args.path)
    return plan(args.plan, entry=entry, graph=graph, rules=args.resolve).plan
