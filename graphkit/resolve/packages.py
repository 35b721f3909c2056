"""What resolution reads from disk (stats, real paths, package.json files), each read once per ``Disk``.

Plain path strings throughout: the scanner resolves thousands of specifiers and ``Path`` objects cost.
"""

from __future__ import annotations

import json
import os
import posixpath
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from graphkit.errors import ResolutionFailed

__all__ = [
    "DIRECTORY",
    "EXTENSIONS",
    "FILE",
    "INDEX_FILES",
    "MAIN_SUFFIXES",
    "MISSING",
    "Disk",
    "DiskFacts",
    "Lstats",
    "PackageConfig",
    "StopRule",
    "ancestors",
    "nearest_package_json",
    "parse_json",
]

# How deep a JSON file may nest: Node's JSON.parse does not recurse, Python's decoder does.
DEEPEST_JSON = 20_000
FILE, DIRECTORY, MISSING = 0, 1, -1  # the values of Node's internalModuleStat
EXTENSIONS = (".js", ".json", ".node")  # what require() tries, the keys of Module._extensions in Node 20
# What a package's "main" is completed with, in order (``legacyMainResolve``, and require's own guesses),
# then the package folder's own index files.
MAIN_SUFFIXES = ("", *EXTENSIONS, *(f"/index{extension}" for extension in EXTENSIONS))
INDEX_FILES = tuple(f"./index{extension}" for extension in EXTENSIONS)


class StopRule(Enum):
    """Where the walk up to the nearest package.json gives up."""

    ESM = "esm"  # at a folder whose name ends in node_modules (Node tests the URL for it)
    COMMONJS = "commonjs"  # at a folder named exactly node_modules
    ROOT = "root"  # only at the file-system root: the project around a file


def _stops(directory: str, rule: StopRule) -> bool:
    name = posixpath.basename(directory)
    if rule is StopRule.ESM:
        return name.endswith("node_modules")
    return rule is StopRule.COMMONJS and name == "node_modules"


def ancestors(directory: str) -> Iterator[str]:
    """``directory`` and every folder above it, up to and including ``/``."""
    while True:
        yield directory
        if directory == "/":
            return
        directory = posixpath.dirname(directory)


def nearest_package_json(
    directory: str, rule: StopRule, exists: Callable[[str], bool] = os.path.isfile
) -> str | None:
    """The package.json at or above ``directory`` that ``exists``, or None when ``rule`` stops first."""
    for folder in ancestors(directory):
        if _stops(folder, rule):
            return None
        candidate = posixpath.join(folder, "package.json")
        if exists(candidate):
            return candidate
    return None


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


Signature = tuple[int, int, int, int] | None  # size, mtime_ns, inode, ctime_ns; None for no readable file


def signature(path: str) -> Signature:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


class Lstats:
    """``os.lstat`` of each path asked, once: re-checking a stored graph asks about most paths twice."""

    def __init__(self) -> None:
        self._found: dict[str, os.stat_result | None] = {}

    def __call__(self, path: str) -> os.stat_result | None:
        if path in self._found:
            return self._found[path]
        try:
            found: os.stat_result | None = os.lstat(path)
        except (OSError, ValueError):
            found = None
        self._found[path] = found
        return found


@dataclass(frozen=True, slots=True)
class DiskFacts:
    """Everything a ``Disk`` read: while each fact still holds, every resolution made through it does too."""

    kinds: dict[str, int]
    real: dict[str, str]
    packages: dict[str, Signature]

    def hold(self, lstat: Lstats) -> bool:
        """Whether ``Disk`` would read the same now; one ``lstat`` per path for all that is not a symlink."""
        fresh = Disk()
        for path, kind in self.kinds.items():
            st = lstat(path)
            if st is not None and stat.S_ISLNK(st.st_mode):
                if fresh.kind(path) != kind:
                    return False
            elif (MISSING if st is None else DIRECTORY if stat.S_ISDIR(st.st_mode) else FILE) != kind:
                return False
        for path, real in self.real.items():
            # Disk.realpath's own step, from the recorded real path of the folder above (checked too).
            head, tail = posixpath.split(path)
            above = self.real.get(head) if head != path else head
            if above is None:
                if fresh.realpath(path) != real:
                    return False
                continue
            # posixpath.join(above, tail) (``tail`` holds no "/"), spelt out: this runs for every path.
            candidate = (
                (above + tail if not above or above.endswith("/") else f"{above}/{tail}") if tail else above
            )
            st = lstat(candidate)
            if st is not None and stat.S_ISLNK(st.st_mode):
                if os.path.realpath(candidate) != real:
                    return False
            elif candidate != real:
                return False
        return all(signature(path) == sig for path, sig in self.packages.items())

    def merged(self, newer: DiskFacts) -> DiskFacts:
        return DiskFacts(self.kinds | newer.kinds, self.real | newer.real, self.packages | newer.packages)


class Disk:
    """File-system facts for one resolver, cached: files do not change while a graph is built."""

    def __init__(self) -> None:
        self._kinds: dict[str, int] = {}
        self._real: dict[str, str] = {"/": "/"}
        self._packages: dict[str, PackageConfig] = {}
        self._signatures: dict[str, Signature] = {}
        self._scopes: dict[tuple[str, StopRule], PackageConfig | None] = {}

    def facts(self) -> DiskFacts:
        return DiskFacts(dict(self._kinds), dict(self._real), dict(self._signatures))

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
            self._signatures[path] = signature(path)  # before the read: a later change shows as a new one
            found = self._packages[path] = _read_package(path)
        return found

    def text(self, path: str) -> bytes | None:
        """The bytes of a configuration file other than package.json (tsconfig.json), its signature kept
        with the package.json ones so that a stored graph sees it change; None when it cannot be read."""
        self._signatures[path] = signature(path)
        try:
            with open(path, "rb") as file:
                return file.read()
        except (OSError, ValueError):
            return None

    def scope(self, directory: str, rule: StopRule) -> PackageConfig | None:
        """The package.json that governs files in ``directory``: the nearest one Node can read."""
        key = (directory, rule)
        if key not in self._scopes:
            path = nearest_package_json(directory, rule, lambda candidate: self.package(candidate).exists)
            self._scopes[key] = self.package(path) if path is not None else None
        return self._scopes[key]


def _read_package(path: str) -> PackageConfig:
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except (OSError, ValueError):
        return PackageConfig(path, exists=False)
    try:
        parsed = parse_json(raw.decode("utf-8-sig"))
    except ValueError as error:  # not UTF-8, not JSON, or nested deeper than DEEPEST_JSON
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


def parse_json(text: str) -> Any:
    """``json.loads`` of a file nested as deep as Node reads it (a hostile package.json 2,000 levels deep
    included), up to ``DEEPEST_JSON`` levels; deeper is a ValueError, not a RecursionError."""
    try:
        return json.loads(text)
    except RecursionError:
        pass
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, DEEPEST_JSON + 200))  # the decoder takes one frame a level
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(f"nested more than {DEEPEST_JSON} levels deep") from None
    finally:
        sys.setrecursionlimit(limit)
