"""The ``graphkit`` command: each subcommand lives in a module of this package.

A subcommand module defines ``register(subparsers)``, which adds its parser and sets ``run`` (a function
taking the parsed namespace and returning an exit status). Heavy imports stay inside ``run`` so that
``graphkit --help`` is fast. A subcommand that takes a command line of its own after ``--`` (the app's
arguments, a ``node`` command) sets the default ``rest=[]``; it receives everything after the first ``--``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import warnings
from collections.abc import Sequence
from typing import TextIO

from graphkit.cli._options import DASH_VALUED
from graphkit.cli._output import say
from graphkit.errors import GraphkitError

__all__ = ["main"]

# The subcommand modules, named here: listing the package (pkgutil) imports inspect, 8 ms before Node starts.
_SUBCOMMANDS = ("graph", "live", "plan", "reconcile", "scan", "watch")


def build_parser(
    only: str | None = None,
) -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The top-level parser and each subcommand's own, by name; with ``only``, that subcommand alone."""
    parser = argparse.ArgumentParser(
        prog="graphkit",
        description="See, plan and perform hot module replacement of Node.js ES modules.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    parser.add_argument("--version", action=_Version, help="print graphkit's version and exit")
    parser.add_argument(
        "--hot-types",
        action=_HotTypes,
        help="print the path of hot.d.ts, the TypeScript types of the hot handle, and exit",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in [only] if only is not None else _SUBCOMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser, dict(sub.choices)


class _Print(argparse.Action):
    """An option that prints one line and exits 0, worked out only when given (start-up stays fast)."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(self.line())
        parser.exit()

    def line(self) -> str:
        raise NotImplementedError


class _Version(_Print):
    def line(self) -> str:
        import graphkit

        return f"graphkit {graphkit.__version__ or '(not installed: run from a checkout)'}"


class _HotTypes(_Print):
    """Where the installed package keeps hot.d.ts, for a tsconfig.json ``include``."""

    def line(self) -> str:
        from importlib.resources import files

        return str(files("graphkit.live").joinpath("node_probe", "hot.d.ts"))


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Options before or after positionals, ``--`` then a command line of its own, and a mistake shown
    with the subcommand's usage rather than the top-level one."""
    argv = list(argv)
    # A command line that starts with a subcommand's name needs that subcommand's parser alone: the others
    # import modules of their own (`graphkit watch` starts the app sooner without them).
    named = argv[0] if argv and argv[0] in _SUBCOMMANDS else None
    parser, commands = build_parser(named)
    split = argv.index("--") if "--" in argv else len(argv)
    head, rest = _join_dash_values(argv[:split]), argv[split + 1 :]
    args, extras = parser.parse_known_args(head)
    command = commands[args.command]
    if "--" in argv and not hasattr(args, "rest"):
        # An ordinary end of options: what follows is positional, as argparse itself reads it.
        args, extras = parser.parse_known_args(argv)
    elif "--" in argv:
        args.rest = rest
    if extras:
        command.error(f"unrecognized arguments: {' '.join(extras)}")
    return args


def _join_dash_values(argv: list[str]) -> list[str]:
    """``--node-option --inspect=0`` as ``--node-option=--inspect=0``: argparse takes no value that
    starts with a dash after a space."""
    joined: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] in DASH_VALUED and i + 1 < len(argv):
            joined.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            joined.append(argv[i])
            i += 1
    return joined


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; argparse exits 2 on bad usage, a GraphkitError becomes one line and exit 2."""
    args = parse(sys.argv[1:] if argv is None else argv)
    warnings.showwarning = _show_warning
    try:
        status: int = args.run(args)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
    except GraphkitError as error:
        if args.debug:
            raise
        say(f"graphkit: {error}")  # control characters escaped
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head -1`): stop quietly, as a program killed by SIGPIPE would.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
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
    if file is None:
        say(f"graphkit: warning: {message}")
    else:
        from graphkit.output.printable import printable

        file.write(f"graphkit: warning: {printable(str(message))}\n")


if __name__ == "__main__":
    sys.exit(main())
