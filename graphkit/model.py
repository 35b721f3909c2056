"""Values that cross module boundaries: frozen dataclasses and enums, nothing else.

Every module is keyed by the exact URL string Node uses: ``file:///abs/path.mjs`` (percent-encoded, as
``url.pathToFileURL`` writes it), ``node:fs`` for builtins, ``data:...`` as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Boundary",
    "Chain",
    "Edge",
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


class ImportKind(StrEnum):
    STATIC = "static"  # import x from 'a' / import 'a'
    REEXPORT = "reexport"  # export * from 'a' / export { x } from 'a'
    DYNAMIC = "dynamic"  # import('a')
    REQUIRE = "require"  # require('a'), also through createRequire(import.meta.url)

    @property
    def links(self) -> bool:
        """True when the importer is bound to one instance of the target and must go with it."""
        return self is not ImportKind.DYNAMIC


class ModuleKind(StrEnum):
    LOCAL = "local"
    PACKAGE = "package"  # inside a node_modules folder
    BUILTIN = "builtin"  # node:NAME
    MISSING = "missing"  # referenced but not on disk


class Format(StrEnum):
    """Node's own format names, as its loader reports them."""

    MODULE = "module"
    COMMONJS = "commonjs"
    JSON = "json"
    WASM = "wasm"
    ADDON = "addon"
    BUILTIN = "builtin"


class Status(StrEnum):
    """Live state of a ModuleJob's module record."""

    LINKING = "linking"
    LINKED = "linked"
    INSTANTIATED = "instantiated"
    EVALUATED = "evaluated"
    ERRORED = "errored"


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


@dataclass(frozen=True, slots=True)
class Extraction:
    """What one file imports, in source order, plus what the parser had to recover from."""

    imports: tuple[ImportRecord, ...]
    issues: tuple[ParseIssue, ...] = ()


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where Node sends a specifier; unresolved is a value with Node's error code, not an exception."""

    url: str | None
    error: str | None = None  # e.g. ERR_MODULE_NOT_FOUND
    message: str | None = None  # Node's reason, plus a hint such as the file that was probably meant


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


@dataclass(frozen=True, slots=True)
class Problem:
    url: str
    line: int | None
    column: int | None
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class ModuleGraph:
    """A static or live module graph; ``graphkit.graph.to_networkx`` gives the networkx view."""

    modules: tuple[Module, ...]
    edges: tuple[Edge, ...]
    problems: tuple[Problem, ...] = ()
    node: str | None = None  # the Node version a live graph came from


class PlanStatus(StrEnum):
    OK = "ok"
    NOOP = "noop"  # nothing loaded depends on the change
    FULL_RELOAD = "full-reload"  # cannot be applied in place: restart the process


@dataclass(frozen=True, slots=True)
class Boundary:
    """A surviving module that must re-run its ``import()`` or that accepts the update."""

    url: str
    reason: str  # "dynamic-import" or "accepts"
    imports: tuple[str, ...]  # the evicted modules it reaches directly


@dataclass(frozen=True, slots=True)
class Chain:
    """Why ``url`` is evicted: the import path from a changed module up to it."""

    url: str
    path: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EvictionPlan:
    status: PlanStatus
    changed: tuple[str, ...]
    evict: tuple[tuple[str, ...], ...]  # reload order, dependencies first; an import cycle is one unit
    boundaries: tuple[Boundary, ...]
    kept: int  # loaded modules that survive
    chains: tuple[Chain, ...]
    reason: str | None = None  # why a full reload is needed
