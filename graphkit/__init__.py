"""graphkit: see, plan and perform hot module replacement of Node.js ES modules.

The public API is re-exported lazily (``graphkit.scan`` loads ``graphkit.api`` on first use) so that the
``graphkit`` command, which imports this package, starts without networkx or tree-sitter.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOMES = {name: "graphkit.api" for name in __all__} | {
    "dot_source": "graphkit.output.diagram",
    "mermaid_source": "graphkit.output.diagram",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'graphkit' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
