"""Node's CommonJS resolver (``Module._resolveFilename``): extensions, ``index`` files, ``main``, and the
``exports``/``imports`` maps read with the require conditions. Global folders (NODE_PATH, ~/.node_modules)
are not searched.
"""

from __future__ import annotations

import posixpath
import re

from graphkit.errors import ResolutionFailed
from graphkit.model.urls import file_url_path
from graphkit.resolve.context import ResolutionContext
from graphkit.resolve.esm import EsmResolver
from graphkit.resolve.packages import DIRECTORY, EXTENSIONS, FILE, PackageConfig, StopRule, ancestors
from graphkit.resolve.specifiers import check_separators, is_relative

__all__ = ["CjsResolver"]

_EXPORTS_PATTERN = re.compile(r"^((?:@[^/\\%]+/)?[^./\\%][^/\\%]*)(/.*)?$")


def _not_found(request: str, parent: str) -> ResolutionFailed:
    return ResolutionFailed("MODULE_NOT_FOUND", f"Cannot find module '{request}' required from {parent}")


def _node_module_paths(directory: str) -> list[str]:
    """``Module._nodeModulePaths``: every ancestor's node_modules, skipping node_modules/node_modules."""
    return [
        posixpath.join(folder, "node_modules")
        for folder in ancestors(directory)
        if posixpath.basename(folder) != "node_modules"
    ]


def _trailing_slash(request: str) -> bool:
    return request.endswith("/") or request in (".", "..") or request.endswith(("/.", "/.."))


class CjsResolver:
    """``require.resolve`` for a parent file; the ``exports`` and ``imports`` maps are the ESM resolver's,
    read with the require conditions, as Node reads them."""

    def __init__(self, context: ResolutionContext, esm: EsmResolver) -> None:
        self.context = context
        self.disk = context.disk
        self.esm = esm
        self.conditions = context.cjs_conditions

    def resolve(self, request: str, parent: str) -> str:
        """The file path (or ``node:NAME``) that ``require(request)`` from the file ``parent`` loads."""
        builtin = self.context.profile.builtin(request)
        if builtin is not None:
            return builtin
        try:
            return self._resolve(request, parent)
        except ResolutionFailed as error:
            # Inside the maps Node raises the ESM code; require reports its own.
            if error.code == "ERR_MODULE_NOT_FOUND":
                raise _not_found(request, parent) from error
            raise

    def _resolve(self, request: str, parent: str) -> str:
        directory = posixpath.dirname(parent)
        # Module._resolveLookupPaths: ".x" is a package name, but "..x" is looked up beside the parent.
        beside = request.startswith(".") and (len(request) == 1 or request[1] in "./")
        paths = [directory] if beside else _node_module_paths(directory)
        if request.startswith("#"):
            scope = self.disk.scope(directory, StopRule.COMMONJS)
            if scope is not None and scope.imports is not None:
                url = self.esm.imports(request, self.context.url(parent), self.conditions)
                return self._finalize(url, parent, scope)
        own = self._self_reference(request, parent)
        if own is not None:
            return own
        found = self._find_path(request, paths, parent)
        if found is None:
            raise _not_found(request, parent)
        return found

    def _self_reference(self, request: str, parent: str) -> str | None:
        scope = self.disk.scope(posixpath.dirname(parent), StopRule.COMMONJS)
        if scope is None or scope.exports is None or scope.name is None:
            return None
        if request == scope.name:
            subpath = "."
        elif request.startswith(scope.name + "/"):
            subpath = "." + request[len(scope.name) :]
        else:
            return None
        return self._finalize(
            self.esm.exports(scope, subpath, self.context.url(parent), self.conditions), parent, scope
        )

    def _finalize(self, url: str, parent: str, pjson: PackageConfig) -> str:
        """``finalizeEsmResolution``: a map target must be an existing file (folders do not count)."""
        check_separators(url, url, f", required from {parent}")
        if not url.startswith("file:"):
            # fileURLToPath refuses it: an imports target naming a builtin fails under require in Node 20.
            raise ResolutionFailed(
                "ERR_INVALID_URL_SCHEME", f"{url} is not a file: URL, required from {parent}"
            )
        path = file_url_path(url)
        found = self._try_file(path) if path is not None else None
        if found is None:
            raise _not_found(path or url, pjson.path)
        return found

    def _try_file(self, path: str) -> str | None:
        if self.disk.kind(path) != FILE:
            return None
        return path if self.context.preserve_symlinks else self.disk.realpath(path)

    def _try_extensions(self, base: str) -> str | None:
        for extension in EXTENSIONS:
            found = self._try_file(base + extension)
            if found is not None:
                return found
        return None

    def _try_package(self, folder: str, parent: str) -> str | None:
        main = self.disk.package(posixpath.join(folder, "package.json")).main
        index = posixpath.join(folder, "index")
        if not main:
            return self._try_extensions(index)
        filename = posixpath.normpath(posixpath.join(folder, main))
        found = (
            self._try_file(filename)
            or self._try_extensions(filename)
            or self._try_extensions(posixpath.join(filename, "index"))
            or self._try_extensions(index)
        )
        if found is None:
            raise _not_found(filename, posixpath.join(folder, "package.json"))
        return found

    def _resolve_exports(self, folder: str, request: str, parent: str) -> str | None:
        match = _EXPORTS_PATTERN.match(request)
        if match is None:
            return None
        pjson = self.disk.package(posixpath.join(folder, match.group(1), "package.json"))
        if not pjson.exists or pjson.exports is None:
            return None
        url = self.esm.exports(pjson, "." + (match.group(2) or ""), None, self.conditions)
        return self._finalize(url, parent, pjson)

    def _find_path(self, request: str, paths: list[str], parent: str) -> str | None:
        absolute = request.startswith("/")
        if absolute:
            paths = [""]
        trailing = _trailing_slash(request)
        inside = not (is_relative(request) and posixpath.normpath(request).startswith(".."))
        for folder in paths:
            if inside and folder and self.disk.kind(folder) != DIRECTORY:
                continue
            if not absolute:
                exported = self._resolve_exports(folder, request, parent)
                if exported is not None:
                    return exported
            base = posixpath.normpath(posixpath.join(folder, request))
            kind = self.disk.kind(base)
            found = None
            if not trailing:
                found = self._try_file(base) if kind == FILE else self._try_extensions(base)
            if found is None and kind == DIRECTORY:
                found = self._try_package(base, parent)
            if found is not None:
                return found
        return None
