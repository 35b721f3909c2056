"""`graphkit plan FILE...`: which modules a change evicts, in reload order, and why."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from graphkit.cli._options import add_conditions, add_node

__all__ = ["register"]

FORMATS = ("text", "json", "dot", "svg")


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "plan",
        help="plan the hot reload of changed files",
        description="Show which modules Node must evict and re-import after FILE changes: every importer "
        "linked to the old instance, up to dynamic import() and accepting boundaries.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="a changed file")
    parser.add_argument(
        "--entry", type=Path, help="the app's entry module (default: from the nearest package.json)"
    )
    parser.add_argument("--live", action="store_true", help="plan over the graph Node loads, not the scan")
    add_node(parser, "for --live")
    parser.add_argument("--json", action="store_true", help="same as --format json")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument(
        "--include-packages", action="store_true", help="reload modules under node_modules in place"
    )
    add_conditions(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from graphkit.accepts import accepting_modules
    from graphkit.entry import find_entry
    from graphkit.errors import InputError
    from graphkit.planner import plan
    from graphkit.resolve import path_to_url

    for file in args.files:
        if not file.exists():
            raise InputError(f"{file}: no such file")
    entry: Path = args.entry if args.entry is not None else find_entry(args.files[0])
    if not entry.is_file():
        raise InputError(f"{entry}: the entry is not a file")
    if args.live:
        from graphkit.probe import live_graph

        graph = live_graph(entry, node=args.node, node_args=[f"--conditions={c}" for c in args.conditions])
    else:
        from graphkit.crawl import scan

        graph = scan([entry], conditions=args.conditions)
    made = plan(
        graph,
        [path_to_url(file.resolve()) for file in args.files],
        path_to_url(entry.resolve()),
        accepting=accepting_modules(graph),
        include_packages=args.include_packages,
    )
    fmt = "json" if args.json else args.format
    if fmt == "json":
        from graphkit.serialize import plan_to_json

        sys.stdout.write(plan_to_json(made))
    elif fmt in ("dot", "svg"):
        from graphkit.export import dot_source

        dot = dot_source(graph, plan=made)
        if fmt == "dot":
            sys.stdout.write(dot)
        else:
            from graphkit.render import render

            sys.stdout.buffer.write(render(dot, "svg"))
    else:
        from graphkit.render_plan import render_text

        sys.stdout.write(render_text(made, base=path_to_url(entry.resolve().parent) + "/"))
    return 0
