"""Eviction plans: what a change evicts, in which order, and which survivors take part."""

from __future__ import annotations

from dataclasses import dataclass

from graphkit.model.protocol import BoundaryReason, PlanStatus

__all__ = ["Boundary", "Chain", "EvictionPlan"]


@dataclass(frozen=True, slots=True)
class Boundary:
    """A surviving module that must re-run its ``import()`` or that accepts the update."""

    url: str
    reason: BoundaryReason
    imports: tuple[str, ...]  # the evicted modules it reaches directly


@dataclass(frozen=True, slots=True)
class Chain:
    """Why ``url`` is evicted: the evicted module it imports that the change reached it through.

    ``via`` is None for a changed module. Each chain names one step, so a plan's chains stay linear in
    the evicted modules however deep the imports go; ``EvictionPlan.path`` spells a whole chain.
    """

    url: str
    via: str | None


@dataclass(frozen=True, slots=True)
class EvictionPlan:
    status: PlanStatus
    changed: tuple[str, ...]
    evict: tuple[tuple[str, ...], ...]  # reload order, dependencies first; an import cycle is one unit
    boundaries: tuple[Boundary, ...]
    kept: int  # loaded modules that survive
    chains: tuple[Chain, ...]
    reason: str | None = None  # why the app re-runs or restarts

    def path(self, url: str) -> tuple[str, ...]:
        """The import path from a changed module up to the evicted ``url``."""
        via = {c.url: c.via for c in self.chains}
        steps = [url]
        while (step := via[steps[-1]]) is not None:
            steps.append(step)
        return tuple(reversed(steps))
