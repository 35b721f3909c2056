"""What a specifier's spelling alone tells the resolvers, the check both make of a resolved file URL, and
the "imported from" that Node's ESM resolution errors end with."""

from __future__ import annotations

import re

from graphkit.errors import ResolutionFailed
from graphkit.model.urls import file_url_path

__all__ = ["check_separators", "imported_from", "is_path_specifier", "is_relative"]

_ENCODED_SEPARATOR = re.compile(r"%2F|%5C", re.IGNORECASE)


def is_relative(specifier: str) -> bool:
    """``./x``, ``../x``, ``.`` or ``..``: relative to the importing file's folder."""
    return specifier.startswith(("./", "../")) or specifier in (".", "..")


def is_path_specifier(specifier: str) -> bool:
    """``/x`` or a relative specifier: joined to the parent URL rather than looked up."""
    return specifier.startswith("/") or is_relative(specifier)


def check_separators(text: str, module: str, where: str) -> None:
    """Node refuses a resolved module whose ``text`` spells "/" or "\\" percent-encoded."""
    if _ENCODED_SEPARATOR.search(text):
        raise ResolutionFailed(
            "ERR_INVALID_MODULE_SPECIFIER",
            f'Invalid module "{module}" must not include encoded "/" or "\\" characters{where}',
        )


def imported_from(base: str | None) -> str:
    """`` imported from /the/importer.mjs`` (its path when it has one, else its URL), or nothing."""
    if not base:
        return ""
    return f" imported from {file_url_path(base) or base}"
