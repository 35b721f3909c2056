"""``graphkit reconcile``: the static graph of an entry against what Node actually loaded."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from graphkit.cli._options import add_node, add_probe_limits, input_path
from graphkit.cli._output import load_failure

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "reconcile", help="compare the static import graph with the live one Node loads"
    )
    parser.add_argument("entry", type=input_path, help="entry module")
    add_node(parser)
    add_probe_limits(parser)
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON")
    parser.add_argument("--strict", action="store_true", help="exit 1 on any disagreement")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from graphkit.graph.crawl import scan
    from graphkit.graph.reconcile import reconcile
    from graphkit.live.probe import live_graph

    live = live_graph(args.entry, node=args.node, timeout=args.timeout, wait_ms=args.wait)
    result = reconcile(scan([args.entry]), live)
    if args.json:
        print(json.dumps(asdict(result), indent=2, sort_keys=True))
    else:
        print(
            f"{len(result.agreed)} agreed, {len(result.live_only)} live-only, "
            f"{len(result.static_only)} static-only, {len(result.disagreements)} disagreements"
        )
        for row in result.live_only:
            print(f"live-only   {row.source} -> {row.target} ({row.kind.value} {row.specifier})")
        for row in result.static_only:
            print(f"static-only {row.where or row.source}: {row.specifier} -> {row.target}")
        for d in result.disagreements:
            where = d.where or d.source
            print(f"disagree    {where}: {d.specifier!r} static {d.static_target} live {d.live_target}")
    if load_failure(str(args.entry), live):
        return 1  # the live side is only what loaded before the error: the comparison cannot agree
    return 1 if args.strict and not result.agrees else 0
