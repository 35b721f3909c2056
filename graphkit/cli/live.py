"""``graphkit live``: the live module graph of an entry, or of the user's own ``node ...`` command."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from graphkit.cli._options import add_node, add_probe_limits
from graphkit.errors import UsageError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "live",
        help="read the live module graph from Node's ESM loader",
        description="graphkit live ENTRY, or graphkit live [options] -- node [node flags] app.mjs [args]",
    )
    parser.add_argument("target", nargs="+", metavar="ENTRY | -- node ...", help="entry file or node command")
    add_node(parser, "for ENTRY")
    add_probe_limits(parser)
    parser.add_argument("--json", action="store_true", help="print the graph document")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from graphkit.live.probe import attach_graph, live_graph
    from graphkit.model.codec import graph_to_json

    target: list[str] = args.target
    if len(target) == 1:
        graph = live_graph(Path(target[0]), node=args.node, timeout=args.timeout, wait_ms=args.wait)
    elif Path(target[0]).name.startswith("node"):
        if args.node != "node":
            raise UsageError(f"--node {args.node}: with `-- node ...` the command names its own node binary")
        graph = attach_graph(target, timeout=args.timeout, wait_ms=args.wait)
    else:
        raise UsageError(f"{target[0]}: expected one ENTRY, or `-- node [flags] app.mjs [args]`")
    if args.json:
        print(graph_to_json(graph), end="")
        return 0
    from graphkit.output.summary import live_report

    print(live_report(graph), end="")
    return 0
