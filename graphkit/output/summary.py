"""What a graph, a plan or a comparison adds up to, in the words the CLI, API and drawings share."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from graphkit.graph.queries import cycles, to_networkx
from graphkit.graph.reconcile import Comparison
from graphkit.model import Edge, ModuleGraph, Problem
from graphkit.output.paths import display_path
from graphkit.output.printable import printable
from graphkit.output.wording import count

__all__ = [
    "GraphTally",
    "comparison_line",
    "comparison_report",
    "graph_report",
    "live_report",
]


@dataclass(frozen=True, slots=True)
class GraphTally:
    """The counts every graph summary is made of, each list sorted."""

    modules: Counter[str]  # by module kind
    imports: Counter[str]  # resolved imports, by import kind
    cycles: tuple[tuple[str, ...], ...]
    unresolved: tuple[Edge, ...]
    problems: tuple[Problem, ...]

    @classmethod
    def of(cls, graph: ModuleGraph) -> GraphTally:
        return cls(
            modules=Counter(m.kind.value for m in graph.modules),
            imports=Counter(e.kind.value for e in graph.edges if e.target is not None),
            cycles=tuple(cycles(to_networkx(graph))),
            unresolved=tuple(
                sorted(
                    (e for e in graph.edges if e.target is None),
                    key=lambda e: (e.source, e.line or 0, e.column or 0),
                )
            ),
            problems=tuple(sorted(graph.problems, key=lambda p: (p.url, p.line or 0))),
        )

    def line(self) -> str:
        """``9 modules, 10 imports, 1 cycle, 0 unresolved``."""
        return (
            f"{count(self.modules.total(), 'module')}, {count(self.imports.total(), 'import')}, "
            f"{count(len(self.cycles), 'cycle')}, {len(self.unresolved)} unresolved"
        )


def _by_kind(counter: Counter[str]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in sorted(counter.items())) or "none"


def graph_report(graph: ModuleGraph, root: Path | None = None) -> str:
    """The counts, then every cycle, unresolved import and problem, one a line (``graphkit scan``)."""
    tally = GraphTally.of(graph)
    lines = [
        f"modules: {tally.modules.total()} ({_by_kind(tally.modules)})",
        f"imports: {tally.imports.total()} ({_by_kind(tally.imports)})",
        f"cycles: {len(tally.cycles)}",
    ]
    lines += [f"  {', '.join(display_path(u, root) for u in cycle)}" for cycle in tally.cycles]
    lines.append(f"unresolved: {len(tally.unresolved)}")
    lines += [
        f"  {display_path(e.source, root)}:{e.line}:{e.column}: {e.specifier or '<computed>'} ({e.error})"
        for e in tally.unresolved
    ]
    if tally.problems:
        lines.append(f"problems: {len(tally.problems)}")
        lines += [
            f"  {display_path(p.url, root)}{_position(p.line, p.column)}: {p.code}: {p.message}"
            for p in tally.problems
        ]
    return "\n".join(map(printable, lines)) + "\n"  # names and specifiers as they are, escaped


def _position(line: int | None, column: int | None) -> str:
    """``:line:column``, or nothing for a problem that has no place in the file (a read error)."""
    if line is None:
        return ""
    return f":{line}" if column is None else f":{line}:{column}"


def live_report(graph: ModuleGraph) -> str:
    """The live graph's counts by kind and by load status, then its problems (``graphkit live``)."""
    tally = GraphTally.of(graph)
    statuses = Counter(m.status.value for m in graph.modules if m.status is not None)
    lines = [
        f"Node {graph.node}: {count(len(graph.modules), 'module')} ({_by_kind(tally.modules)}), "
        f"{count(len(graph.edges), 'edge')}",
        f"status: {_by_kind(statuses)}",
    ]
    for problem in tally.problems:
        where = _position(problem.line, problem.column)
        lines.append(f"problem: {problem.url}{where}: {problem.code}: {problem.message}")
    return "\n".join(map(printable, lines)) + "\n"  # names and specifiers as they are, escaped


def comparison_line(result: Comparison) -> str:
    """``10 agreed, 1 live-only, 0 static-only, 0 disagreements``."""
    return (
        f"{len(result.agreed)} agreed, {len(result.live_only)} live-only, "
        f"{len(result.static_only)} static-only, {count(len(result.disagreements), 'disagreement')}"
    )


def _specifier(specifier: str | None) -> str:
    """`` ./a.mjs``; nothing where Node's module map keeps no specifier (a ``require`` in its cache)."""
    return f" {specifier}" if specifier is not None else ""


def comparison_report(result: Comparison) -> str:
    """The counts, then every import the two graphs do not share (``graphkit reconcile``)."""
    lines = [comparison_line(result)]
    lines += [
        f"live-only   {r.source} -> {r.target} ({r.kind.value}{_specifier(r.specifier)})"
        for r in result.live_only
    ]
    lines += [f"static-only {r.where or r.source}: {r.specifier} -> {r.target}" for r in result.static_only]
    lines += [
        f"disagree    {d.where or d.source}: {d.specifier!r} static {d.static_target} live {d.live_target}"
        for d in result.disagreements
    ]
    return "\n".join(map(printable, lines)) + "\n"  # names and specifiers as they are, escaped
