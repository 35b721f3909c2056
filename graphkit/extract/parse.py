"""Import extraction for one JavaScript or TypeScript file: tree-sitter syntax tree -> ``Extraction``.

Candidates are found by ``bytes.find`` over the source (``import``, ``export``, ``require``; five times
faster than a regex with word boundaries) and each hit is checked against the syntax tree:
``descendant_for_byte_range`` must give a token of exactly that span, and its parent says whether it is an
import. Hits inside comments, strings, regexes and templates land on those nodes and are dropped. On the
corpus this costs about a quarter of a second for 21 MB, where a tree-sitter query costs about a second per
pattern because it visits every node of every tree.

Text is decoded as Node decodes it: a leading BOM is dropped and bad UTF-8 becomes U+FFFD. The grammar
knows ``with { ... }`` only on ``import`` statements, neither legacy ``assert`` nor attributes on
``export ... from``; so every attribute clause that follows a specifier string is blanked out with spaces
before parsing (same bytes and lines, so every position stays put) and read back by a regex. In a
comment or string such a blank is harmless: only specifier strings are read, and from the original bytes.

``require`` and ``createRequire`` bindings are matched by name, not by scope: a parameter that shadows
``require`` in a CommonJS file still counts.

TypeScript goes through the same code with its own grammar; ``graphkit.extract.typescript`` says which
imports Node's type stripping erases (those become ``type`` records) and which files it refuses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from tree_sitter import Node, Parser, Range, Tree

from graphkit.extract import typescript
from graphkit.extract.grammars import Grammar, language, parser
from graphkit.extract.hot import HOT_KEY, tree_accepts
from graphkit.model import Extraction, ImportKind, ImportRecord, ParseIssue

__all__ = ["extract", "language", "parser"]

_BOM = b"\xef\xbb\xbf"
_KEYWORDS = (b"import", b"export", b"require")
# `'spec' with { ... }` / `'spec' assert { ... }`: a string then a clause only declarations allow there.
_CLAUSE_WORDS = (b"with", b"assert")
_ATTRIBUTE_CLAUSE = re.compile(rb"(?:with|assert)\s*\{([^{}]*)\}")
_ATTRIBUTE_PAIR = re.compile(
    r"""\s*(?:([\w$]+)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*:\s*"""
    r"""(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*,?"""
)
_NOT_NEWLINE = re.compile(rb"[^\r\n]")
_MODULE_BUILTINS = frozenset({"module", "node:module"})
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}
_LINE_CONTINUATIONS = ("\r\n", "\n", "\r", "\u2028", "\u2029")

Attributes = tuple[tuple[str, str], ...]
_PIECE = 2 << 20  # bytes of source parsed into one tree; larger files are parsed a window at a time
# A syntax tree costs about 200 bytes per node, 400 per punctuation byte of its window (measured on
# `[1,1,1,...]`, the densest source): a window is parsed only while its estimate stays under the budget,
# so a 100 MB statement costs tens of MB of tree, not gigabytes.
_TREE_BUDGET = 120 << 20
_TREE_BYTES_PER_MARK = 400
_TREE_BYTES_PER_NODE = 200
_MARKS = bytes(range(33, 48)) + bytes(range(58, 65)) + bytes(range(91, 97)) + bytes(range(123, 127))
_SMALLEST_WINDOW = 64 << 10
_SPACE = re.compile(rb"\s*")
TOO_LARGE = "statement-too-large"


def extract(source: bytes, *, commonjs: bool, grammar: Grammar = Grammar.JAVASCRIPT) -> Extraction:
    """Every import occurrence of one file in source order, what the parser had to recover from, and
    whether the module accepts its own updates.

    For TypeScript, also every construct Node's type stripping refuses (an issue with Node's error code).
    """
    issues: list[ParseIssue] = []
    if source.startswith(_BOM):
        source = source[len(_BOM) :]
    try:
        source.decode("utf-8")
    except UnicodeDecodeError as bad:
        issues.append(_encoding_issue(source, bad.start))
        source = source.decode("utf-8", "replace").encode("utf-8")
    if not source:
        return Extraction(imports=())
    parsed, clauses = _blank_attribute_clauses(source)
    imports: list[ImportRecord] = []
    first_error: ParseIssue | None = None
    refused: list[tuple[Node, str]] = []
    accepts = False
    skipped: list[int] = []  # where a statement too large to parse starts, if one does
    for tree, (start, end) in _pieces(parsed, grammar, skipped):
        scan = _Scan(source, tree, clauses, start, end, typed=grammar.typed)
        imports += scan.records(commonjs=commonjs)
        if not grammar.typed:
            # The TypeScript grammar lags the language (variance annotations, some call signatures): an error
            # there is more often the grammar's than the file's, and Node reports real ones when it loads it.
            first_error = first_error or scan.first_error()
        if grammar is Grammar.TYPESCRIPT:
            found = [*typescript.unsupported(tree.root_node, source), *scan.refused]
            refused += [(node, message) for node, message in found if start <= node.start_byte < end]
        accepts = accepts or (HOT_KEY in source and tree_accepts(tree.root_node))
    if first_error is not None:
        issues.append(first_error)
    if skipped and _hits_after(source, skipped[0]):
        line = source.count(b"\n", 0, skipped[0]) + 1
        budget = _TREE_BUDGET // _TREE_BYTES_PER_NODE // 1000
        issues.append(
            ParseIssue(
                line,
                1,
                f"a statement of more than {budget}K syntax nodes starts here: not parsed, so the imports in "
                "it and after it are not read",
                TOO_LARGE,
            )
        )
    if refused:  # positions are the whole file's in every piece: any piece's scan can tell them
        issues.extend(
            ParseIssue(*scan.position(node), message, typescript.UNSUPPORTED)
            for node, message in sorted(refused, key=lambda pair: pair[0].start_byte)
        )
    return Extraction(imports=tuple(imports), issues=tuple(issues), accepts=accepts)


def _pieces(
    source: bytes, grammar: Grammar, skipped: list[int]
) -> Iterator[tuple[Tree, tuple[int, int]]]:
    """Syntax trees covering the source, with the byte span each one stands for.

    A tree costs about 50 bytes of memory per byte of source (up to 200 for the densest), so a file above
    ``_PIECE`` bytes is parsed a window at a time (the parser's included range): every top-level statement
    of a window but the last, which the window's end may have cut, is kept; the next window starts where
    that statement does. Positions stay those of the whole file. A statement longer than a window, or an
    error before the window's last statement, doubles the window, as long as its tree fits
    ``_TREE_BUDGET``; past that, the offset where the window starts goes into ``skipped`` and the rest is
    not parsed.
    """
    if len(source) <= _PIECE and _affordable(source, 0, len(source), None):
        yield parser(grammar).parse(source), (0, len(source))
        return
    start, row, size = 0, 0, _PIECE
    density: float | None = None  # tree nodes per byte of the last window, while a statement widens it
    while start < len(source):
        end = min(len(source), start + size)
        if end < len(source):  # at a line's end, unless that would give up more than half the window
            end = source.rfind(b"\n", start + size // 2, end) + 1 or end
        if not _affordable(source, start, end, density):
            if density is not None or size <= _SMALLEST_WINDOW:  # a statement the budget cannot hold
                skipped.append(start)
                return
            size //= 2  # dense source: a smaller window
            continue
        line_start = source.rfind(b"\n", 0, start) + 1
        window = Range((row, start - line_start), _point(source, row, start, end), start, end)
        tree = Parser(language(grammar), included_ranges=[window]).parse(source)
        children = tree.root_node.children
        if end == len(source):
            yield tree, (start, end)
            return
        if len(children) < 2 or tree.root_node.is_error or any(c.has_error for c in children[:-1]):
            # One statement fills the window, or the cut (or a real syntax error) upset what came before
            # it: widen the window, up to the whole file, so that errors are the whole file's own.
            size, density = size * 2, tree.root_node.descendant_count / (end - start)
            continue
        keep_end = children[-1].start_byte
        yield tree, (start, keep_end)
        row += source.count(b"\n", start, keep_end)
        start, size, density = keep_end, _PIECE, None


def _affordable(source: bytes, start: int, end: int, density: float | None) -> bool:
    """Whether the tree of the window fits the budget: by the node density of a smaller window of the same
    statement when there is one, else by the punctuation in it (an upper bound: strings cost less)."""
    if density is not None:
        return density * (end - start) * _TREE_BYTES_PER_NODE <= _TREE_BUDGET
    window = source[start:end]
    marks = len(window) - len(window.translate(None, _MARKS))
    return marks * _TREE_BYTES_PER_MARK <= _TREE_BUDGET


def _hits_after(source: bytes, start: int) -> bool:
    """Whether an import keyword occurs past the first word of the statement at ``start``: if not, the
    statement left unparsed (a huge literal, say) hides no import."""
    space = _SPACE.match(source, start)
    first = space.end() if space else start
    return any(hit > first for hit, _ in _occurrences(source, _KEYWORDS, start))


def _point(source: bytes, row: int, start: int, end: int) -> tuple[int, int]:
    """The (row, column) of byte ``end``, counting from byte ``start`` at ``row``."""
    last = source.rfind(b"\n", start, end)
    if last == -1:
        return row, end - (source.rfind(b"\n", 0, start) + 1)
    return row + source.count(b"\n", start, end), end - last - 1


def _blank_attribute_clauses(source: bytes) -> tuple[bytes, dict[int, Attributes]]:
    """The source with attribute clauses blanked, and their attributes keyed by their string's end offset."""
    blanked: bytearray | None = None
    clauses: dict[int, Attributes] = {}
    for hit, _ in _occurrences(source, _CLAUSE_WORDS):
        string_end = hit
        while string_end > 0 and source[string_end - 1] in b" \t\r\n":
            string_end -= 1
        clause = (
            _ATTRIBUTE_CLAUSE.match(source, hit)
            if source[string_end - 1 : string_end] in (b"'", b'"')
            else None
        )
        if clause is None:
            continue
        body = clause.group(1).decode("utf-8")
        pairs = [
            (key if key else _cook(single or double), _cook(value_single or value_double or ""))
            for key, single, double, value_single, value_double in _ATTRIBUTE_PAIR.findall(body)
        ]
        clauses[string_end] = tuple(sorted(pairs))
        if blanked is None:
            blanked = bytearray(source)
        blanked[string_end : clause.end()] = _NOT_NEWLINE.sub(b" ", source[string_end : clause.end()])
    return (bytes(blanked) if blanked is not None else source), clauses


def _occurrences(
    source: bytes, words: tuple[bytes, ...], lo: int = 0, hi: int | None = None
) -> list[tuple[int, int]]:
    """Start and end of every occurrence of each word that starts between ``lo`` and ``hi``."""
    hi = len(source) if hi is None else hi
    found = []
    for word in words:
        start = source.find(word, lo, hi + len(word) - 1)
        while start != -1:
            found.append((start, start + len(word)))
            start = source.find(word, start + 1, hi + len(word) - 1)
    return found


def _encoding_issue(source: bytes, bad: int) -> ParseIssue:
    line_start = source.rfind(b"\n", 0, bad) + 1
    column = len(source[line_start:bad].decode("utf-8", "replace")) + 1
    return ParseIssue(
        source.count(b"\n", 0, bad) + 1, column, "invalid UTF-8, decoded with U+FFFD as Node does"
    )


class _Scan:
    """One parsed piece of a file (``start`` to ``end``, usually all of it): turns keyword hits into
    records, reading text from the (un-rewritten) source."""

    def __init__(
        self,
        source: bytes,
        tree: Tree,
        clauses: dict[int, Attributes],
        start: int,
        end: int,
        *,
        typed: bool = False,
    ) -> None:
        self.source = source
        self.clauses = clauses
        self.root = tree.root_node
        self.ascii = source.isascii()
        self.start, self.end = start, end
        self.typed = typed
        self.refused: list[tuple[Node, str]] = []  # import/export statements type stripping refuses

    def _erased(self, statement: Node) -> bool:
        """True when Node's type stripping leaves nothing of this import at runtime."""
        return self.typed and (typescript.is_type_only(statement) or typescript.in_type_position(statement))

    def records(self, *, commonjs: bool) -> list[ImportRecord]:
        found: list[tuple[int, ImportRecord]] = []
        requires: list[Node] = []
        module_imports: list[Node] = []
        for start, end in _occurrences(self.source, _KEYWORDS, self.start, self.end):
            token = self.root.descendant_for_byte_range(start, end)
            if token is None or token.start_byte != start or token.end_byte != end:
                continue
            parent = token.parent
            if parent is not None and parent.type == "import":
                # the keyword token inside the named `(import)` callee of `import(...)`
                token, parent = parent, parent.parent
            if parent is None:
                continue
            if self.typed and token.type in ("import", "export"):
                refused = typescript.refused_statement(token, parent)
                if refused is not None:
                    self.refused.append((parent, refused))
            if token.type == "import" and parent.type == "import_statement":
                erased = self._erased(parent)
                source = parent.child_by_field_name("source")
                if source is not None:
                    found.append(self._static(ImportKind.TYPE if erased else ImportKind.STATIC, source))
                    if not erased and self.text(source)[1:-1] in _MODULE_BUILTINS:
                        module_imports.append(parent)
                elif self.typed:
                    # `import x = require('y')`: a require to loaders that compile it (Node refuses it).
                    clause = next((c for c in parent.children if c.type == "import_require_clause"), None)
                    source = clause.child_by_field_name("source") if clause is not None else None
                    if source is not None:
                        found.append(self._static(ImportKind.TYPE if erased else ImportKind.REQUIRE, source))
            elif token.type == "export" and parent.type == "export_statement":
                source = parent.child_by_field_name("source")
                if source is not None:
                    kind = ImportKind.TYPE if self._erased(parent) else ImportKind.REEXPORT
                    found.append(self._static(kind, source))
            elif token.type == "import" and parent.type == "call_expression":
                erased = self.typed and typescript.in_type_position(parent)
                found.append(self._call(ImportKind.TYPE if erased else ImportKind.DYNAMIC, parent))
            elif token.type == "identifier" and _is_callee(token):
                requires.append(token)
        if commonjs:
            calls = [token.parent for token in requires if token.parent is not None]
            found.extend(self._call(self._require_kind(call), call) for call in calls)
        elif module_imports:
            found.extend(self._created_requires(module_imports))
        found.sort(key=lambda pair: pair[0])
        return [record for _, record in found]

    def _require_kind(self, call: Node) -> ImportKind:
        return ImportKind.TYPE if self.typed and typescript.in_type_position(call) else ImportKind.REQUIRE

    def _created_requires(self, module_imports: list[Node]) -> list[tuple[int, ImportRecord]]:
        """Calls of bindings made by ``createRequire`` imported from ``node:module`` (rare: a second scan)."""
        factories, namespaces = _module_bindings(module_imports, self.text)
        names = self._bindings(factories, namespaces)
        if not names:
            return []
        found = []
        for hit in _identifier_pattern(names).finditer(self.source, self.start, self.end):
            token = self.root.descendant_for_byte_range(hit.start(), hit.end())
            if token is not None and token.type == "identifier" and _is_callee(token) and token.parent:
                found.append(self._call(self._require_kind(token.parent), token.parent))
        return found

    def _bindings(self, factories: set[str], namespaces: set[str]) -> set[str]:
        """Names declared as ``const NAME = createRequire(...)`` or ``NAME = ns.createRequire(...)``."""
        names: set[str] = set()
        anchors = factories | namespaces
        if not anchors:
            return names
        for hit in _identifier_pattern(anchors).finditer(self.source, self.start, self.end):
            token = self.root.descendant_for_byte_range(hit.start(), hit.end())
            callee = token
            if token is not None and token.parent and token.parent.type == "member_expression":
                prop = token.parent.child_by_field_name("property")
                if self.text(token) in namespaces and prop is not None and self.text(prop) == "createRequire":
                    callee = token.parent
            elif token is None or self.text(token) not in factories:
                continue
            if callee is None or not _is_callee(callee) or callee.parent is None:
                continue
            binding = callee.parent.parent
            if binding is None:
                continue
            if binding.type == "variable_declarator":
                name = binding.child_by_field_name("name")
            elif binding.type == "assignment_expression":
                name = binding.child_by_field_name("left")
            else:
                continue
            if name is not None and name.type == "identifier":
                names.add(self.text(name))
        return names

    def _static(self, kind: ImportKind, string: Node) -> tuple[int, ImportRecord]:
        line, column = self.position(string)
        attributes = self.clauses.get(string.end_byte, ())
        return string.start_byte, ImportRecord(kind, self.string(string), line, column, attributes)

    def _call(self, kind: ImportKind, call: Node) -> tuple[int, ImportRecord]:
        arguments = call.child_by_field_name("arguments")
        # Comments are named children too: `import(/* webpackChunkName: "x" */ './x.js')`.
        args = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
        first = args[0] if args else (arguments or call)
        line, column = self.position(first)
        attributes = self._options(args[1]) if len(args) > 1 else ()
        specifier, glob = None, None
        if first.type == "string":
            specifier = self.string(first)
        elif first.type == "template_string":
            specifier, glob = self.template(first)
        return first.start_byte, ImportRecord(kind, specifier, line, column, attributes, glob)

    def _options(self, options: Node) -> Attributes:
        """``import(x, { with: { type: 'json' } })`` (or legacy ``assert``) -> its attributes."""
        if options.type != "object":
            return ()
        for pair in options.named_children:
            key = pair.child_by_field_name("key") if pair.type == "pair" else None
            if key is not None and self.key(key) in ("with", "assert"):
                return self._attributes(pair.child_by_field_name("value"))
        return ()

    def _attributes(self, body: Node | None) -> Attributes:
        if body is None or body.type != "object":
            return ()
        pairs = []
        for pair in body.named_children:
            key = pair.child_by_field_name("key") if pair.type == "pair" else None
            value = pair.child_by_field_name("value") if pair.type == "pair" else None
            if key is not None and value is not None and value.type == "string":
                pairs.append((self.key(key), self.string(value)))
        return tuple(sorted(pairs))

    def key(self, key: Node) -> str:
        return self.string(key) if key.type == "string" else self.text(key)

    def text(self, node: Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8")

    def string(self, node: Node) -> str:
        return _cook(self.text(node)[1:-1])

    def template(self, node: Node) -> tuple[str | None, str | None]:
        """A template without substitutions is a specifier; with them it is a glob (each ``${}`` -> ``*``)."""
        pieces, start = [], node.start_byte + 1
        substitutions = [child for child in node.named_children if child.type == "template_substitution"]
        for substitution in substitutions:
            pieces.append(self.source[start : substitution.start_byte])
            start = substitution.end_byte
        pieces.append(self.source[start : node.end_byte - 1])
        cooked = [_cook(_normalize_newlines(piece.decode("utf-8"))) for piece in pieces]
        return (None, "*".join(cooked)) if substitutions else (cooked[0], None)

    def position(self, node: Node) -> tuple[int, int]:
        """1-based line and column, the column in code points as editors and Node count them."""
        row, byte_column = node.start_point
        if self.ascii:
            return row + 1, byte_column + 1
        line_start = node.start_byte - byte_column
        return row + 1, len(self.source[line_start : node.start_byte].decode("utf-8")) + 1

    def first_error(self) -> ParseIssue | None:
        """The first ERROR or MISSING node of this piece in source order, if it has one."""
        kept = [c for c in self.root.children if c.start_byte < self.end]
        node = next((c for c in kept if c.has_error or c.is_missing), None)
        if self.root.is_error:
            node = self.root
        if node is None:
            return None
        while not (node.is_error or node.is_missing):
            child = next((c for c in node.children if c.has_error or c.is_missing), None)
            if child is None:
                break
            node = child
        line, column = self.position(node)
        if node.is_missing:
            return ParseIssue(
                line, column, f"missing {node.type}" if node.is_named else f'missing "{node.type}"'
            )
        return ParseIssue(line, column, "syntax error")


def _identifier_pattern(names: set[str]) -> re.Pattern[bytes]:
    """Any of ``names`` as a whole identifier; ``\\b`` would miss names that start or end with ``$``."""
    alternatives = b"|".join(re.escape(name.encode()) for name in names)
    return re.compile(rb"(?<![\w$])(?:" + alternatives + rb")(?![\w$])")


def _is_callee(node: Node) -> bool:
    parent = node.parent
    return (
        parent is not None
        and parent.type == "call_expression"
        and parent.child_by_field_name("function") == node
    )


def _module_bindings(module_imports: list[Node], text: Callable[[Node], str]) -> tuple[set[str], set[str]]:
    """Local names of ``createRequire`` and of the ``node:module`` namespace or default export."""
    factories: set[str] = set()
    namespaces: set[str] = set()
    for statement in module_imports:
        clause = next((child for child in statement.named_children if child.type == "import_clause"), None)
        for part in clause.named_children if clause is not None else []:
            if part.type == "identifier":
                namespaces.add(text(part))
            elif part.type == "namespace_import" and part.named_children:
                namespaces.add(text(part.named_children[0]))
            elif part.type == "named_imports":
                for specifier in part.named_children:
                    name = specifier.child_by_field_name("name")
                    alias = specifier.child_by_field_name("alias") or name
                    if name is not None and alias is not None and text(name) == "createRequire":
                        factories.add(text(alias))
    return factories, namespaces


def _normalize_newlines(raw: str) -> str:
    """Template literals cook CRLF and CR to LF before escapes are read."""
    return raw.replace("\r\n", "\n").replace("\r", "\n")


def _cook(raw: str) -> str:
    """The string value of a JS string or template body (escapes decoded), as Node would see it."""
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i, end = 0, len(raw)
    while i < end:
        char = raw[i]
        if char != "\\" or i + 1 >= end:
            out.append(char)
            i += 1
            continue
        escape = raw[i + 1]
        i += 2
        continuation = next((c for c in _LINE_CONTINUATIONS if raw.startswith(c, i - 1)), None)
        if continuation is not None:
            i += len(continuation) - 1
        elif escape in _ESCAPES:
            out.append(_ESCAPES[escape])
        elif escape == "0" and not raw[i : i + 1].isdigit():
            out.append("\0")
        elif escape == "x" and _is_hex(raw[i : i + 2], 2):
            out.append(chr(int(raw[i : i + 2], 16)))
            i += 2
        elif escape == "u" and raw.startswith("{", i) and "}" in raw[i:]:
            close = raw.index("}", i)
            digits = raw[i + 1 : close]
            # An invalid or out-of-range code point is a syntax error in JS: it decodes to nothing.
            out.append(chr(int(digits, 16)) if _is_hex(digits, 0) and int(digits, 16) <= 0x10FFFF else "")
            i = close + 1
        elif escape == "u" and _is_hex(raw[i : i + 4], 4):
            out.append(chr(int(raw[i : i + 4], 16)))
            i += 4
        else:
            out.append(escape)
    # \uD83D\uDE00 pairs arrive as two surrogates: join them as JS does, keep lone ones visible as U+FFFD.
    return "".join(out).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _is_hex(digits: str, length: int) -> bool:
    return (
        bool(digits)
        and (length == 0 or len(digits) == length)
        and all(c in "0123456789abcdefABCDEF" for c in digits)
    )
