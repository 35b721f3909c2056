"""An eviction plan as a readable text tree: each changed module, the importers it evicts, the boundaries."""

from __future__ import annotations

import re
from pathlib import Path

from graphkit.model import Boundary, BoundaryReason, EvictionPlan, PlanStatus
from graphkit.output.paths import display_path
from graphkit.output.printable import printable
from graphkit.output.wording import count, plan_counts

__all__ = ["render_text", "with_paths"]


# A file URL in a reason, up to the colon before an explanation or the space after it.
_URL = re.compile(r"file:\S+?(?=:?(?:\s|$))")
# Indentation past this depth would make the text grow with the square of an import chain's length.
MAX_DEPTH = 32


def render_text(
    plan: EvictionPlan,
    *,
    root: Path | None = None,
    entry: Path | None = None,
    entry_from: Path | None = None,
) -> str:
    """The chains as a tree rooted at the changed modules, then the reload order and a summary line.

    Modules are shown as paths relative to ``root`` (default: the working folder) when that is shorter.
    Below ``MAX_DEPTH`` levels one line counts the rest of a branch, so the text stays linear in its size.
    An ``entry`` found from the package.json ``entry_from`` is named in the first line, from the working
    folder.
    """

    def name(url: str) -> str:
        return display_path(url, root)

    children: dict[str, list[str]] = {}
    for chain in plan.chains:
        if chain.via is not None:
            children.setdefault(chain.via, []).append(chain.url)
    dynamic: dict[str, list[Boundary]] = {}
    for boundary in plan.boundaries:
        if boundary.reason is BoundaryReason.DYNAMIC_IMPORT:
            for url in boundary.imports:
                dynamic.setdefault(url, []).append(boundary)
    accepting = {b.url for b in plan.boundaries if b.reason is BoundaryReason.ACCEPTS}

    lines: list[str] = []
    if entry is not None and entry_from is not None:
        # From the working folder, as the user typed the changed file: the entry's folder may be another.
        found = f"from {display_path(entry_from)}; --entry to choose"
        lines.append(f"entry: {display_path(entry)} ({found})")

    def walk(root: str) -> None:
        """Depth first with an explicit stack: an import chain may be deeper than Python's recursion limit."""
        start = len(lines)
        stack: list[tuple[str, str, bool, str | None, int]] = [(root, "", True, None, 0)]
        while stack:
            url, prefix, last, note, depth = stack.pop()
            branch = "" if len(lines) == start else ("└── " if last else "├── ")
            if note is not None:
                lines.append(f"{prefix}{branch}{name(url)}  [{note}]")
                continue
            marks = ["changed"] if not branch else []
            if url in accepting:
                marks.append("accepts: importers kept")
            lines.append(prefix + branch + name(url) + (f"  [{', '.join(marks)}]" if marks else ""))
            inner = prefix + ("" if not branch else "    " if last else "│   ")
            if depth == MAX_DEPTH and url in children:
                below, deepest = _below(children, url)
                lines.append(f"{inner}└── … {count(below, 'more module')} deeper, down to {name(deepest)}")
                continue
            items: list[tuple[str, str | None]] = [(child, None) for child in sorted(children.get(url, ()))]
            items += [(b.url, "dynamic import(): kept, re-imports") for b in dynamic.get(url, ())]
            for i, (child, child_note) in reversed(list(enumerate(items))):
                stack.append((child, inner, i == len(items) - 1, child_note, depth + 1))

    roots = [c.url for c in plan.chains if c.via is None]
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


def _below(children: dict[str, list[str]], url: str) -> tuple[int, str]:
    """How many modules the tree holds under ``url``, and the deepest of them (the first one, on a tie)."""
    total, deepest, deepest_depth = 0, url, 0
    stack = [(child, 1) for child in sorted(children[url], reverse=True)]
    while stack:
        child, depth = stack.pop()
        total += 1
        if depth > deepest_depth:
            deepest, deepest_depth = child, depth
        stack.extend((grandchild, depth + 1) for grandchild in sorted(children.get(child, ()), reverse=True))
    return total, deepest


def _summary(plan: EvictionPlan, root: Path | None) -> str:
    # The outcome first: in place, re-run of the app inside its process, or a new process.
    word = plan.status.value  # the word the JSON document and the API use
    if plan.status in (PlanStatus.FULL_RELOAD, PlanStatus.RERUN):
        return f"{word}: {_reason(plan.reason, root)} ({plan_counts(plan)})"
    if plan.status is PlanStatus.NOOP:
        return f"{word}: nothing loaded depends on the change ({plan_counts(plan)})"
    return f"{word}: {plan_counts(plan)}"


def _reason(reason: str | None, root: Path | None) -> str:
    """A plan's reason names modules by their URLs (the first one first): shown as paths, like the tree."""
    return with_paths(reason, root) if reason else str(reason)


def with_paths(text: str, root: Path | None) -> str:
    """``text`` with each file URL in it shown as a path, as the tree shows modules; control characters
    escaped."""
    return printable(_URL.sub(lambda m: display_path(m.group(0), root), text))
