"""TypeScript's own module resolution, as loaders that run TypeScript (tsx and the like) and editors use it.

Node resolves exactly what is written; TypeScript also finds the ``.ts`` file a ``.js`` specifier names
(``./a.js`` -> ``./a.ts``), adds extensions and ``index`` files to extensionless relative specifiers, and
maps bare specifiers through the ``paths`` and ``baseUrl`` of the nearest ``tsconfig.json`` (its
``extends`` followed). A specifier these rules do not place falls back to Node's resolver, so packages and
builtins resolve as Node has them.

Three rule sets (``Rules``): ``node`` is Node's alone; ``typescript`` puts TypeScript's in front; ``auto``
(the default) keeps Node's answer wherever it has one and, for an import in a TypeScript file that Node
cannot place, takes TypeScript's. Either way an edge TypeScript's rules placed says so
(``resolved_by="typescript"``): source written for ``tsc`` or ``tsx`` reads as its authors mean it, and
what Node alone would refuse stays visible.
"""

from __future__ import annotations

import posixpath
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from graphkit.errors import ConfigWarning, InputError
from graphkit.model import ImportKind, Resolution
from graphkit.model.urls import file_url_path
from graphkit.resolve.packages import FILE, ancestors, parse_json
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
_TYPESCRIPT_IMPORTERS = (".ts", ".tsx", ".mts", ".cts")
_EXTENDS_DEPTH = 32  # a longer chain of tsconfig "extends" is a loop
# tsconfig.json is JSON with comments and trailing commas.
_JSONC = re.compile(r'("(?:[^"\\]|\\.)*")|//[^\n]*|/\*.*?\*/', re.DOTALL)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


class Rules(StrEnum):
    """Whose rules a static scan resolves by."""

    AUTO = "auto"  # Node's; TypeScript's for what a TypeScript file imports and Node cannot place
    NODE = "node"
    TYPESCRIPT = "typescript"


def resolver_for(rules: Rules, conditions: Iterable[str] = ()) -> Resolver:
    if rules is Rules.NODE:
        return Resolver(conditions)
    return TypeScriptResolver(conditions, node_first=rules is Rules.AUTO)


@dataclass(frozen=True, slots=True)
class _Config:
    base: str  # the folder ``paths`` targets are relative to
    base_url: str | None  # ``baseUrl`` when set: bare specifiers are looked up under it too
    paths: tuple[tuple[str, tuple[str, ...]], ...]  # pattern -> targets, longest prefix first


