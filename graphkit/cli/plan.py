"""`graphkit plan FILE...`: which modules a change evicts, in reload order, and why."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphkit.cli._options import add_conditions, add_node, add_rules, input_path
from graphkit.cli._output import say, typescript_note, write

if TYPE_CHECKING:
    from graphkit.planning.files import FilePlan

__all__ = ["register"]

FORMATS = ("text", "json", "dot", "svg")


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "plan",
        help="plan the hot reload of changed files",
        description="Show which modules Node must evict and re-import after FILE changes: every importer "
        "linked to the old instance, up to dynamic import() and accepting boundaries.",
    )
    parser.add_argument("files", nargs="+", type=input_path, metavar="FILE", help="a changed file")
    parser.add_argument(
        "--entry", type=input_path, help="the app's entry module (default: from the nearest package.json)"
    )
    parser.add_argument("--live", action="store_true", help="plan over the graph Node loads, not the scan")
    add_node(parser, "for --live")
    parser.add_argument("--json", action="store_true", help="same as --format json")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here instead of stdout")
    parser.add_argument(
        "--include-packages", action="store_true", help="reload modules under node_modules in place"
    )
    parser.add_argument(
        "--restart-on-entry",
        action="store_true",
        help="plan a restart, not a re-run in place, when the change reaches the entry",
    )
    add_conditions(parser)
    add_rules(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from graphkit.errors import InputError
    from graphkit.planning.files import plan_files
    from graphkit.resolve.typescript import Rules

    for file in args.files:
        if not file.exists():
            raise InputError(f"{file}: no such file")
    planned = plan_files(
        args.files,
        entry=args.entry,
        live=args.live,
        node=args.node,
        conditions=args.conditions,
        include_packages=args.include_packages,
        restart_on_entry=args.restart_on_entry,
        rules=Rules(args.resolve),
    )
    typescript_note(planned.graph)
    shown = _show(args, planned)
    return _warn(planned) or shown


def _show(args: argparse.Namespace, planned: FilePlan) -> int:
    graph, made = planned.graph, planned.plan
    fmt = "json" if args.json else args.format
    if fmt == "json":
        from graphkit.model.codec import plan_to_json

        return write(args.output, plan_to_json(made).encode())
    if fmt in ("dot", "svg"):
        from graphkit.output.diagram import dot_source

        dot = dot_source(graph, plan=made)
        if fmt == "dot":
            return write(args.output, dot.encode())
        from graphkit.output.render import render

        return write(args.output, render(dot, "svg"))
    from graphkit.output.plan_text import render_text

    root = planned.entry.resolve().parent
    text = render_text(made, root=root, entry_from=planned.entry_from, entry=planned.entry)
    return write(args.output, text.encode())


def _warn(planned: FilePlan) -> int:
    """Each warning as one line on stderr; exit status 1 when the app fails (or would fail) to load, as
    `graphkit live` has it."""
    from graphkit.output.plan_text import with_paths

    for line in planned.warnings.lines:
        say(f"graphkit: warning: {with_paths(line, None)}")
    return 1 if planned.warnings.load_failed else 0
