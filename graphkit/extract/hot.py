"""Whether a module accepts its own updates through the graphkit hot API, read from its syntax tree.

A module opts in with::

    const hot = globalThis[Symbol.for('graphkit.hot')]?.(import.meta);
    hot?.accept((next) => { ... });

It accepts when it calls ``.accept(...)`` (plain or optional call) on a value obtained from
``globalThis[Symbol.for('graphkit.hot')]``, directly or through a variable. The syntax tree keeps
comments and strings out of the match.
"""

from __future__ import annotations

from collections.abc import Iterator

import tree_sitter

__all__ = ["HOT_KEY", "tree_accepts"]

HOT_KEY = b"graphkit.hot"  # a source without it cannot accept: most modules never mention the API
# Wrappers that leave the hot value unchanged: `(x)` and `await x` (`_is_hot` also looks through calls).
_TRANSPARENT = {"parenthesized_expression", "await_expression"}
_CASTS = {"parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression"}


def tree_accepts(root: tree_sitter.Node) -> bool:
    """True when the module calls ``accept`` on the graphkit hot value."""
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
    """``globalThis[Symbol.for('graphkit.hot')]``, with either quote style; in TypeScript also
    ``(globalThis as GraphkitHotRegistry)[...]``, the cast that types it."""
    target = node.child_by_field_name("object")
    while target is not None and target.type in _CASTS and target.named_children:
        target = target.named_children[0]
    index = node.child_by_field_name("index")
    if target is None or index is None or _text(target) != "globalThis" or index.type != "call_expression":
        return False
    callee = index.child_by_field_name("function")
    args = index.child_by_field_name("arguments")
    if callee is None or args is None or _text(callee) != "Symbol.for" or len(args.named_children) != 1:
        return False
    arg = args.named_children[0]
    return arg.type == "string" and _text(arg)[1:-1] == HOT_KEY.decode()
