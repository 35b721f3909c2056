"""Writing a command's result: to stdout, or to the file ``-o`` names."""

from __future__ import annotations

import io
import os
import select
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from graphkit.errors import InputError

if TYPE_CHECKING:
    from graphkit.model import ModuleGraph

__all__ = ["emit", "load_failure", "say", "typescript_note", "write"]


def write(output: Path | None, data: bytes) -> int:
    if output is None:
        emit(data)
        return 0
    try:
        output.write_bytes(data)
    except OSError as error:
        raise InputError(f"{output}: cannot write ({error.strerror or error})") from error
    return 0


def emit(data: bytes | str) -> None:
    """Write to stdout to the last byte, or raise BrokenPipeError when the reader has gone (`| head -1`).

    Python's own buffered stdout drops the rest of a large write that the pipe took only part of, and
    reports no error: a closed pipe would then look like success.
    """
    sys.stdout.flush()
    raw = data.encode() if isinstance(data, str) else data
    try:
        fd = sys.stdout.fileno()
    except OSError:  # not a file (a capture in tests or notebooks): nothing can close under it
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:
            sys.stdout.write(raw.decode(errors="replace"))
        else:
            buffer.write(raw)
        sys.stdout.flush()
        return
    view = memoryview(raw)
    while view:
        try:
            view = view[os.write(fd, view) :]
        except BlockingIOError:  # a descriptor another process made non-blocking: wait until it drains
            select.select([], [fd], [])


def load_failure(what: str, graph: ModuleGraph) -> int:
    """Exit status 1 with one line on stderr when Node failed to load part of the graph, else 0."""
    if not graph.problems:
        return 0
    first = graph.problems[0]
    more = f" (and {len(graph.problems) - 1} more)" if len(graph.problems) > 1 else ""
    say(f"graphkit: {what}: failed to load: {first.code}: {first.message}{more}")
    return 1


def typescript_note(graph: ModuleGraph) -> None:
    """One line on stderr when TypeScript's rules placed imports: Node alone would not load them."""
    count = sum(1 for e in graph.edges if e.resolved_by is not None)
    if count:
        imports = "import" if count == 1 else "imports"
        say(
            f"graphkit: {count} {imports} resolved by TypeScript's rules (./a.js -> a.ts, no extension, "
            "tsconfig paths): Node loads them only through a loader such as tsx or after a build; "
            "--resolve node counts them unresolved"
        )


def say(line: str) -> None:
    """One line on stderr in a single ``write()``, so what the app writes meanwhile cannot land inside it
    (``print`` writes the text and the newline apart); control characters in it escaped."""
    from graphkit.output.printable import printable

    line = printable(line)
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
