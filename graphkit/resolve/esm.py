"""Node's ES module resolver (``moduleResolve`` in lib/internal/modules/esm/resolve.js) on URL strings.

No extension or index guessing: a specifier names a file exactly, or a package entry through its
``exports``, ``imports`` or (without ``exports``) its legacy ``main``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Set

from graphkit.errors import ResolutionFailed
from graphkit.model.urls import (
    file_url_path,
    join_file_url,
    other_url,
    parse_file_url,
    path_end,
    scheme_of,
)
from graphkit.resolve.context import ResolutionContext
from graphkit.resolve.exports import exports_resolve, imports_resolve
from graphkit.resolve.packages import (
    DIRECTORY,
    FILE,
    INDEX_FILES,
    MAIN_SUFFIXES,
    PackageConfig,
    StopRule,
    ancestors,
)
from graphkit.resolve.specifiers import check_separators, imported_from, is_path_specifier

__all__ = ["EsmResolver"]

_INVALID_PACKAGE_NAME = re.compile(r"^\.|%|\\")


class EsmResolver:
    """``moduleResolve`` for one set of options; ``ResolutionFailed`` carries Node's error code."""

    def __init__(self, context: ResolutionContext) -> None:
        self.context = context
        self.disk = context.disk

    def resolve(self, specifier: str, parent: str) -> str:
        """The URL ``import(specifier)`` in the module at ``parent`` (a ``file:`` URL) loads."""
        conditions = self.context.esm_conditions
        if is_path_specifier(specifier):
            resolved = join_file_url(specifier, parent)
        elif specifier.startswith("#"):
            resolved = self.imports(specifier, parent, conditions)
        else:
            scheme = scheme_of(specifier)
            if scheme == "file:":
                resolved = parse_file_url(specifier)
            elif scheme is not None:
                return other_url(specifier)
            else:
                resolved = self.package_resolve(specifier, parent, conditions)
        if not resolved.startswith("file:"):
            return resolved
        return self.finalize(resolved, parent)

    def imports(self, specifier: str, parent: str, conditions: Set[str]) -> str:
        """``packageImportsResolve``: a ``#name`` through the ``imports`` of the importer's package."""
        path = file_url_path(parent)
        scope = self.disk.scope(posixpath.dirname(path), StopRule.ESM) if path else None
        scope_url = self.context.url(scope.path) if scope is not None else None
        return imports_resolve(
            specifier,
            parent,
            scope,
            scope_url,
            conditions,
            lambda s, b: self.package_resolve(s, b, conditions),
        )

    def exports(self, pjson: PackageConfig, subpath: str, base: str | None, conditions: Set[str]) -> str:
        """``packageExportsResolve``: a package subpath through its ``exports``."""
        return exports_resolve(pjson, self.context.url(pjson.path), subpath, base, conditions)

    def package_resolve(self, specifier: str, base: str, conditions: Set[str]) -> str:
        """``packageResolve``: a builtin, the importer's own package, or one up the node_modules chain."""
        if specifier in self.context.profile.builtins:
            return "node:" + specifier
        slash = specifier.find("/")
        scoped = specifier.startswith("@")
        valid = not (scoped and slash == -1)
        if scoped and valid:
            slash = specifier.find("/", slash + 1)
        name = specifier if slash == -1 else specifier[:slash]
        if not valid or _INVALID_PACKAGE_NAME.search(name):
            raise ResolutionFailed(
                "ERR_INVALID_MODULE_SPECIFIER",
                f'Invalid module "{specifier}" is not a valid package name{imported_from(base)}',
            )
        subpath = "." + ("" if slash == -1 else specifier[slash:])
        base_path = file_url_path(base) or "/"
        scope = self.disk.scope(posixpath.dirname(base_path), StopRule.ESM)
        if scope is not None and scope.exports is not None and scope.name == name:
            return self.exports(scope, subpath, base, conditions)
        for directory in ancestors(posixpath.dirname(base_path)):
            folder = posixpath.join(directory, "node_modules", name)
            if self.disk.kind(folder) == DIRECTORY:
                pjson = self.disk.package(posixpath.join(folder, "package.json"))
                if pjson.exists and pjson.exports is not None:
                    return self.exports(pjson, subpath, base, conditions)
                pjson_url = self.context.url(pjson.path)
                if subpath == ".":
                    return self.legacy_main(pjson, pjson_url, base)
                return join_file_url(subpath, pjson_url)
        raise ResolutionFailed(
            "ERR_MODULE_NOT_FOUND", f"Cannot find package '{name}'{imported_from(base)}"
        )

    def legacy_main(self, pjson: PackageConfig, pjson_url: str, base: str) -> str:
        """The package entry without ``exports``: ``main`` with the old CommonJS guesses, then ``index``."""
        candidates = [f"./{pjson.main}{suffix}" for suffix in MAIN_SUFFIXES] if pjson.main else []
        for candidate in [*candidates, *INDEX_FILES]:
            url = join_file_url(candidate, pjson_url)
            path = file_url_path(url)
            if path is not None and self.disk.kind(path) == FILE:
                return url
        raise ResolutionFailed(
            "ERR_MODULE_NOT_FOUND",
            f"Cannot find package '{pjson.directory}'{imported_from(base)}",
        )

    def finalize(self, resolved: str, base: str) -> str:
        """``finalizeResolution``: the file must exist and not be a folder; symlinks become real paths."""
        end = path_end(resolved, 7)
        check_separators(resolved[:end], resolved[7:end], imported_from(base))
        path = file_url_path(resolved)
        if path is None:
            # fileURLToPath refuses a host, and decodeURIComponent throws a plain URIError.
            code = "ERR_INVALID_FILE_URL_HOST" if resolved.find("/", 7) != 7 else "URIError"
            raise ResolutionFailed(code, f"{resolved} is not a local file path,{imported_from(base)}")
        # Node stats ``path.slice(-1)`` for a trailing slash, that is "/": always a folder.
        kind = DIRECTORY if path.endswith("/") else self.disk.kind(path)
        if kind == DIRECTORY:
            raise ResolutionFailed(
                "ERR_UNSUPPORTED_DIR_IMPORT",
                f"Directory import '{path}' is not supported resolving ES modules{imported_from(base)}",
            )
        if kind != FILE:
            raise ResolutionFailed(
                "ERR_MODULE_NOT_FOUND", f"Cannot find module '{path}'{imported_from(base)}"
            )
        if self.context.preserve_symlinks:
            return resolved
        # pathToFileURL encodes more than the URL parser (e.g. "~", "|"), so the href is rebuilt even when
        # the path has no symlink.
        # Node copies the query and fragment over with the URL setters, which drop empty ones.
        real = self.disk.realpath(path)
        query_at = resolved.find("?", end)
        hash_at = resolved.find("#", end)
        query = resolved[query_at : hash_at if hash_at != -1 else None] if query_at != -1 else ""
        fragment = resolved[hash_at:] if hash_at != -1 else ""
        tail = (query if len(query) > 1 else "") + (fragment if len(fragment) > 1 else "")
        return self.context.url(real + ("/" if path.endswith("/") else "")) + tail
