"""package.json ``exports`` and ``imports`` maps, as Node's ``packageExportsResolve`` and
``packageImportsResolve`` read them: conditions, arrays, ``*`` patterns and ``null`` targets.

URLs are strings; a failure raises ``ResolutionFailed`` with Node's code; the resolver makes it a value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Set
from enum import Enum
from typing import Any

from graphkit.errors import ResolutionFailed
from graphkit.model.urls import join_file_url, parse_file_url, path_end, scheme_of
from graphkit.resolve.packages import PackageConfig
from graphkit.resolve.specifiers import imported_from

__all__ = ["exports_resolve", "imports_resolve"]

PackageResolve = Callable[[str, str], str]  # (bare specifier, base URL) -> URL, for bare imports targets

# A ".", ".." or "node_modules" segment, also percent-encoded: Node refuses these in targets and subpaths
# (an empty segment only earns a deprecation warning).
_BAD_SEGMENT = re.compile(
    r"(^|\\|/)((\.|%2e)(\.|%2e)?|(n|%6e|%4e)(o|%6f|%4f)(d|%64|%44)(e|%65|%45)(_|%5f)(m|%6d|%4d)(o|%6f|%4f)"
    r"(d|%64|%44)(u|%75|%55)(l|%6c|%4c)(e|%65|%45)(s|%73|%53))(\\|/|$)",
    re.IGNORECASE,
)


class _Miss(Enum):
    """JavaScript's ``undefined`` in Node's algorithm: no condition matched, try the next one."""

    UNDEFINED = 0


_Target = str | None | _Miss


def _invalid_target(ctx: _Context, key: str, target: Any) -> ResolutionFailed:
    shown = json.dumps(target, separators=(",", ":")) if isinstance(target, dict | list) else str(target)
    return ResolutionFailed(
        "ERR_INVALID_PACKAGE_TARGET",
        f"Invalid \"{ctx.field}\" target {shown} defined for '{key}' in {ctx.pjson.path}"
        + imported_from(ctx.base),
    )


def _invalid_config(pjson: PackageConfig, reason: str) -> ResolutionFailed:
    return ResolutionFailed("ERR_INVALID_PACKAGE_CONFIG", f"Invalid package config {pjson.path}: {reason}")


def _pathname(href: str) -> str:
    start = href.find("/", 7)
    return href[start : path_end(href, start)]


def _target_string(ctx: _Context, target: str, subpath: str, key: str, pattern: bool) -> str:
    pjson = ctx.pjson
    if subpath and not pattern and not target.endswith("/"):
        raise _invalid_target(ctx, key, target)
    if not target.startswith("./"):
        resolve_package = ctx.package_resolve
        if resolve_package is not None and not target.startswith(("/", "../")) and scheme_of(target) is None:
            bare = target.replace("*", subpath) if pattern else target + subpath
            return resolve_package(bare, ctx.pjson_url)
        raise _invalid_target(ctx, key, target)
    if _BAD_SEGMENT.search(target[2:]):
        raise _invalid_target(ctx, key, target)
    resolved = join_file_url(target, ctx.pjson_url)
    if not _pathname(resolved).startswith(_pathname(ctx.pjson_url)[: -len("package.json")]):
        raise _invalid_target(ctx, key, target)
    if not subpath:
        return resolved
    if _BAD_SEGMENT.search(subpath):
        request = key.replace("*", subpath, 1) if pattern else key + subpath
        raise ResolutionFailed(
            "ERR_INVALID_MODULE_SPECIFIER",
            f'Invalid module "{request}" request is not a valid match in pattern "{key}" for the '
            f'"{ctx.field}" resolution of {pjson.path}{imported_from(ctx.base)}',
        )
    if pattern:
        return parse_file_url(resolved.replace("*", subpath))
    return join_file_url("./" + subpath, resolved)


def _is_array_index(key: str) -> bool:
    return key.isdigit() and str(int(key)) == key and int(key) < 0xFFFF_FFFF


def _target(ctx: _Context, target: Any, subpath: str, key: str, pattern: bool) -> _Target:
    if isinstance(target, str):
        return _target_string(ctx, target, subpath, key, pattern)
    if isinstance(target, list):
        if not target:
            return None
        last: ResolutionFailed | _Miss | None = _Miss.UNDEFINED
        for item in target:
            try:
                result = _target(ctx, item, subpath, key, pattern)
            except ResolutionFailed as error:
                if error.code != "ERR_INVALID_PACKAGE_TARGET":
                    raise
                last = error
                continue
            if result is _Miss.UNDEFINED:
                continue
            if result is None:
                last = None
                continue
            return result
        if isinstance(last, ResolutionFailed):
            raise last
        return last
    if isinstance(target, dict):
        if any(_is_array_index(name) for name in target):
            raise _invalid_config(ctx.pjson, '"exports" cannot contain numeric property keys.')
        for name, value in target.items():
            if name == "default" or name in ctx.conditions:
                result = _target(ctx, value, subpath, key, pattern)
                if result is not _Miss.UNDEFINED:
                    return result
        return _Miss.UNDEFINED
    if target is None:
        return None
    raise _invalid_target(ctx, key, target)


class _Context:
    """What every step of one map lookup needs. Only an ``imports`` lookup has ``package_resolve``: its
    targets may name a package, ``exports`` targets may not."""

    __slots__ = ("base", "conditions", "package_resolve", "pjson", "pjson_url")

    def __init__(
        self,
        pjson: PackageConfig,
        pjson_url: str,
        base: str | None,
        conditions: Set[str],
        pr: PackageResolve | None,
    ) -> None:
        self.pjson, self.pjson_url, self.base = pjson, pjson_url, base
        self.conditions, self.package_resolve = conditions, pr

    @property
    def field(self) -> str:
        return "exports" if self.package_resolve is None else "imports"


def _pattern_key_compare(a: str, b: str) -> int:
    a_star, b_star = a.find("*"), b.find("*")
    base_a = len(a) if a_star == -1 else a_star + 1
    base_b = len(b) if b_star == -1 else b_star + 1
    if base_a != base_b:
        return -1 if base_a > base_b else 1
    if a_star == -1:
        return 1
    if b_star == -1:
        return -1
    if len(a) != len(b):
        return -1 if len(a) > len(b) else 1
    return 0


def _best_pattern(keys: Any, request: str) -> tuple[str, str] | None:
    """The most specific ``*`` key matching ``request`` and the part the ``*`` stands for."""
    best, best_subpath = "", ""
    for key in keys:
        star = key.find("*")
        if star == -1 or not request.startswith(key[:star]):
            continue
        trailer = key[star + 1 :]
        if (
            len(request) >= len(key)
            and request.endswith(trailer)
            and _pattern_key_compare(best, key) == 1
            and key.rfind("*") == star
        ):
            best, best_subpath = key, request[star : len(request) - len(trailer)]
    return (best, best_subpath) if best else None


def _match(ctx: _Context, mapping: dict[str, Any], key: str) -> _Target:
    """PACKAGE_IMPORTS_EXPORTS_RESOLVE: an exact key first, else the best-matching ``*`` pattern."""
    if key in mapping and "*" not in key and not key.endswith("/"):
        return _target(ctx, mapping[key], "", key, False)
    best = _best_pattern(mapping, key)
    return None if best is None else _target(ctx, mapping[best[0]], best[1], best[0], True)


def _is_sugar(pjson: PackageConfig, exports: Any) -> bool:
    if isinstance(exports, str | list):
        return True
    if not isinstance(exports, dict) or not exports:
        return False
    kinds = {key == "" or key[0] != "." for key in exports}
    if len(kinds) > 1:
        raise _invalid_config(pjson, "\"exports\" cannot contain some keys starting with '.' and some not.")
    return bool(kinds.pop())


def exports_resolve(
    pjson: PackageConfig,
    pjson_url: str,
    subpath: str,
    base: str | None,
    conditions: Set[str],
) -> str:
    """The URL ``subpath`` (``.`` or ``./x``) of the package maps to through its ``exports``."""
    ctx = _Context(pjson, pjson_url, base, conditions, None)
    exports = pjson.exports
    if _is_sugar(pjson, exports):
        exports = {".": exports}
    if isinstance(exports, dict):
        result = _match(ctx, exports, subpath)
        if isinstance(result, str):
            return result
    where = imported_from(base)
    if subpath == ".":
        message = f'No "exports" main defined in {pjson.path}{where}'
    else:
        message = f"Package subpath '{subpath}' is not defined by \"exports\" in {pjson.path}{where}"
    raise ResolutionFailed("ERR_PACKAGE_PATH_NOT_EXPORTED", message)


def imports_resolve(
    name: str,
    base: str,
    scope: PackageConfig | None,
    scope_url: str | None,
    conditions: Set[str],
    package_resolve: PackageResolve,
) -> str:
    """The URL a ``#name`` specifier maps to through the ``imports`` of the importer's package."""
    if name == "#" or name.startswith("#/") or name.endswith("/"):
        raise ResolutionFailed(
            "ERR_INVALID_MODULE_SPECIFIER",
            f'Invalid module "{name}" is not a valid internal imports specifier name{imported_from(base)}',
        )
    if scope is not None and scope_url is not None and isinstance(scope.imports, dict) and scope.imports:
        ctx = _Context(scope, scope_url, base, conditions, package_resolve)
        result = _match(ctx, scope.imports, name)
        if isinstance(result, str):
            return result
    in_package = f" in package {scope.path}" if scope is not None else ""
    raise ResolutionFailed(
        "ERR_PACKAGE_IMPORT_NOT_DEFINED",
        f'Package import specifier "{name}" is not defined{in_package}{imported_from(base)}',
    )
