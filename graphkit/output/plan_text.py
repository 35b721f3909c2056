"""An eviction plan as a readable text tree: each changed module, the importers it evicts, the boundaries."""

from __future__ import annotations

import re
from pathlib import Path

from graphkit.model import Boundary, BoundaryReason, EvictionPlan, PlanStatus
from graphkit.output.paths import display_path
from graphkit.output.summary import plan_counts

__all__ = ["render_text"]


_NAMED = re.compile(r"(file:[^\s]+?):\s")


def render_text(plan: EvictionPlan, *, root: Path | None = None) -> str:
    """The chains as a tree rooted at the changed modules, then the reload order and a summary line.

    Modules are shown as paths relative to ``root`` (default: the working folder) when that is shorter.
    """

    def name(url: str) -> str:
        return display_path(url, root)

    children: dict[str, list[str]] = {}
    for chain in plan.chains:
        if len(chain.path) > 1:
            children.setdefault(chain.path[-2], []).append(chain.url)
    dynamic: dict[str, list[Boundary]] = {}
    for boundary in plan.boundaries:
        if boundary.reason is BoundaryReason.DYNAMIC_IMPORT:
            for url in boundary.imports:
                dynamic.setdefault(url, []).append(boundary)
    accepting = {b.url for b in plan.boundaries if b.reason is BoundaryReason.ACCEPTS}

    lines: list[str] = []

    def walk(root: str) -> None:
        """Depth first with an explicit stack: an import chain may be deeper than Python's recursion limit."""
        start = len(lines)
        stack: list[tuple[str, str, bool, str | None]] = [(root, "", True, None)]
        while stack:
            url, prefix, last, note = stack.pop()
            branch = "" if len(lines) == start else ("└── " if last else "├── ")
            if note is not None:
                lines.append(f"{prefix}{branch}{name(url)}  [{note}]")
                continue
            marks = ["changed"] if not branch else []
            if url in accepting:
                marks.append("accepts: importers kept")
            lines.append(prefix + branch + name(url) + (f"  [{', '.join(marks)}]" if marks else ""))
            inner = prefix + ("" if not branch else "    " if last else "│   ")
            items: list[tuple[str, str | None]] = [(child, None) for child in sorted(children.get(url, ()))]
            items += [(b.url, "dynamic import(): kept, re-imports") for b in dynamic.get(url, ())]
            for i, (child, child_note) in reversed(list(enumerate(items))):
                stack.append((child, inner, i == len(items) - 1, child_note))

    roots = [c.url for c in plan.chains if len(c.path) == 1]
    for url in roots:
        walk(url)
    for url in plan.changed:
        if url not in roots:
            lines.append(f"{name(url)}  [changed, not loaded]")
    if plan.evict:
        order = ", ".join(" + ".join(map(name, unit)) for unit in plan.evict)
        lines.append(f"reload order: {order}")
    lines.append(_summary(plan, root))
    return "\n".join(lines) + "\n"


def _summary(plan: EvictionPlan, root: Path | None) -> str:
    # The outcome first: in place, re-run of the app inside its process, or a new process.
    if plan.status is PlanStatus.FULL_RELOAD:
        return f"restart: {_reason(plan.reason, root)} ({plan_counts(plan)})"
    if plan.status is PlanStatus.RERUN:
        return f"re-run: {_reason(plan.reason, root)} ({plan_counts(plan)})"
    if plan.status is PlanStatus.NOOP:
        return f"noop: nothing loaded depends on the change ({plan_counts(plan)})"
    return f"in-place: {plan_counts(plan)}"


def _reason(reason: str | None, root: Path | None) -> str:
    """A plan's reason names a module by its URL first: shown as a path, like the tree above it."""
    match = _NAMED.match(reason or "")
    return display_path(match.group(1), root) + reason[match.end(1) :] if match and reason else str(reason)
