"""TypeScript's own module resolution, as loaders that run TypeScript (tsx and the like) and editors use it.

Node resolves exactly what is written; TypeScript also finds the ``.ts`` file a ``.js`` specifier names
(``./a.js`` -> ``./a.ts``), adds extensions and ``index`` files to extensionless relative specifiers, and
maps bare specifiers through the ``paths`` and ``baseUrl`` of the nearest ``tsconfig.json``. A specifier
these rules do not place falls back to Node's resolver, so packages and builtins resolve as Node has them.
``extends`` in tsconfig.json is not followed.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from graphkit.errors import InputError
from graphkit.model import ImportKind, Resolution
from graphkit.model.urls import file_url_path
from graphkit.resolve.profile import NODE20, NodeProfile
from graphkit.resolve.resolver import Resolver
from graphkit.resolve.specifiers import is_path_specifier

__all__ = ["Rules", "TypeScriptResolver", "resolver_for"]

# What TypeScript tries in place of a JavaScript extension, in its order (declaration files left out:
# nothing runs them).
_REPLACEMENTS = {
    ".js": (".ts", ".tsx", ".js", ".jsx"),
    ".jsx": (".ts", ".tsx", ".js", ".jsx"),
    ".mjs": (".mts", ".mjs"),
    ".cjs": (".cts", ".cjs"),
}
_ADDED = (".ts", ".tsx", ".js", ".jsx")
_KNOWN = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".json")
# tsconfig.json is JSON with comments and trailing commas.
_JSONC = re.compile(r'("(?:[^"\\]|\\.)*")|//[^\n]*|/\*.*?\*/', re.DOTALL)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


class Rules(StrEnum):
    """Whose rules a static scan resolves by."""

    NODE = "node"
    TYPESCRIPT = "typescript"


def resolver_for(rules: Rules, conditions: Iterable[str] = ()) -> Resolver:
    return TypeScriptResolver(conditions) if rules is Rules.TYPESCRIPT else Resolver(conditions)


@dataclass(frozen=True, slots=True)
class _Config:
    base: str  # the folder ``paths`` targets are relative to
    base_url: bool  # whether ``baseUrl`` was set (then bare specifiers are looked up under it too)
    paths: tuple[tuple[str, tuple[str, ...]], ...]  # pattern -> targets, longest prefix first


class TypeScriptResolver(Resolver):
    """Node's resolver with TypeScript's rules in front of it."""

    def __init__(
        self,
        conditions: Iterable[str] = (),
        *,
        preserve_symlinks: bool = False,
        profile: NodeProfile = NODE20,
    ) -> None:
        super().__init__(conditions, preserve_symlinks=preserve_symlinks, profile=profile)
        self._configs: dict[str, _Config | None] = {}
        # By (parent folder, specifier), as Node's resolver caches: the folder is all a result depends on.
        self._found: dict[tuple[str, str], str | None] = {}
        self._preserve = preserve_symlinks
        self._url_profile = profile

    def resolve(self, specifier: str, parent_url: str, kind: ImportKind) -> Resolution:
        parent = file_url_path(parent_url)
        found = None
        if parent is not None:
            key = (posixpath.dirname(parent), specifier)
            if key not in self._found:
                self._found[key] = self._typescript(specifier, key[0])
            found = self._found[key]
        if found is None:
            return super().resolve(specifier, parent_url, kind)
        return Resolution(self._url_profile.url(found if self._preserve else os.path.realpath(found)))

    def _typescript(self, specifier: str, folder: str) -> str | None:
        if is_path_specifier(specifier):
            return _file(posixpath.join(folder, specifier))
        if ":" in specifier or specifier.startswith("#"):
            return None
        config = self._config(folder)
        if config is None:
            return None
        for pattern, targets in config.paths:
            star = _match(pattern, specifier)
            if star is None:
                continue
            for target in targets:
                found = _file(posixpath.join(config.base, target.replace("*", star, 1)))
                if found is not None:
                    return found
            return None
        return _file(posixpath.join(config.base, specifier)) if config.base_url else None

    def _config(self, folder: str) -> _Config | None:
        """The nearest tsconfig.json at or above ``folder``, read once."""
        if folder in self._configs:
            return self._configs[folder]
        path = posixpath.join(folder, "tsconfig.json")
        if os.path.isfile(path):
            config: _Config | None = _read_config(path)
        else:
            parent = posixpath.dirname(folder)
            config = None if parent == folder else self._config(parent)
        self._configs[folder] = config
        return config


def _read_config(path: str) -> _Config:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        doc = json.loads(_TRAILING_COMMA.sub(r"\1", _JSONC.sub(lambda m: m.group(1) or "", text)))
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: cannot read tsconfig.json ({error})") from error
    options = doc.get("compilerOptions") if isinstance(doc, dict) else None
    options = options if isinstance(options, dict) else {}
    folder = posixpath.dirname(path)
    base_url = options.get("baseUrl")
    base = posixpath.normpath(posixpath.join(folder, base_url)) if isinstance(base_url, str) else folder
    raw = options.get("paths")
    paths = [
        (pattern, tuple(t for t in targets if isinstance(t, str)))
        for pattern, targets in (raw.items() if isinstance(raw, dict) else [])
        if isinstance(targets, list)
    ]
    # TypeScript picks the pattern with the longest prefix before its "*"; exact patterns first.
    paths.sort(key=lambda item: ("*" in item[0], -len(item[0].split("*", 1)[0])))
    return _Config(base, isinstance(base_url, str), tuple(paths))


def _match(pattern: str, specifier: str) -> str | None:
    """What the ``*`` of ``pattern`` stands for in ``specifier`` ("" for an exact pattern), else None."""
    if "*" not in pattern:
        return "" if pattern == specifier else None
    prefix, suffix = pattern.split("*", 1)
    if specifier.startswith(prefix) and specifier.endswith(suffix) and len(specifier) >= len(prefix + suffix):
        return specifier[len(prefix) : len(specifier) - len(suffix)]
    return None


def _file(path: str) -> str | None:
    """The file TypeScript takes for ``path``: a .ts twin of a .js name, the name itself, an added
    extension, or a folder's index file."""
    path = posixpath.normpath(path)
    stem, extension = posixpath.splitext(path)
    if extension in _REPLACEMENTS:
        return next((stem + e for e in _REPLACEMENTS[extension] if os.path.isfile(stem + e)), None)
    if extension in _KNOWN and os.path.isfile(path):
        return path
    for candidate in (*(path + e for e in _ADDED), *(posixpath.join(path, "index" + e) for e in _ADDED)):
        if os.path.isfile(candidate):
            return candidate
    return None
