"""Counted nouns for the lines graphkit prints ("1 cycle", "2 cycles"), and a plan's counts in them."""

from __future__ import annotations

from graphkit.model import EvictionPlan, PlanStatus

__all__ = ["count", "plan_counts", "plan_line"]


def count(n: int, one: str, many: str | None = None) -> str:
    """``n`` with the noun in singular or plural.

    >>> count(1, "boundary", "boundaries"), count(0, "cycle")
    ('1 boundary', '0 cycles')
    """
    return f"{n} {one if n == 1 else many or one + 's'}"


def plan_counts(plan: EvictionPlan) -> str:
    """``3 evicted in 2 units, 1 boundary, 5 kept``; a no-op plan only keeps."""
    if plan.status is PlanStatus.NOOP:
        return f"{plan.kept} kept"
    modules = sum(len(unit) for unit in plan.evict)
    return (
        f"{modules} evicted in {count(len(plan.evict), 'unit')}, "
        f"{count(len(plan.boundaries), 'boundary', 'boundaries')}, {plan.kept} kept"
    )


def plan_line(plan: EvictionPlan) -> str:
    """``plan in-place: 1 changed, 3 evicted in 2 units, 1 boundary, 5 kept``, with a restart's reason."""
    line = f"plan {plan.status.value}: {len(plan.changed)} changed, {plan_counts(plan)}"
    return line + (f" ({plan.reason})" if plan.reason else "")
