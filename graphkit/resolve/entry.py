"""Finding an app's entry module from the nearest package.json, the way ``node <dir>`` or ``import`` would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graphkit.errors import UsageError

__all__ = ["find_entry"]

# The conditions Node matches for an `import` of the package itself, in its own precedence
# (the first matching key in the object's order wins, not the first in this set).
_CONDITIONS = frozenset({"node", "import", "default"})
# `main` without an extension is completed the way the CommonJS loader does it.
_MAIN_SUFFIXES = ("", ".js", ".json", ".node", "/index.js", "/index.json", "/index.node")


def find_entry(start: Path) -> Path:
    """The entry named by the nearest package.json at or above ``start``: ``main``, else ``exports["."]``."""
    manifest = _nearest_manifest(start.resolve())
    try:
        doc = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UsageError(f"{manifest}: cannot read package.json to find the entry ({error})") from error
    if not isinstance(doc, dict):
        raise UsageError(f"{manifest}: package.json is not an object; pass --entry")
    if isinstance(doc.get("main"), str):
        return _existing(manifest, doc["main"], _MAIN_SUFFIXES, "main")
    target = _root_export(doc.get("exports"))
    if target is not None:
        return _existing(manifest, target, ("",), 'exports["."]')
    raise UsageError(f"{manifest}: no \"main\" or \"exports\" entry for import; pass --entry")


def _nearest_manifest(start: Path) -> Path:
    for folder in (start, *start.parents) if start.is_dir() else start.parents:
        candidate = folder / "package.json"
        if candidate.is_file():
            return candidate
    raise UsageError(f"{start}: no package.json at or above it to find the entry; pass --entry")


def _root_export(exports: Any) -> str | None:
    """The target of the "." subpath: a string, a condition object, or an array of fallbacks."""
    if isinstance(exports, dict) and any(key.startswith(".") for key in exports):
        exports = exports.get(".")
    return _match_conditions(exports)


def _match_conditions(target: Any) -> str | None:
    if isinstance(target, str):
        return target
    if isinstance(target, list):
        return next((t for t in map(_match_conditions, target) if t is not None), None)
    if isinstance(target, dict):
        for key, value in target.items():
            if key in _CONDITIONS and (found := _match_conditions(value)) is not None:
                return found
    return None


def _existing(manifest: Path, target: str, suffixes: tuple[str, ...], field: str) -> Path:
    base = manifest.parent / target
    for suffix in suffixes:
        candidate = Path(f"{base}{suffix}")
        if candidate.is_file():
            return candidate.resolve()
    raise UsageError(f"{manifest}: {field} names {target!r}, which does not exist")
