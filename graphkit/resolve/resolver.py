"""Where Node sends a specifier: its ESM resolver for imports, its CommonJS resolver for ``require``.

Results are keyed by the URL Node itself uses (``file:///...`` as ``pathToFileURL`` writes it, ``node:NAME``,
``data:...``). A specifier Node refuses is a value carrying Node's error code, never an exception:

>>> Resolver().resolve("fs", "file:///app/main.mjs", ImportKind.STATIC).url
'node:fs'
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from graphkit.errors import InputError, ResolutionFailed
from graphkit.model import Format, ImportKind, ModuleKind, Resolution
from graphkit.model.urls import (
    file_system_path,
    file_url_path,
    in_node_modules,
    other_url,
    path_to_url,
    scheme_of,
    url_to_path,
)
from graphkit.resolve.cjs import CjsResolver
from graphkit.resolve.context import ResolutionContext
from graphkit.resolve.esm import EsmResolver
from graphkit.resolve.formats import format_of, module_kind
from graphkit.resolve.hints import did_you_mean
from graphkit.resolve.packages import Disk, DiskFacts
from graphkit.resolve.profile import NODE18, NODE20, NodeProfile
from graphkit.resolve.specifiers import is_path_specifier

__all__ = ["NODE18", "NODE20", "NodeProfile", "Resolver", "path_to_url", "url_to_path"]

_TYPESCRIPT_FORMATS = (Format.MODULE_TYPESCRIPT, Format.COMMONJS_TYPESCRIPT)
_HINTED = ("ERR_MODULE_NOT_FOUND", "ERR_UNSUPPORTED_DIR_IMPORT")


class Resolver:
    """Resolves specifiers as one Node process would, caching what it reads from disk.

    ``conditions`` are added to Node's defaults, as ``node --conditions=NAME`` adds them; ``profile``
    holds the defaults and builtins of the Node line to match (Node 20 unless told).
    """

    def __init__(
        self,
        conditions: Iterable[str] = (),
        *,
        preserve_symlinks: bool = False,
        profile: NodeProfile = NODE20,
    ) -> None:
        user = frozenset(conditions)
        self._context = ResolutionContext(
            Disk(), profile, preserve_symlinks, profile.esm_conditions | user, profile.cjs_conditions | user
        )
        self._esm = EsmResolver(self._context)
        self._cjs = CjsResolver(self._context, self._esm)
        # Successes by (require?, parent folder, specifier): the parent's folder is all they depend on.
        self._hits: dict[tuple[bool, str, str], str] = {}

    def disk_facts(self) -> DiskFacts:
        """What resolution has read from disk so far: see ``DiskFacts.hold``."""
        return self._context.disk.facts()

    def resolve(self, specifier: str, parent_url: str, kind: ImportKind) -> Resolution:
        """Where ``specifier`` in the module at ``parent_url`` leads, or Node's error code as a value."""
        require = kind is ImportKind.REQUIRE
        key = (require, parent_url[: parent_url.rfind("/")], specifier)
        hit = self._hits.get(key)
        if hit is not None:
            return Resolution(hit)
        try:
            url = self._require(specifier, parent_url) if require else self._import(specifier, parent_url)
        except ResolutionFailed as error:
            message = error.message
            if error.code in _HINTED:
                hint = did_you_mean(specifier, parent_url, self._cjs)
                if hint is not None:
                    message += f"; Did you mean to import {json.dumps(hint)}?"
            return Resolution(None, error.code, message)
        if in_node_modules(url) and self.format_of(url) in _TYPESCRIPT_FORMATS:
            # Resolution succeeds, loading does not: Node refuses to strip types of packages.
            path = file_url_path(url)
            return Resolution(
                None,
                "ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING",
                f'Stripping types is currently unsupported for files under node_modules, for "{path}"',
            )
        self._hits[key] = url
        return Resolution(url)

    def _import(self, specifier: str, parent_url: str) -> str:
        scheme = None if is_path_specifier(specifier) else scheme_of(specifier)
        if scheme == "data:":
            return other_url(specifier)
        if scheme == "node:":
            return specifier
        if parent_url.startswith("file:"):
            self._parent_path(parent_url)
            return self._esm.resolve(specifier, parent_url)
        if not parent_url.startswith("data:"):
            raise InputError(f"{parent_url}: an importer must be a file: or data: URL")
        if scheme is not None:
            return other_url(specifier)
        if not is_path_specifier(specifier) and specifier in self._context.profile.builtins:
            return "node:" + specifier
        raise ResolutionFailed(
            "ERR_UNSUPPORTED_RESOLVE_REQUEST",
            f'Cannot resolve "{specifier}" from "{parent_url}": a data: URL has no folder',
        )

    def _require(self, specifier: str, parent_url: str) -> str:
        found = self._cjs.resolve(specifier, self._parent_path(parent_url))
        return found if found.startswith("node:") else self._context.url(found)

    @staticmethod
    def _parent_path(parent_url: str) -> str:
        path = file_system_path(parent_url)  # an importer whose name is not UTF-8 still has a folder
        if path is None:
            raise InputError(f"{parent_url}: an importer must be a file: URL with a local path")
        return path

    def format_of(self, url: str) -> Format | None:
        """Node's format name for the module at ``url``; ``.js`` follows the nearest package.json ``type``."""
        return format_of(url, self._context.disk)

    def module_kind(self, url: str) -> ModuleKind:
        """BUILTIN for ``node:``, PACKAGE under a node_modules folder, MISSING when the file is not there."""
        return module_kind(url, self._context.disk)
