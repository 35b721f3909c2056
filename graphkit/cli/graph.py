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

FORMATS = ("dot", "svg", "png", "pdf", "json", "mermaid", "html")


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "graph",
        help="draw the module graph (DOT, Mermaid, JSON, SVG, PNG, PDF, an interactive HTML page)",
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
        type=_collapse,
        metavar="MODE|DEPTH|PATTERN",
        help="packages, folders, none, a folder depth (local folders cut to N levels) or a pattern (modules "
        "whose path matches become one node, named up to the match); default: packages, then folders",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PATTERN",
        help="leave out modules whose path (relative to the root) matches this regex (repeatable)",
    )
    parser.add_argument(
        "--reaches", metavar="FILE", help="draw only FILE and the modules that import it, transitively"
    )
    parser.add_argument(
        "--affected",
        nargs="+",
        type=input_path,
        metavar="FILE",
        help="draw only what a change to FILE reaches: its plan's changed, evicted and boundary modules",
    )
    parser.add_argument(
        "--runtime-only", action="store_true", help="leave out TypeScript `import type` edges"
    )
    add_conditions(parser)
    add_rules(parser)
    parser.set_defaults(run=run)


def _collapse(text: str) -> Collapse | int | str:
    if text == Collapse.AUTO:  # the default, not a choice: it would only repeat it
        raise argparse.ArgumentTypeError("auto is the default; name packages, folders, none, N or a pattern")
    if text.isdigit():
        return int(text)
    if text in list(Collapse):
        return Collapse(text)
    from graphkit.errors import UsageError
    from graphkit.output.select import compile_pattern

    try:
        compile_pattern(text)
    except UsageError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


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
    if args.plan and args.affected:
        raise UsageError("--affected: draws its own plan; leave out --plan")
    from graphkit.cli._output import typescript_note
    from graphkit.resolve.typescript import Rules

    graph = scan([args.path], conditions=args.conditions, rules=Rules(args.resolve))
    typescript_note(graph)
    plan = _plan(args, graph, args.plan or args.affected) if args.plan or args.affected else None
    selection = _selection(args, plan)
    if fmt == "json":
        from graphkit.graph.lookup import default_root
        from graphkit.model.codec import graph_to_json
        from graphkit.output.select import select

        return write(args.output, graph_to_json(select(graph, selection, default_root(graph))).encode())
    if fmt == "html":
        from graphkit.output.page import page

        return write(args.output, page(graph, selection=selection, entry=_entry(args)).encode())
    return write(args.output, _draw(args, graph, fmt, plan, selection))


def _selection(args: argparse.Namespace, plan: Any) -> Any:
    from graphkit.output.select import Selection

    affected = None
    if args.affected:
        affected = frozenset(
            {*plan.changed, *(url for unit in plan.evict for url in unit), *(b.url for b in plan.boundaries)}
        )
    return Selection(
        focus=args.focus,
        depth=args.depth,
        exclude=tuple(args.exclude),
        reaches=args.reaches,
        keep=affected,
        runtime_only=args.runtime_only,
    )


def _draw(args: argparse.Namespace, graph: Any, fmt: str, plan: Any, selection: Any) -> bytes:
    from graphkit.output.collapse import collapse
    from graphkit.output.diagram import view_dot, view_mermaid

    view = collapse(graph, mode=args.collapse or Collapse.AUTO, selection=selection)
    if view.note:
        print(f"graphkit: {view.note}", file=sys.stderr)
    if fmt == "mermaid":
        return view_mermaid(view, plan).encode()
    text = view_dot(view, plan)
    if fmt == "dot":
        return text.encode()
    from graphkit.output.render import render

    return render(text, fmt)


def _entry(args: argparse.Namespace) -> Path | None:
    """The app's entry: given, the graph's own entry file, or the one package.json names (if any)."""
    if args.entry is not None:
        return Path(args.entry)
    if args.path.is_file():
        return Path(args.path)
    return None


def _plan(args: argparse.Namespace, graph: Any, changed: list[Path]) -> Any:
    from graphkit.api import plan

    entry = _entry(args)
    if entry is None:
        from graphkit.resolve.entry import find_entry

        entry = find_entry(args.path)
    return plan(changed, entry=entry, graph=graph, rules=args.resolve).plan
