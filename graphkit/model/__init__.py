"""Values that cross layer boundaries: frozen dataclasses and enums, nothing else.

``graph`` holds modules, imports and graphs; ``plan`` eviction plans; ``protocol`` the enums that also
cross the probe channel; ``codec`` the JSON documents; ``urls`` Node's file URL rules.

The names below are loaded from their module on first use, as ``graphkit`` does for its API: ``graphkit
watch`` starts the app with the enums of ``protocol`` alone, before the dataclasses are made.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graphkit.model.graph import (
        Edge,
        Extraction,
        ImportRecord,
        Module,
        ModuleGraph,
        ParseIssue,
        Problem,
        Resolution,
    )
    from graphkit.model.plan import Boundary, Chain, EvictionPlan
    from graphkit.model.protocol import (
        ApplyField,
        BoundaryReason,
        Command,
        Effect,
        Format,
        ImportKind,
        ModuleKind,
        PlanStatus,
        Status,
    )

__all__ = [
    "ApplyField",
    "Boundary",
    "BoundaryReason",
    "Chain",
    "Command",
    "Edge",
    "Effect",
    "EvictionPlan",
    "Extraction",
    "Format",
    "ImportKind",
    "ImportRecord",
    "Module",
    "ModuleGraph",
    "ModuleKind",
    "ParseIssue",
    "PlanStatus",
    "Problem",
    "Resolution",
    "Status",
]

_NAMES = {
    "graph": "Edge Extraction ImportRecord Module ModuleGraph ParseIssue Problem Resolution",
    "plan": "Boundary Chain EvictionPlan",
    "protocol": "ApplyField BoundaryReason Command Effect Format ImportKind ModuleKind PlanStatus Status",
}
_HOMES = {name: module for module, names in _NAMES.items() for name in names.split()}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'graphkit.model' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"graphkit.model.{home}"), name)
    globals()[name] = value  # once: the next use is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
