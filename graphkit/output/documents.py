"""The JSON document of a reconciliation, written like the graph and plan documents."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from graphkit.graph.reconcile import Reconciliation
from graphkit.model.codec import SCHEMA_VERSION, document_to_json

__all__ = ["reconciliation_to_dict", "reconciliation_to_json"]


def reconciliation_to_dict(result: Reconciliation) -> dict[str, Any]:
    return {"version": SCHEMA_VERSION, **asdict(result)}


def reconciliation_to_json(result: Reconciliation) -> str:
    """One row per agreed, live-only, static-only and disagreeing import."""
    return document_to_json(reconciliation_to_dict(result))
