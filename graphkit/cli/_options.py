"""Options several subcommands share, so they read and behave the same everywhere."""

from __future__ import annotations

import argparse

__all__ = ["add_conditions", "add_node", "add_probe_limits", "add_rules"]


def add_conditions(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--conditions",
        "-C",
        action="append",
        default=[],
        metavar="C",
        help="extra export condition, as `node --conditions C` (repeatable)",
    )


def add_node(parser: argparse.ArgumentParser, purpose: str = "") -> None:
    suffix = f" {purpose}" if purpose else ""
    parser.add_argument(
        "--node", default="node", metavar="PATH", help=f"the node binary{suffix} (default: node on PATH)"
    )


def add_probe_limits(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before the probe is stopped")
    parser.add_argument("--wait", type=int, default=0, metavar="MS", help="wait after evaluation, in ms")


def add_rules(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--resolve",
        choices=("node", "typescript"),
        default="node",
        help="resolve as Node does (default) or by TypeScript's rules, as loaders such as tsx do: .js names "
        "its .ts file, extensions and index files added, tsconfig.json paths and baseUrl",
    )
