"""What Node loads a resolved URL as: its format (``.js`` by the nearest package.json ``type``, ``data:``
by its MIME type) and the kind of module graphkit shows (builtin, package, local or missing)."""

from __future__ import annotations

import posixpath
import re

from graphkit.errors import InputError, ResolutionFailed
from graphkit.model import Format, ModuleKind
from graphkit.model.urls import file_system_path, in_node_modules
from graphkit.resolve.packages import FILE, Disk, StopRule

__all__ = ["format_of", "module_kind"]

_EXTENSION_FORMATS = {
    ".mjs": Format.MODULE,
    ".cjs": Format.COMMONJS,
    ".json": Format.JSON,
    ".node": Format.ADDON,
    ".wasm": Format.WASM,
    ".mts": Format.MODULE_TYPESCRIPT,
    ".cts": Format.COMMONJS_TYPESCRIPT,
}
# What the nearest package.json ``type`` makes of a file: ``.js`` and extensionless as JavaScript, ``.ts``
# as TypeScript (Node 22.18+).
_SCOPED_FORMATS = {
    ".js": (Format.MODULE, Format.COMMONJS),
    "": (Format.MODULE, Format.COMMONJS),
    ".ts": (Format.MODULE_TYPESCRIPT, Format.COMMONJS_TYPESCRIPT),
}
_DATA_MIME = re.compile(r"^([^/]+/[^;,]+)(?:[^,]*?)(;base64)?,")
_JAVASCRIPT_MIME = re.compile(r"^\s*(text|application)/javascript\s*(;\s*charset=utf-?8\s*)?$", re.IGNORECASE)


def format_of(url: str, disk: Disk) -> Format | None:
    """Node's format name for the module at ``url``; ``.js`` follows the nearest package.json ``type``."""
    if url.startswith("node:"):
        return Format.BUILTIN
    if url.startswith("data:"):
        match = _DATA_MIME.match(url[5:].split("#", 1)[0].split("?", 1)[0])
        mime = match.group(1) if match else ""
        if _JAVASCRIPT_MIME.match(mime):
            return Format.MODULE
        return {"application/json": Format.JSON, "application/wasm": Format.WASM}.get(mime)
    path = file_system_path(url)
    if path is None:
        return None
    name = posixpath.basename(path)
    dot = name.rfind(".")
    extension = name[dot:] if dot > 0 else ""
    if extension in _EXTENSION_FORMATS:
        return _EXTENSION_FORMATS[extension]
    if extension in _SCOPED_FORMATS:
        esm, cjs = _SCOPED_FORMATS[extension]
        try:
            scope = disk.scope(posixpath.dirname(path), StopRule.ESM)
        except ResolutionFailed as error:
            # Node cannot load the file either; a scan stops with one line naming the package.json.
            raise InputError(error.message) from error
        return esm if scope is not None and scope.type == "module" else cjs
    return None


def module_kind(url: str, disk: Disk) -> ModuleKind:
    """BUILTIN for ``node:``, PACKAGE under a node_modules folder, MISSING when the file is not there."""
    if url.startswith("node:"):
        return ModuleKind.BUILTIN
    path = file_system_path(url)
    if path is None:
        return ModuleKind.LOCAL if url.startswith("data:") else ModuleKind.MISSING
    if disk.kind(path) != FILE:
        return ModuleKind.MISSING
    return ModuleKind.PACKAGE if in_node_modules(path) else ModuleKind.LOCAL
