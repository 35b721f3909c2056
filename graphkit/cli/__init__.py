"""The ``graphkit`` command: each subcommand lives in a module of this package.

A subcommand module defines ``register(subparsers)``, which adds its parser and sets ``run`` (a function
taking the parsed namespace and returning an exit status). Heavy imports stay inside ``run`` so that
``graphkit --help`` is fast.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import warnings
from collections.abc import Sequence
from typing import TextIO

from graphkit.errors import GraphkitError

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="graphkit",
        description="See, plan and perform hot module replacement of Node.js ES modules.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        importlib.import_module(f"{__name__}.{info.name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; argparse exits 2 on bad usage, a GraphkitError becomes one line and exit 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    warnings.showwarning = _show_warning
    try:
        status: int = args.run(args)
    except GraphkitError as error:
        if args.debug:
            raise
        print(f"graphkit: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return status


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """A warning is one line, like an error, without the source line Python would quote."""
    print(f"graphkit: warning: {message}", file=file or sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
