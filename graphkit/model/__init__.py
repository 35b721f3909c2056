"""Values that cross layer boundaries: frozen dataclasses and enums, nothing else.

``graph`` holds modules, imports and graphs; ``plan`` eviction plans; ``protocol`` the enums that also
cross the probe channel; ``codec`` the JSON documents; ``urls`` Node's file URL rules.
"""

from __future__ import annotations

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
