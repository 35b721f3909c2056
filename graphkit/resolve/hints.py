"""Node's "Did you mean to import ...?" for an import it cannot find: what ``require`` would have found,
written as the specifier the author probably meant."""

from __future__ import annotations

import posixpath
from urllib.parse import quote

from graphkit.errors import ResolutionFailed
from graphkit.model.urls import file_url_path
from graphkit.resolve.cjs import CjsResolver
from graphkit.resolve.specifiers import is_relative

__all__ = ["did_you_mean"]


def did_you_mean(specifier: str, parent_url: str, cjs: CjsResolver) -> str | None:
    """The specifier Node suggests for ``specifier`` imported from ``parent_url``, or None for none."""
    parent = file_url_path(parent_url)
    if parent is None:
        return None
    request = (file_url_path(specifier) or specifier) if specifier.startswith("file://") else specifier
    try:
        found = cjs.resolve(request, parent)
    except ResolutionFailed:
        return None
    if found.startswith("node:"):
        return None
    url = cjs.context.url
    if is_relative(request):
        url_path = url(found)[7:]
        hint = posixpath.relpath(url_path, parent_url[7 : parent_url.rfind("/")] or "/")
        hint = hint if hint.startswith("../") else "./" + hint
    elif request and request[0] not in "/.":
        head = request.split("/", 1)[0]
        needle = f"/node_modules/{head}/"
        at = found.rfind(needle)
        rest = found[at + len(needle) :].split("/")
        hint = head + "/" + "/".join(quote(part, safe="!*'()") for part in rest) if at != -1 else url(found)
    else:
        hint = url(found)
    return hint if hint != request else None
