"""`graphkit scan PATH...`: the static module graph, as a summary or as one JSON document."""

from __future__ import annotations

import argparse
from typing import Any

from graphkit.cli._options import add_conditions, add_rules, input_path

__all__ = ["register"]


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "scan",
        help="static module graph of entry files or folders",
        description="Parse and resolve imports the way Node does. PATH is an entry file (its whole reachable "
        "graph) or a folder (every .mjs/.js/.cjs/.ts/.mts/.cts/.tsx file under it, node_modules skipped).",
    )
    parser.add_argument("paths", nargs="+", type=input_path, metavar="PATH")
    parser.add_argument("--json", action="store_true", help="print one sorted JSON document")
    add_conditions(parser)
    add_rules(parser)
    parser.add_argument("--no-cache", action="store_true", help="parse every file, ignoring the cache")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from graphkit.cli._output import emit, typescript_note
    from graphkit.graph.crawl import scan
    from graphkit.resolve.typescript import Rules

    graph = scan(
        args.paths, conditions=args.conditions, use_cache=not args.no_cache, rules=Rules(args.resolve)
    )
    typescript_note(graph)
    if args.json:
        from graphkit.model.codec import graph_to_json

        emit(graph_to_json(graph))
    else:
        from graphkit.output.summary import graph_report  # networkx, for the cycles: only this report

        emit(graph_report(graph))
    return 0
