"""The JSON document of a static-versus-live comparison, written like the graph and plan documents."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from graphkit.graph.reconcile import Comparison
from graphkit.model.codec import SCHEMA_VERSION, document_to_json

__all__ = ["comparison_to_dict", "comparison_to_json"]


def comparison_to_dict(result: Comparison) -> dict[str, Any]:
    return {"version": SCHEMA_VERSION, **asdict(result)}


def comparison_to_json(result: Comparison) -> str:
    """One row per agreed, live-only, static-only and disagreeing import."""
    return document_to_json(comparison_to_dict(result))
