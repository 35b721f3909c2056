"""Modules, imports and graphs: frozen dataclasses keyed by the URL strings Node uses.

Every module is keyed by the exact URL string Node uses: ``file:///abs/path.mjs`` (percent-encoded, as
``url.pathToFileURL`` writes it), ``node:fs`` for builtins, ``data:...`` as written.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphkit.model.protocol import Format, ImportKind, ModuleKind, Status

__all__ = [
    "Edge",
    "Extraction",
    "ImportRecord",
    "Module",
    "ModuleGraph",
    "ParseIssue",
    "Problem",
    "Resolution",
]


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """One import occurrence in one file, as the parser saw it (1-based line and column)."""

    kind: ImportKind
    specifier: str | None  # None: a computed dynamic import, kept so it is never silently lost
    line: int
    column: int  # in characters, of the specifier (or of the computed argument)
    attributes: tuple[tuple[str, str], ...] = ()  # import attributes, e.g. (("type", "json"),)
    glob: str | None = None  # `./p/${x}.js` -> "./p/*.js"; expanded against the file system


@dataclass(frozen=True, slots=True)
class ParseIssue:
    line: int
    column: int
    message: str
    code: str = "syntax-error"  # or Node's error for the file, e.g. ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX


@dataclass(frozen=True, slots=True)
class Extraction:
    """What one file imports, in source order, plus what the parser had to recover from."""

    imports: tuple[ImportRecord, ...]
    issues: tuple[ParseIssue, ...] = ()
    accepts: bool = False  # calls ``hot.accept``: it takes its own updates (graphkit.extract.hot)


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where Node sends a specifier; unresolved is a value with Node's error code, not an exception."""

    url: str | None
    error: str | None = None  # e.g. ERR_MODULE_NOT_FOUND
    message: str | None = None  # Node's reason, plus a hint such as the file that was probably meant
    resolved_by: str | None = None  # "typescript": placed by TypeScript's rules, where Node's would not


@dataclass(frozen=True, slots=True)
class Module:
    url: str
    kind: ModuleKind
    format: Format | None
    status: Status | None = None  # live graphs only


@dataclass(frozen=True, slots=True)
class Edge:
    """One import occurrence; ``target`` is None when it does not resolve (``error`` says why)."""

    source: str
    target: str | None
    kind: ImportKind
    specifier: str | None
    line: int | None
    column: int | None
    error: str | None = None  # Node's error code, or "computed" for a computed dynamic import
    # "typescript" when TypeScript's rules found the target (./a.js -> a.ts): Node alone would not load it
    resolved_by: str | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    url: str
    line: int | None
    column: int | None
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class ModuleGraph:
    """A static or live module graph; ``graphkit.graph.queries.to_networkx`` gives the networkx view."""

    modules: tuple[Module, ...]
    edges: tuple[Edge, ...]
    problems: tuple[Problem, ...] = ()
    node: str | None = None  # the Node version a live graph came from
