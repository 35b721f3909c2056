"""Turning DOT text into SVG, PNG or PDF with the Graphviz ``dot`` program."""

from __future__ import annotations

import shutil
import subprocess

from graphkit.errors import GraphkitError, UsageError

__all__ = ["FORMATS", "MISSING_DOT", "DotMissingError", "RenderError", "render"]

FORMATS = ("svg", "png", "pdf")
TIMEOUT_S = 300
MISSING_DOT = "Graphviz `dot` not found: install it (apt-get install graphviz)"


class RenderError(GraphkitError):
    """``dot`` failed on the text it was given."""


class DotMissingError(RenderError):
    """``dot`` is not on PATH."""


def render(dot_text: str, fmt: str) -> bytes:
    """Run ``dot -T<fmt>`` on ``dot_text`` and return the picture."""
    if fmt not in FORMATS:
        raise UsageError(f"format {fmt!r}: dot renders {', '.join(FORMATS)}")
    dot = shutil.which("dot")
    if dot is None:
        raise DotMissingError(MISSING_DOT)
    try:
        done = subprocess.run(
            [dot, f"-T{fmt}"], input=dot_text.encode(), capture_output=True, timeout=TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise RenderError(
            f"{dot}: gave up after {TIMEOUT_S} s; collapse the graph or --focus on a module"
        ) from error
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        raise RenderError(f"{dot}: exit {done.returncode}: {reason[0] if reason else 'no message'}")
    return done.stdout
