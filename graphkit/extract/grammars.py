"""Which tree-sitter grammar reads which file: JavaScript, TypeScript (``.ts``, ``.mts``, ``.cts``) or TSX.

Every grammar is built once per process, on first use (a warm rescan that parses nothing never loads
tree-sitter); the extraction code is the same for all of them.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Language, Parser

__all__ = ["TYPESCRIPT_SUFFIXES", "Grammar", "grammar_for", "language", "parser"]

TYPESCRIPT_SUFFIXES = (".ts", ".mts", ".cts", ".tsx")


class Grammar(StrEnum):
    JAVASCRIPT = "javascript"
    TYPESCRIPT = "typescript"
    TSX = "tsx"

    @property
    def typed(self) -> bool:
        """True for the grammars with type annotations, which Node's type stripping erases."""
        return self is not Grammar.JAVASCRIPT


def grammar_for(path: str) -> Grammar:
    """By file name: ``.tsx`` needs its own grammar (``<T>x`` is JSX there), the other TypeScript one."""
    if path.endswith(".tsx"):
        return Grammar.TSX
    if path.endswith(TYPESCRIPT_SUFFIXES):
        return Grammar.TYPESCRIPT
    return Grammar.JAVASCRIPT


@cache
def language(grammar: Grammar = Grammar.JAVASCRIPT) -> Language:
    import tree_sitter_javascript
    import tree_sitter_typescript
    from tree_sitter import Language

    if grammar is Grammar.TYPESCRIPT:
        return Language(tree_sitter_typescript.language_typescript())
    if grammar is Grammar.TSX:
        return Language(tree_sitter_typescript.language_tsx())
    return Language(tree_sitter_javascript.language())


@cache
def parser(grammar: Grammar = Grammar.JAVASCRIPT) -> Parser:
    from tree_sitter import Parser

    return Parser(language(grammar))
