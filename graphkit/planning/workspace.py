"""Where to look for the app's entry when none is given, npm workspaces included.

Normally the changed file's own package names the entry. In an npm workspaces monorepo, run from inside
another member package (the app), a changed file in a shared member package (a library linked through
``node_modules``) must not make that library's own ``main`` the entry: the app's package names it.
"""

from __future__ import annotations

from pathlib import Path

from graphkit.resolve.packages import parse_json

__all__ = ["entry_search_start", "shared_in_workspace"]


def entry_search_start(file: Path, cwd: Path) -> Path:
    """``file``, or ``cwd`` when both sit in different member packages of one workspace."""
    file_package = _package(file.resolve().parent)
    cwd_package = _package(cwd.resolve())
    if file_package is None or cwd_package is None or file_package == cwd_package:
        return file
    for root in cwd_package.parents:
        members = _members(root)
        if members and cwd_package in members and file_package in members:
            return cwd
    return file


def shared_in_workspace(package: Path) -> Path | None:
    """The root folder of the npm workspace where another member depends on the member ``package``
    (a library, then, not an app); None when there is none."""
    package = package.resolve()
    name = _manifest(package).get("name")
    for root in package.parents:
        members = _members(root)
        if package in members:
            others = (_manifest(m) for m in members if m != package)
            return root if any(name in _dependencies(doc) for doc in others) else None
    return None


def _manifest(package: Path) -> dict[str, object]:
    try:
        doc = parse_json((package / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _dependencies(doc: dict[str, object]) -> set[object]:
    fields = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")
    return {name for field in fields if isinstance(found := doc.get(field), dict) for name in found}


def _package(folder: Path) -> Path | None:
    return next((d for d in (folder, *folder.parents) if (d / "package.json").is_file()), None)


def _members(root: Path) -> set[Path]:
    """The member package folders of the workspace rooted at ``root`` (none when it is not one)."""
    try:
        doc = parse_json((root / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    patterns = doc.get("workspaces") if isinstance(doc, dict) else None
    if isinstance(patterns, dict):  # the {"packages": [...]} form
        patterns = patterns.get("packages")
    if not isinstance(patterns, list):
        return set()
    return {
        found.resolve()
        for pattern in patterns
        if isinstance(pattern, str) and not pattern.startswith("!")
        for found in root.glob(pattern.rstrip("/"))
        if (found / "package.json").is_file()
    }
