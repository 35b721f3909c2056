"""Every value that crosses the probe channel, as enums; ``node_probe/protocol.mjs`` mirrors them.

A test compares the two files, so a value added on one side and not the other fails the suite.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["BoundaryReason", "Command", "Format", "ImportKind", "ModuleKind", "PlanStatus", "Status"]


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


class PlanStatus(StrEnum):
    OK = "ok"
    NOOP = "noop"  # nothing loaded depends on the change
    FULL_RELOAD = "full-reload"  # cannot be applied in place: restart the process


class BoundaryReason(StrEnum):
    """Why a surviving module takes part in a reload."""

    DYNAMIC_IMPORT = "dynamic-import"  # it reaches an evicted module through import(): it gets the new one
    ACCEPTS = "accepts"  # it called hot.accept: it gets the new namespace, its importers are kept


class Command(StrEnum):
    """Requests the host answers over its control channel."""

    PING = "ping"
    SNAPSHOT = "snapshot"
    CHANGES = "changes"  # what the live graph gained and lost since a version the caller holds
    ACCEPTING = "accepting"
    APPLY = "apply"
    SWEEP = "sweep"
