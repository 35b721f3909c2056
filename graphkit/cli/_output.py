"""Writing a command's result: to stdout, or to the file ``-o`` names."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from graphkit.errors import InputError

if TYPE_CHECKING:
    from graphkit.model import ModuleGraph

__all__ = ["load_failure", "say", "write"]


def write(output: Path | None, data: bytes) -> int:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    try:
        output.write_bytes(data)
    except OSError as error:
        raise InputError(f"{output}: cannot write ({error.strerror or error})") from error
    return 0


def load_failure(what: str, graph: ModuleGraph) -> int:
    """Exit status 1 with one line on stderr when Node failed to load part of the graph, else 0."""
    if not graph.problems:
        return 0
    first = graph.problems[0]
    more = f" (and {len(graph.problems) - 1} more)" if len(graph.problems) > 1 else ""
    print(f"graphkit: {what}: failed to load: {first.code}: {first.message}{more}", file=sys.stderr)
    return 1


def say(line: str) -> None:
    """One line on stderr in a single ``write()``, so what the app writes meanwhile cannot land inside it
    (``print`` writes the text and the newline apart)."""
    stream = sys.stderr
    stream.flush()
    try:
        fd = stream.fileno()
    except (AttributeError, ValueError, io.UnsupportedOperation):  # replaced by a stream of text only
        stream.write(line + "\n")
        stream.flush()
        return
    data = (line + "\n").encode(stream.encoding or "utf-8", "backslashreplace")
    while data:  # a pipe takes a line of up to 4 KiB whole; a longer one may come in parts
        data = data[os.write(fd, data) :]
