"""Static detection of modules that accept their own updates through the graphkit hot API.

A module opts in with::

    const hot = globalThis[Symbol.for('graphkit.hot')]?.(import.meta);
    hot?.accept((next) => { ... });

It accepts when it calls ``.accept(...)`` (plain or optional call) on a value obtained from
``globalThis[Symbol.for('graphkit.hot')]``, directly or through a variable. The syntax tree keeps
comments and strings out of the match.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import lru_cache

import tree_sitter

from graphkit.errors import InputError
from graphkit.extract.cache import StatKey, stat_key
from graphkit.extract.parse import parser
from graphkit.model import ModuleGraph, ModuleKind
from graphkit.model.urls import file_url_path

__all__ = ["accepting_modules", "file_accepts", "source_accepts"]

_HOT_KEY = "graphkit.hot"
# Wrappers that leave the hot value unchanged: `(x)` and `await x` (`_is_hot` also looks through calls).
_TRANSPARENT = {"parenthesized_expression", "await_expression"}


def accepting_modules(graph: ModuleGraph) -> frozenset[str]:
    """URLs of the local modules whose source calls ``hot.accept``; packages and builtins are not read."""
    return frozenset(m.url for m in graph.modules if m.kind is ModuleKind.LOCAL and file_accepts(m.url))


def file_accepts(url: str) -> bool:
    """Whether the file at ``url`` calls ``hot.accept`` (False for a deleted file or a non-file URL)."""
    path = file_url_path(url) if url.startswith("file:") else None
    if path is None:
        return False
    try:
        key = stat_key(os.stat(path))
    except FileNotFoundError:
        return False  # deleted since the graph was read: it accepts nothing
    except OSError as error:
        raise InputError(f"{path}: cannot read to detect hot.accept ({error.strerror})") from error
    return _file_accepts(path, key)


@lru_cache(maxsize=1 << 16)
def _file_accepts(path: str, key: StatKey) -> bool:
    """Cached by size, mtime and inode: the watch loop asks on every save about every loaded module."""
    try:
        with open(path, "rb") as handle:
            return source_accepts(handle.read())
    except OSError as error:
        raise InputError(f"{path}: cannot read to detect hot.accept ({error.strerror})") from error


def source_accepts(source: bytes) -> bool:
    """True when the module source calls ``accept`` on the graphkit hot value."""
    if _HOT_KEY.encode() not in source:
        return False  # cheap guard: most modules never mention the API
    root = parser().parse(source).root_node
    hot_names = _hot_names(root)
    for call in _walk(root, "call_expression"):
        callee = call.child_by_field_name("function")
        if callee is None or callee.type != "member_expression":
            continue
        if _text(callee.child_by_field_name("property")) != "accept":
            continue
        if _is_hot(callee.child_by_field_name("object"), hot_names):
            return True
    return False


def _hot_names(root: tree_sitter.Node) -> set[str]:
    """Variables holding the hot value, followed through aliases (`const h = lookup; const hot = h?.(m)`)."""
    declarators = list(_walk(root, "variable_declarator"))
    names: set[str] = set()
    while True:
        found = {
            _text(d.child_by_field_name("name"))
            for d in declarators
            if _is_hot(d.child_by_field_name("value"), names)
        }
        if found <= names:
            return names
        names |= found


def _walk(node: tree_sitter.Node, kind: str) -> Iterator[tree_sitter.Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == kind:
            yield current
        stack.extend(current.children)


def _text(node: tree_sitter.Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


def _is_hot(node: tree_sitter.Node | None, hot_names: set[str]) -> bool:
    """Whether ``node`` evaluates to the hot value: a known variable, the registry lookup or a call of it."""
    while node is not None:
        if node.type in _TRANSPARENT:
            node = node.named_children[0] if node.named_children else None
        elif node.type == "call_expression":
            node = node.child_by_field_name("function")
        elif node.type == "identifier":
            return _text(node) in hot_names
        else:
            return node.type == "subscript_expression" and _is_registry_lookup(node)
    return False


def _is_registry_lookup(node: tree_sitter.Node) -> bool:
    """``globalThis[Symbol.for('graphkit.hot')]``, with either quote style."""
    target = node.child_by_field_name("object")
    index = node.child_by_field_name("index")
    if target is None or index is None or _text(target) != "globalThis" or index.type != "call_expression":
        return False
    callee = index.child_by_field_name("function")
    args = index.child_by_field_name("arguments")
    if callee is None or args is None or _text(callee) != "Symbol.for" or len(args.named_children) != 1:
        return False
    arg = args.named_children[0]
    return arg.type == "string" and _text(arg)[1:-1] == _HOT_KEY
