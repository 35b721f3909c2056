"""Where Node sends a specifier: its ESM resolver for imports, its CommonJS resolver for ``require``.

Results are keyed by the URL Node itself uses (``file:///...`` as ``pathToFileURL`` writes it, ``node:NAME``,
``data:...``). A specifier Node refuses is a value carrying Node's error code, never an exception:

>>> Resolver().resolve("fs", "file:///app/main.mjs", ImportKind.STATIC).url
'node:fs'
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterable
from urllib.parse import quote

from graphkit.errors import InputError, ResolutionFailed
from graphkit.model import Format, ImportKind, ModuleKind, Resolution
from graphkit.model.urls import file_url_path, other_url, path_to_url, scheme_of, url_to_path
from graphkit.resolve.cjs import CjsResolver
from graphkit.resolve.esm import EsmResolver, is_path_specifier
from graphkit.resolve.packages import FILE, Disk
from graphkit.resolve.profile import NODE18, NODE20, NodeProfile

__all__ = ["NODE18", "NODE20", "NodeProfile", "Resolver", "path_to_url", "url_to_path"]

_EXTENSION_FORMATS = {
    ".mjs": Format.MODULE,
    ".cjs": Format.COMMONJS,
    ".json": Format.JSON,
    ".node": Format.ADDON,
    ".wasm": Format.WASM,
    ".mts": Format.MODULE_TYPESCRIPT,
    ".cts": Format.COMMONJS_TYPESCRIPT,
}
# What the nearest package.json ``type`` makes of a file: ``.js`` and extensionless as JavaScript, ``.ts``
# as TypeScript (Node 22.18+).
_SCOPED_FORMATS = {
    ".js": (Format.MODULE, Format.COMMONJS),
    "": (Format.MODULE, Format.COMMONJS),
    ".ts": (Format.MODULE_TYPESCRIPT, Format.COMMONJS_TYPESCRIPT),
}
_TYPESCRIPT_FORMATS = (Format.MODULE_TYPESCRIPT, Format.COMMONJS_TYPESCRIPT)
_DATA_MIME = re.compile(r"^([^/]+/[^;,]+)(?:[^,]*?)(;base64)?,")
_JAVASCRIPT_MIME = re.compile(r"^\s*(text|application)/javascript\s*(;\s*charset=utf-?8\s*)?$", re.IGNORECASE)
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
        self._esm_conditions = profile.esm_conditions | user
        self._disk = Disk()
        self._esm = EsmResolver(self._disk, profile, preserve_symlinks)
        self._cjs = CjsResolver(self._esm, profile.cjs_conditions | user)
        self._profile = profile
        # Successes by (require?, parent folder, specifier): the parent's folder is all they depend on.
        self._hits: dict[tuple[bool, str, str], str] = {}

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
                hint = self._hint(specifier, parent_url)
                if hint is not None:
                    message += f"; Did you mean to import {json.dumps(hint)}?"
            return Resolution(None, error.code, message)
        if "/node_modules/" in url and self.format_of(url) in _TYPESCRIPT_FORMATS:
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
            return self._esm.resolve(specifier, parent_url, self._esm_conditions)
        if not parent_url.startswith("data:"):
            raise InputError(f"{parent_url}: an importer must be a file: or data: URL")
        if scheme is not None:
            return other_url(specifier)
        if not is_path_specifier(specifier) and specifier in self._profile.builtins:
            return "node:" + specifier
        raise ResolutionFailed(
            "ERR_UNSUPPORTED_RESOLVE_REQUEST",
            f'Cannot resolve "{specifier}" from "{parent_url}": a data: URL has no folder',
        )

    def _require(self, specifier: str, parent_url: str) -> str:
        found = self._cjs.resolve(specifier, self._parent_path(parent_url))
        return found if found.startswith("node:") else self._profile.url(found)

    @staticmethod
    def _parent_path(parent_url: str) -> str:
        path = file_url_path(parent_url)
        if path is None:
            raise InputError(f"{parent_url}: an importer must be a file: URL with a local path")
        return path

    def _hint(self, specifier: str, parent_url: str) -> str | None:
        """What ``require`` would have found, as Node words it: the file probably meant."""
        parent = file_url_path(parent_url)
        if parent is None:
            return None
        request = (file_url_path(specifier) or specifier) if specifier.startswith("file://") else specifier
        try:
            found = self._cjs.resolve(request, parent)
        except ResolutionFailed:
            return None
        if found.startswith("node:"):
            return None
        if request.startswith(("./", "../")) or request in (".", ".."):
            url_path = self._profile.url(found)[7:]
            hint = posixpath.relpath(url_path, parent_url[7 : parent_url.rfind("/")] or "/")
            hint = hint if hint.startswith("../") else "./" + hint
        elif request and request[0] not in "/.":
            head = request.split("/", 1)[0]
            needle = f"/node_modules/{head}/"
            at = found.rfind(needle)
            rest = found[at + len(needle) :].split("/")
            hint = (
                head + "/" + "/".join(quote(part, safe="!*'()") for part in rest)
                if at != -1
                else self._profile.url(found)
            )
        else:
            hint = self._profile.url(found)
        return hint if hint != request else None

    def format_of(self, url: str) -> Format | None:
        """Node's format name for the module at ``url``; ``.js`` follows the nearest package.json ``type``."""
        if url.startswith("node:"):
            return Format.BUILTIN
        if url.startswith("data:"):
            match = _DATA_MIME.match(url[5:].split("#", 1)[0].split("?", 1)[0])
            mime = match.group(1) if match else ""
            if _JAVASCRIPT_MIME.match(mime):
                return Format.MODULE
            return {"application/json": Format.JSON, "application/wasm": Format.WASM}.get(mime)
        path = file_url_path(url)
        if path is None:
            return None
        name = posixpath.basename(path)
        dot = name.rfind(".")
        extension = name[dot:] if dot > 0 else ""
        if extension in _EXTENSION_FORMATS:
            return _EXTENSION_FORMATS[extension]
        if extension in _SCOPED_FORMATS:
            esm, cjs = _SCOPED_FORMATS[extension]
            try:
                scope = self._disk.scope(posixpath.dirname(path), esm=True)
            except ResolutionFailed as error:
                # Node cannot load the file either; a scan stops with one line naming the package.json.
                raise InputError(error.message) from error
            return esm if scope is not None and scope.type == "module" else cjs
        return None

    def module_kind(self, url: str) -> ModuleKind:
        """BUILTIN for ``node:``, PACKAGE under a node_modules folder, MISSING when the file is not there."""
        if url.startswith("node:"):
            return ModuleKind.BUILTIN
        path = file_url_path(url)
        if path is None:
            return ModuleKind.LOCAL if url.startswith("data:") else ModuleKind.MISSING
        if self._disk.kind(path) != FILE:
            return ModuleKind.MISSING
        return ModuleKind.PACKAGE if "/node_modules/" in path else ModuleKind.LOCAL
