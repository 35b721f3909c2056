"""What Node's type stripping (``module.stripTypeScriptTypes``, strip-only mode) does to a TypeScript file.

Stripping erases types and leaves positions alone. For imports that means: ``import type`` and
``export type ... from`` statements, anything inside ``declare`` and any ``import('x')`` written in a type
position leave nothing at runtime; ``import { type A } from 'x'`` becomes ``import {} from 'x'`` and keeps
its side effect. Syntax that would need code generated (``enum``, a namespace holding values, parameter
properties, ``<T>x`` assertions, ``import x = require()``, ``export =``) makes Node refuse the whole file
with ``ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX``; those are found here by keyword, as the extractor finds imports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

__all__ = ["UNSUPPORTED", "in_type_position", "is_type_only", "refused_statement", "unsupported"]

UNSUPPORTED = "ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX"
# Nodes whose whole subtree is a type, or erased with it.
_TYPE_NODES = frozenset(
    {
        "type_annotation",
        "opting_type_annotation",
        "omitting_type_annotation",
        "asserts_annotation",
        "type_predicate_annotation",
        "type_arguments",
        "type_parameters",
        "type_query",
        "type_alias_declaration",
        "interface_declaration",
        "implements_clause",
        "extends_type_clause",
        "ambient_declaration",
    }
)
# `x as T`, `x satisfies T`: the expression survives, the type after it does not.
_ASSERTIONS = frozenset({"as_expression", "satisfies_expression"})
_BLOCKS = frozenset({"program", "statement_block", "class_body"})
_TYPE_ONLY_MEMBERS = frozenset({"interface_declaration", "type_alias_declaration", "ambient_declaration"})
_PARAMETER_MODIFIERS = frozenset({"accessibility_modifier", "override_modifier", "readonly"})
# Node's own wording for each construct it refuses to strip.
_ENUM = "TypeScript enum is not supported in strip-only mode"
_NAMESPACE = "TypeScript namespace declaration is not supported in strip-only mode"
_PARAMETER_PROPERTY = "TypeScript parameter property is not supported in strip-only mode"
_IMPORT_EQUALS = "TypeScript import equals declaration is not supported in strip-only mode"
_EXPORT_ASSIGNMENT = "TypeScript export assignment is not supported in strip-only mode"
_ANGLE_ASSERTION = (
    "The angle-bracket syntax for type assertions, `<T>expr`, is not supported in type strip mode. "
    "Instead, use the 'as' syntax: `expr as T`."
)
# A `<` where an expression may start (not `Foo<T>`): the only places `<T>x` can be, checked on the tree.
_ASSERTION_START = re.compile(rb"[=(,:?\[{};!&|+\-*/%^~]\s*<")
_WORDS = (b"enum", b"namespace", b"module", b"constructor")


def is_type_only(statement: Node) -> bool:
    """``import type ...`` / ``export type ... from``: the ``type`` keyword right after the first one.

    The grammar does not know ``export type * from 'x'`` (TypeScript 5.0): there ``type`` comes wrapped
    in an error node, the rest of the statement intact.
    """
    second = statement.child(1)
    if second is not None and second.type == "ERROR" and second.child_count == 1:
        second = second.child(0)
    return second is not None and second.type == "type"


def in_type_position(node: Node) -> bool:
    """True when stripping erases ``node`` with the type or ``declare`` it is part of."""
    child, parent = node, node.parent
    while parent is not None:
        if parent.type in _TYPE_NODES:
            return True
        if parent.type in _ASSERTIONS and parent.named_child_count > 1 and child != parent.named_children[0]:
            return True
        child, parent = parent, parent.parent
    return False


def unsupported(root: Node, source: bytes) -> Iterator[tuple[Node, str]]:
    """Every construct Node's strip-only mode refuses, with Node's message, in no particular order; but
    the ``import``/``export`` statements, which the extractor visits anyway (``refused_statement``)."""
    for node, message in _keyword_refusals(root, source):
        if not in_type_position(node):
            yield node, message
    for hit in _ASSERTION_START.finditer(source):
        start = hit.end() - 1
        token = root.descendant_for_byte_range(start, start + 1)
        arguments = token.parent if token is not None and token.type == "<" else None
        assertion = arguments.parent if arguments is not None else None
        if (
            assertion is not None
            and assertion.type == "type_assertion"
            and assertion.child(0) == arguments
            and not _generic_arrow(assertion)
        ):
            yield assertion, _ANGLE_ASSERTION


def refused_statement(token: Node, statement: Node) -> str | None:
    """Node's refusal of an ``import``/``export`` statement (``token`` is its keyword), if it refuses it:
    ``import x = require('y')``, ``import A = B.C``, ``export = x``."""
    if token.type == "import":
        refused = statement.type == "import_alias" or (
            statement.type == "import_statement"
            and _has_child(statement, "import_require_clause")
            and not is_type_only(statement)
        )
        message = _IMPORT_EQUALS
    else:
        refused = (
            token.type == "export" and statement.type == "export_statement" and _has_child(statement, "=")
        )
        message = _EXPORT_ASSIGNMENT
    return message if refused and not in_type_position(statement) else None


def _keyword_refusals(root: Node, source: bytes) -> Iterator[tuple[Node, str]]:
    for word in _WORDS:
        for start in _find_all(source, word):
            token = root.descendant_for_byte_range(start, start + len(word))
            if token is None or token.start_byte != start or token.end_byte != start + len(word):
                continue
            parent = token.parent
            if parent is None:
                continue
            kind = parent.type
            if kind == "enum_declaration":
                yield parent, _ENUM
            elif kind in ("internal_module", "module") and _instantiated(parent):
                yield parent, _NAMESPACE
            elif kind == "method_definition" and token == parent.child_by_field_name("name"):
                yield from _parameter_properties(parent)


def _parameter_properties(method: Node) -> Iterator[tuple[Node, str]]:
    """Constructor parameters with ``public``/``private``/``protected``/``readonly``/``override``."""
    parameters = method.child_by_field_name("parameters")
    for parameter in parameters.named_children if parameters is not None else []:
        if any(child.type in _PARAMETER_MODIFIERS for child in parameter.children):
            yield parameter, _PARAMETER_PROPERTY


def _generic_arrow(assertion: Node) -> bool:
    """``<T>(x: T): R => x`` is a generic arrow function in a .ts file, never an assertion; the grammar
    sometimes reads it as ``<T>`` applied to an arrow function (or fails in the same statement)."""
    operand = assertion.child(1)
    if operand is not None and operand.type == "arrow_function":
        return True
    statement = assertion
    while statement.parent is not None and statement.parent.type not in _BLOCKS:
        statement = statement.parent
    return statement.has_error


def _find_all(source: bytes, word: bytes) -> Iterator[int]:
    start = source.find(word)
    while start != -1:
        yield start
        start = source.find(word, start + 1)


def _has_child(node: Node, kind: str) -> bool:
    return any(child.type == kind for child in node.children)


def _instantiated(namespace: Node) -> bool:
    """A namespace (or ``module M {}``) that holds values, which stripping would have to generate."""
    body = namespace.child_by_field_name("body")
    if body is None:
        return False
    for statement in body.named_children:
        member = statement
        if member.type == "export_statement":
            member = member.child_by_field_name("declaration") or member
            if member.type == "export_statement" and is_type_only(member):
                continue
        if member.type == "expression_statement" and member.named_child_count == 1:
            member = member.named_children[0]
        if member.type in ("internal_module", "module"):
            if _instantiated(member):
                return True
        elif member.type not in _TYPE_ONLY_MEMBERS and member.type != "comment":
            return True
    return False
