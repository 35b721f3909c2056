"""Finding an app's entry module from the nearest package.json, the way ``node <dir>`` or ``import`` would."""

from __future__ import annotations

import os
from pathlib import Path

from graphkit.errors import ResolutionFailed, UsageError
from graphkit.model.urls import local_path, path_to_url
from graphkit.resolve.exports import exports_resolve
from graphkit.resolve.packages import MAIN_SUFFIXES, Disk, StopRule, nearest_package_json

__all__ = ["find_entry"]

# The conditions of an `import` of the package itself ("default" always matches); the first matching key
# in the object's order wins, not the first in this set.
_CONDITIONS = frozenset({"node", "import"})


def find_entry(start: Path) -> Path:
    """The entry named by the nearest package.json at or above ``start``: ``main``, else ``exports["."]``."""
    start = start.resolve()
    found = nearest_package_json(str(start if start.is_dir() else start.parent), StopRule.ROOT)
    if found is None:
        raise UsageError(f"{start}: no package.json at or above it to find the entry; pass --entry")
    manifest = Path(found)
    try:
        config = Disk().package(found)
    except ResolutionFailed as error:
        raise UsageError(f"{error.message}; pass --entry") from error
    if not config.exists:
        raise UsageError(f"{manifest}: cannot read package.json to find the entry; pass --entry")
    main = config.main
    if main is not None:
        return _existing(manifest, manifest.parent / main, MAIN_SUFFIXES, f"main names {main!r}")
    if config.exports is not None:
        try:
            url = exports_resolve(config, path_to_url(found), ".", None, _CONDITIONS)
        except ResolutionFailed as error:
            raise UsageError(f"{error.message}; pass --entry") from error
        target = local_path(url)
        named = "./" + os.path.relpath(target, manifest.parent)
        return _existing(manifest, Path(target), ("",), f'exports["."] names {named!r}')
    raise UsageError(f"{manifest}: no \"main\" or \"exports\" entry for import; pass --entry")


def _existing(manifest: Path, base: Path, suffixes: tuple[str, ...], names: str) -> Path:
    for suffix in suffixes:
        candidate = Path(f"{base}{suffix}")
        if candidate.is_file():
            return candidate.resolve()
    raise UsageError(f"{manifest}: {names}, which does not exist")
