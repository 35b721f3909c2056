"""graphkit: see, plan and perform hot module replacement of Node.js ES modules.

The public API is re-exported lazily (``graphkit.scan`` loads ``graphkit.api`` on first use) so that the
``graphkit`` command, which imports this package, starts without networkx or tree-sitter.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    __version__: str | None
    from graphkit.api import (
        Cycle,
        GraphResult,
        Importer,
        PlanResult,
        Reconciliation,
        Unresolved,
        live_graph,
        plan,
        reconcile,
        scan,
    )
    from graphkit.output.diagram import dot_source, mermaid_source

__all__ = [
    "Cycle",
    "GraphResult",
    "Importer",
    "PlanResult",
    "Reconciliation",
    "Unresolved",
    "dot_source",
    "live_graph",
    "mermaid_source",
    "plan",
    "reconcile",
    "scan",
]

def _version() -> str | None:
    """The installed distribution's version: one number, kept in pyproject.toml."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("esm-graphkit")
    except PackageNotFoundError:  # imported from a checkout that was never installed
        return None


_HOMES = {name: "graphkit.api" for name in __all__} | {
    "dot_source": "graphkit.output.diagram",
    "mermaid_source": "graphkit.output.diagram",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read on first use: importlib.metadata costs the command's start-up
        return _version()
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'graphkit' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
