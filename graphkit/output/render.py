"""Turning DOT text into SVG, PNG or PDF through the ``graphviz`` package (it runs ``dot``)."""

from __future__ import annotations

from graphkit.errors import DotMissingError, RenderError, UsageError

__all__ = ["FORMATS", "MISSING_DOT", "render"]

FORMATS = ("svg", "png", "pdf")
MISSING_DOT = "Graphviz `dot` not found: install it (apt-get install graphviz)"


def render(dot_text: str, fmt: str) -> bytes:
    """Run ``dot -T<fmt>`` on ``dot_text`` and return the picture."""
    if fmt not in FORMATS:
        raise UsageError(f"format {fmt!r}: dot renders {', '.join(FORMATS)}")
    import graphviz  # only drawing needs it: keeps `graphkit --help` and scans light

    try:
        picture: bytes = graphviz.pipe("dot", fmt, dot_text.encode(), quiet=True)
    except graphviz.ExecutableNotFound as error:
        raise DotMissingError(MISSING_DOT) from error
    except graphviz.CalledProcessError as error:
        reason = (error.stderr or b"").decode(errors="replace").strip().splitlines()
        raise RenderError(f"dot: exit {error.returncode}: {reason[0] if reason else 'no message'}") from error
    return picture