class TypeScriptResolver(Resolver):
    """Node's resolver with TypeScript's rules in front of it, or, with ``node_first``, behind it for
    TypeScript importers."""

    def __init__(
        self,
        conditions: Iterable[str] = (),
        *,
        preserve_symlinks: bool = False,
        profile: NodeProfile = NODE20,
        node_first: bool = False,
    ) -> None:
        super().__init__(conditions, preserve_symlinks=preserve_symlinks, profile=profile)
        self._configs: dict[str, _Config | None] = {}
        # By (parent folder, specifier), as Node's resolver caches: the folder is all a result depends on.
        self._found: dict[tuple[str, str], str | None] = {}
        self._preserve = preserve_symlinks
        self._url_profile = profile
        self._node_first = node_first

    def resolve(self, specifier: str, parent_url: str, kind: ImportKind) -> Resolution:
        if not self._node_first:
            return self._by_typescript(specifier, parent_url) or super().resolve(specifier, parent_url, kind)
        by_node = super().resolve(specifier, parent_url, kind)
        if by_node.url is not None or not parent_url.endswith(_TYPESCRIPT_IMPORTERS):
            return by_node
        return self._by_typescript(specifier, parent_url) or by_node

    def _by_typescript(self, specifier: str, parent_url: str) -> Resolution | None:
        parent = file_url_path(parent_url)
        if parent is None:
            return None
        key = (posixpath.dirname(parent), specifier)
        if key not in self._found:
            self._found[key] = self._typescript(specifier, key[0])
        found = self._found[key]
        if found is None:
            return None
        real = found if self._preserve else self._context.disk.realpath(found)
        return Resolution(self._url_profile.url(real), resolved_by=Rules.TYPESCRIPT.value)

    def _is_file(self, path: str) -> bool:
        return self._context.disk.kind(path) == FILE  # through Disk: a stored graph re-checks it

    def _typescript(self, specifier: str, folder: str) -> str | None:
        if is_path_specifier(specifier):
            return _file(posixpath.join(folder, specifier), self._is_file)
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
                found = _file(posixpath.join(config.base, target.replace("*", star, 1)), self._is_file)
                if found is not None:
                    return found
            return None
        if config.base_url is not None:
            return _file(posixpath.join(config.base_url, specifier), self._is_file)
        return None

    def _config(self, folder: str) -> _Config | None:
        """The nearest tsconfig.json at or above ``folder``, read once."""
        if folder in self._configs:
            return self._configs[folder]
        path = posixpath.join(folder, "tsconfig.json")
        if self._is_file(path):
            config: _Config | None = self._read_config_or_warn(path)
        else:
            parent = posixpath.dirname(folder)
            config = None if parent == folder else self._config(parent)
        self._configs[folder] = config
        return config

    def _read_config_or_warn(self, path: str) -> _Config | None:
        """Under ``auto`` a broken tsconfig.json is one warning, not the end of a scan that Node's rules
        alone could make; with ``--resolve typescript`` it is an error."""
        try:
            return self._read_config(path, 0)
        except InputError as error:
            if not self._node_first:
                raise
            warnings.warn(f"{error}; its paths are not used", ConfigWarning, stacklevel=2)
            return None

    def _read_config(self, path: str, depth: int) -> _Config:
        """``paths`` and ``baseUrl`` of one tsconfig.json, those of the file it ``extends`` filling in."""
        if depth > _EXTENDS_DEPTH:
            raise InputError(f'{path}: tsconfig.json "extends" runs {_EXTENDS_DEPTH} files deep; a loop?')
        raw = self._context.disk.text(path)
        if raw is None:
            raise InputError(f"{path}: cannot read tsconfig.json")
        try:
            text = raw.decode("utf-8-sig")
            doc = parse_json(_TRAILING_COMMA.sub(r"\1", _JSONC.sub(lambda m: m.group(1) or "", text)))
        except ValueError as error:
            raise InputError(f"{path}: cannot read tsconfig.json ({error})") from None
        doc = doc if isinstance(doc, dict) else {}
        inherited = self._extended(doc.get("extends"), path, depth)
        options = doc.get("compilerOptions")
        options = options if isinstance(options, dict) else {}
        folder = posixpath.dirname(path)
        raw_url = options.get("baseUrl")
        base_url = posixpath.normpath(posixpath.join(folder, raw_url)) if isinstance(raw_url, str) else None
        if base_url is None and inherited is not None:
            base_url = inherited.base_url
        raw_paths = options.get("paths")
        if not isinstance(raw_paths, dict):
            if inherited is None:
                return _Config(base_url or folder, base_url, ())
            # Inherited paths stay relative to the file that set them, unless a baseUrl here moves them.
            moved = base_url if isinstance(raw_url, str) else None
            return _Config(moved or inherited.base, base_url, inherited.paths)
        paths = [
            (pattern, tuple(t for t in targets if isinstance(t, str)))
            for pattern, targets in raw_paths.items()
            if isinstance(targets, list)
        ]
        # TypeScript picks the pattern with the longest prefix before its "*"; exact patterns first.
        paths.sort(key=lambda item: ("*" in item[0], -len(item[0].split("*", 1)[0])))
        return _Config(base_url or folder, base_url, tuple(paths))

    def _extended(self, extends: object, path: str, depth: int) -> _Config | None:
        """The config ``extends`` names (of a list, the last one found), or None."""
        names = [extends] if isinstance(extends, str) else extends if isinstance(extends, list) else []
        found = None
        for name in names:
            target = self._extends_path(name, posixpath.dirname(path)) if isinstance(name, str) else None
            if target is not None:
                found = self._read_config(target, depth + 1)
        return found

    def _extends_path(self, name: str, folder: str) -> str | None:
        """A relative or absolute path, or a file of a package found up the node_modules folders."""
        if is_path_specifier(name):
            candidates = [posixpath.normpath(posixpath.join(folder, name))]
        else:
            candidates = []
            for above in ancestors(folder):
                base = posixpath.join(above, "node_modules", name)
                candidates += [base, posixpath.join(base, "tsconfig.json")]
        return next(
            (option for c in candidates for option in (c, c + ".json") if self._is_file(option)), None
        )


def _match(pattern: str, specifier: str) -> str | None:
    """What the ``*`` of ``pattern`` stands for in ``specifier`` ("" for an exact pattern), else None."""
    if "*" not in pattern:
        return "" if pattern == specifier else None
    prefix, suffix = pattern.split("*", 1)
    if specifier.startswith(prefix) and specifier.endswith(suffix) and len(specifier) >= len(prefix + suffix):
        return specifier[len(prefix) : len(specifier) - len(suffix)]
    return None


def _file(path: str, is_file: Callable[[str], bool]) -> str | None:
    """The file TypeScript takes for ``path``: a .ts twin of a .js name, the name itself, an added
    extension, or a folder's index file."""
    path = posixpath.normpath(path)
    stem, extension = posixpath.splitext(path)
    if extension in _REPLACEMENTS:
        return next((stem + e for e in _REPLACEMENTS[extension] if is_file(stem + e)), None)
    if extension in _KNOWN and is_file(path):
        return path
    for candidate in (*(path + e for e in _ADDED), *(posixpath.join(path, "index" + e) for e in _ADDED)):
        if is_file(candidate):
            return candidate
    return None
