"""Options several subcommands share, so they read and behave the same everywhere."""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path

__all__ = [
    "DASH_VALUED",
    "add_conditions",
    "add_node",
    "add_probe_limits",
    "add_rules",
    "input_path",
    "seconds",
]

# Options whose value is itself an option (`--node-option --inspect=0`): joined to it before parsing.
DASH_VALUED = frozenset({"--node-option"})

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:")  # two letters at least: `C:` stays a path


def input_path(text: str) -> Path:
    """A path, or a ``file:`` URL of one (as Node prints them); any other URL is refused."""
    if text.startswith("file:"):
        from graphkit.model.urls import file_url_path

        path = file_url_path(text)
        if path is None:
            raise argparse.ArgumentTypeError(f"{text}: not a local file URL; pass a path")
        return Path(path)
    if _SCHEME.match(text) and "//" in text[:12]:
        raise argparse.ArgumentTypeError(f"{text}: a URL; pass a path")
    return Path(text)


def _condition(text: str) -> str:
    if not text.strip():  # it could never match a key of "exports": surely a mistake
        raise argparse.ArgumentTypeError("an empty condition matches nothing; name one")
    return text


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text}: expected a positive number of seconds")
    return value


def _milliseconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text}: expected a whole number of milliseconds, 0 or more")
    return value


def add_conditions(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--conditions",
        "-C",
        action="append",
        default=[],
        type=_condition,
        metavar="C",
        help="extra export condition, as `node --conditions C` (repeatable)",
    )


def add_node(parser: argparse.ArgumentParser, purpose: str = "") -> None:
    suffix = f" {purpose}" if purpose else ""
    parser.add_argument(
        "--node", default="node", metavar="PATH", help=f"the node binary{suffix} (default: node on PATH)"
    )


def add_probe_limits(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout", type=seconds, default=30.0, help="seconds before the probe is stopped"
    )
    parser.add_argument(
        "--wait", type=_milliseconds, default=0, metavar="MS", help="wait after evaluation, in ms"
    )


def add_rules(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--resolve",
        choices=("auto", "node", "typescript"),
        default="auto",
        help="auto (default): as Node does, and where a TypeScript file's import fails by Node's rules, by "
        "TypeScript's, as tsc and tsx read it (.js names its .ts file, extensions and index files added, "
        "tsconfig.json paths and baseUrl), each such import marked; node: Node's rules alone; typescript: "
        "TypeScript's rules first for every import",
    )
