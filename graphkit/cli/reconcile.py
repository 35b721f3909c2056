"""``graphkit reconcile``: the static graph of an entry against what Node actually loaded."""

from __future__ import annotations

import argparse
from typing import Any

from graphkit.cli._options import add_node, add_probe_limits, add_rules, input_path
from graphkit.cli._output import emit, load_failure

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "reconcile", help="compare the static import graph with the live one Node loads"
    )
    parser.add_argument("entry", type=input_path, help="entry module")
    add_node(parser)
    add_probe_limits(parser)
    add_rules(parser)
    parser.add_argument(
        "--node-option",
        action="append",
        default=[],
        metavar="OPT",
        help="an option for node, e.g. --node-option=--import=tsx for a loader (repeatable)",
    )
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON")
    parser.add_argument("--strict", action="store_true", help="exit 1 on any disagreement")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from graphkit.graph.crawl import scan
    from graphkit.graph.reconcile import compare
    from graphkit.live.probe import live_graph
    from graphkit.resolve.typescript import Rules

    live = live_graph(
        args.entry, node=args.node, node_args=args.node_option, timeout=args.timeout, wait_ms=args.wait
    )
    result = compare(scan([args.entry], rules=Rules(args.resolve)), live)
    if args.json:
        from graphkit.output.documents import comparison_to_json

        emit(comparison_to_json(result))
    else:
        from graphkit.output.summary import comparison_report

        emit(comparison_report(result))
    if load_failure(str(args.entry), live):
        return 1  # the live side is only what loaded before the error: the comparison cannot agree
    return 1 if args.strict and not result.agrees else 0
