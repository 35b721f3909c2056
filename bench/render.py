"""Drawing the ~3,600-file corpus: DOT generation and Graphviz rendering must take seconds, not minutes.

Run: `.venv/bin/python -m bench.render`. The corpus is drawn twice: as a plain folder of local modules
(folders collapse, since it is far above the node limit) and as installed packages under node_modules
(one node per package). Prints the figures; asserts nothing, since the machine is shared and noisy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bench.common import SOURCE, corpus
from graphkit.graph.crawl import scan
from graphkit.output.collapse import collapse
from graphkit.output.diagram import view_dot
from graphkit.output.render import render

T = TypeVar("T")


def clocked(what: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = what()
    return result, time.perf_counter() - start


def measure(label: str, folder: Path) -> None:
    graph, scanning = clocked(lambda: scan([folder]))
    view, collapsing = clocked(lambda: collapse(graph))
    text, writing = clocked(lambda: view_dot(view))
    svg, rendering = clocked(lambda: render(text, "svg"))
    print(
        f"{label}: {len(graph.modules)} modules, {len(graph.edges)} imports -> {len(view.nodes)} nodes, "
        f"{len(view.edges)} edges ({view.note or view.collapse + ' collapsed'})"
    )
    print(
        f"  scan {scanning:.2f} s, collapse {collapsing:.2f} s, DOT {writing:.2f} s ({len(text)} bytes), "
        f"dot -Tsvg {rendering:.2f} s ({len(svg)} bytes); "
        f"drawing total {collapsing + writing + rendering:.2f} s"
    )


def main() -> None:
    measure("corpus as a local folder", corpus())
    measure("corpus as installed packages", SOURCE)


if __name__ == "__main__":
    main()
