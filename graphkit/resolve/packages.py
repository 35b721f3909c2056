"""What resolution reads from disk (stats, real paths, package.json files), each read once per ``Disk``.

Plain path strings throughout: the scanner resolves thousands of specifiers and ``Path`` objects cost.
"""

from __future__ import annotations

import json
import os
import posixpath
import stat
from dataclasses import dataclass
from typing import Any

from graphkit.errors import ResolutionFailed

__all__ = ["DIRECTORY", "FILE", "MISSING", "Disk", "PackageConfig"]

FILE, DIRECTORY, MISSING = 0, 1, -1  # the values of Node's internalModuleStat


@dataclass(frozen=True, slots=True)
class PackageConfig:
    """The fields of one package.json that resolution reads, as Node's package_json_reader keeps them."""

    path: str  # the package.json file
    exists: bool
    name: str | None = None
    main: str | None = None
    type: str = "none"  # "module", "commonjs" or "none"
    exports: Any = None  # raw JSON; None when absent (a JSON null counts as absent, as in Node)
    imports: Any = None

    @property
    def directory(self) -> str:
        return posixpath.dirname(self.path)


class Disk:
    """File-system facts for one resolver, cached: files do not change while a graph is built."""

    def __init__(self) -> None:
        self._kinds: dict[str, int] = {}
        self._real: dict[str, str] = {"/": "/"}
        self._packages: dict[str, PackageConfig] = {}
        self._scopes: dict[tuple[str, bool], PackageConfig | None] = {}

    def kind(self, path: str) -> int:
        """FILE, DIRECTORY or MISSING, following symlinks."""
        found = self._kinds.get(path)
        if found is None:
            try:
                mode = os.stat(path).st_mode
            except (OSError, ValueError):
                found = MISSING
            else:
                found = DIRECTORY if stat.S_ISDIR(mode) else FILE
            self._kinds[path] = found
        return found

    def realpath(self, path: str) -> str:
        """``fs.realpathSync`` of an existing absolute path, one ``lstat`` per path ever asked."""
        found = self._real.get(path)
        if found is None:
            head, tail = posixpath.split(path)
            candidate = self.realpath(head) if head != path else head
            candidate = posixpath.join(candidate, tail) if tail else candidate
            found = os.path.realpath(candidate) if os.path.islink(candidate) else candidate
            self._real[path] = found
        return found

    def package(self, path: str) -> PackageConfig:
        """The package.json at ``path``; a missing or unreadable file reads as ``exists=False``."""
        found = self._packages.get(path)
        if found is None:
            found = self._packages[path] = _read_package(path)
        return found

    def scope(self, directory: str, *, esm: bool) -> PackageConfig | None:
        """The nearest package.json at or above ``directory``, stopping at a node_modules folder.

        The ESM walk stops at any folder whose name ends in ``node_modules`` (it tests the URL for
        ``node_modules/package.json``), the CommonJS walk only at one named exactly ``node_modules``.
        """
        key = (directory, esm)
        if key in self._scopes:
            return self._scopes[key]
        name = posixpath.basename(directory)
        found: PackageConfig | None = None
        if not (name.endswith("node_modules") if esm else name == "node_modules"):
            config = self.package(posixpath.join(directory, "package.json"))
            if config.exists:
                found = config
            elif directory != "/":
                found = self.scope(posixpath.dirname(directory), esm=esm)
        self._scopes[key] = found
        return found


def _read_package(path: str) -> PackageConfig:
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except (OSError, ValueError):
        return PackageConfig(path, exists=False)
    try:
        parsed = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ResolutionFailed("ERR_INVALID_PACKAGE_CONFIG", f"{path}: invalid JSON ({error})") from error
    if not isinstance(parsed, dict):
        return PackageConfig(path, exists=True)
    name, main, kind = parsed.get("name"), parsed.get("main"), parsed.get("type")
    return PackageConfig(
        path,
        exists=True,
        name=name if isinstance(name, str) else None,
        main=main if isinstance(main, str) else None,
        type=kind if kind in ("module", "commonjs") else "none",
        exports=parsed.get("exports"),
        imports=parsed.get("imports"),
    )
