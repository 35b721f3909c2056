"""graphkit.extract.parse: import records from small sources, the fixture folders, and Node as the oracle."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tree_sitter import Language

from graphkit.extract.parse import extract, language
from graphkit.model import Extraction, ImportKind, ImportRecord, ParseIssue
from tests.conftest import FIXTURES, node_binary, system_node

PARSE_FIXTURES = FIXTURES / "parse"
S, R, D, Q = ImportKind.STATIC, ImportKind.REEXPORT, ImportKind.DYNAMIC, ImportKind.REQUIRE
JSON_TYPE = (("type", "json"),)


def rec(
    kind: ImportKind,
    specifier: str | None,
    line: int,
    column: int,
    attributes: tuple[tuple[str, str], ...] = (),
    glob: str | None = None,
) -> ImportRecord:
    return ImportRecord(kind, specifier, line, column, attributes, glob)


ESM_CASES = [
    # default import
    ("import a from './a.js';", [rec(S, "./a.js", 1, 15)]),
    # named imports with an alias, double quotes
    ('import { a, b as c } from "./a.js"', [rec(S, "./a.js", 1, 27)]),
    # namespace import
    ("import * as ns from 'pkg';", [rec(S, "pkg", 1, 21)]),
    # side-effect import
    ("import './side.js';", [rec(S, "./side.js", 1, 8)]),
    # default plus namespace
    ("import x, * as y from 'z';", [rec(S, "z", 1, 23)]),
    # default plus named, spread over lines
    ("import x, {\n  a,\n  b,\n} from 'multi';", [rec(S, "multi", 4, 8)]),
    # export star
    ("export * from './all.js';", [rec(R, "./all.js", 1, 15)]),
    # export star as namespace
    ("export * as ns from './all.js';", [rec(R, "./all.js", 1, 21)]),
    # named re-export with rename
    ("export { a as b } from './a.js';", [rec(R, "./a.js", 1, 24)]),
    # a local export is no import
    ("const a = 1;\nexport { a };\nexport default a;", []),
    # import attributes with `with`
    ("import d from './d.json' with { type: 'json' };", [rec(S, "./d.json", 1, 15, JSON_TYPE)]),
    # legacy `assert`, quoted key
    ('import d from "./d.json" assert { "type": "json" };', [rec(S, "./d.json", 1, 15, JSON_TYPE)]),
    # several attributes come out sorted by key
    (
        "import d from './d' with { type: 'json', a: 'b' };",
        [rec(S, "./d", 1, 15, (("a", "b"), ("type", "json")))],
    ),
    # the attribute clause may start on the next line
    ("import d from './d.json'\nwith { type: 'json' };", [rec(S, "./d.json", 1, 15, JSON_TYPE)]),
    # re-export with attributes
    ("export { default } from './d.json' with { type: 'json' };", [rec(R, "./d.json", 1, 25, JSON_TYPE)]),
    # dynamic import of a string literal
    ("await import('./lazy.js');", [rec(D, "./lazy.js", 1, 14)]),
    # dynamic import of a template without substitutions
    ("import(`./lazy.js`);", [rec(D, "./lazy.js", 1, 8)]),
    # template with a substitution becomes a glob
    ("import(`./plugins/${name}.js`);", [rec(D, None, 1, 8, glob="./plugins/*.js")]),
    # two substitutions, each one star
    ("import(`./${a}/x-${b}.js`);", [rec(D, None, 1, 8, glob="./*/x-*.js")]),
    # a variable is a computed import, kept at the argument's column
    ("import(where);", [rec(D, None, 1, 8)]),
    # concatenation is computed too
    ("import('./a' + ext);", [rec(D, None, 1, 8)]),
    # a call is computed
    ("import(pick('x'));", [rec(D, None, 1, 8)]),
    # dynamic import options carry attributes
    ("import('./d.json', { with: { type: 'json' } });", [rec(D, "./d.json", 1, 8, JSON_TYPE)]),
    # legacy `assert` option
    ("import('./d.json', { assert: { type: 'json' } });", [rec(D, "./d.json", 1, 8, JSON_TYPE)]),
    # import.meta is no import
    ("const u = import.meta.url;", []),
    # comments, strings, regexes and templates hide import-looking text
    (
        "// import 'a'\n/* export * from 'b' */\nconst s = \"import('c')\";\nconst r = /import('d')/;\n"
        "const t = `import 'e' ${1}`;",
        [],
    ),
    # an import inside a template substitution is real
    ("const t = `x ${await import('./in.js')} y`;", [rec(D, "./in.js", 1, 29)]),
    # identifiers that only contain the keywords
    ("const imports = 1, reimport = 2, exported = 3, requirement = 4;", []),
    # require in an ES module without createRequire is not an import
    ("require('./c.cjs');", []),
    # escapes are decoded as JS does
    ("import '\\x41\\u0042\\u{43}\\\n.js';", [rec(S, "ABC.js", 1, 8)]),
    # columns count code points, not bytes
    ("/* é😀 */ import 'ü.js';", [rec(S, "ü.js", 1, 17)]),
    # CRLF line ends
    ("import 'a';\r\nimport 'b';\r\n", [rec(S, "a", 1, 8), rec(S, "b", 2, 8)]),
    # a hashbang line is no syntax error
    ("#!/usr/bin/env node\nimport 'a';", [rec(S, "a", 2, 8)]),
    # `with` and `assert` as plain words near strings are left alone
    ("const without = 'x' + withdraw;\nassert('y' + z);\nimport 'a';", [rec(S, "a", 3, 8)]),
    # several kinds in source order, not grouped by kind
    (
        "import('./d');\nimport './s';\nexport * from './r';",
        [rec(D, "./d", 1, 8), rec(S, "./s", 2, 8), rec(R, "./r", 3, 15)],
    ),
]

CREATE_REQUIRE_CASES = [
    # the usual createRequire binding named require
    (
        "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n"
        "require('./a.cjs');",
        [rec(S, "node:module", 1, 31), rec(Q, "./a.cjs", 3, 9)],
    ),
    # an aliased factory from the bare `module` builtin, another binding name
    (
        "import { createRequire as cr } from 'module';\nconst req = cr(import.meta.url);\nreq('./a.cjs');",
        [rec(S, "module", 1, 37), rec(Q, "./a.cjs", 3, 5)],
    ),
    # the default export of node:module
    (
        "import module from 'node:module';\nconst r = module.createRequire(import.meta.url);\nr('x');",
        [rec(S, "node:module", 1, 20), rec(Q, "x", 3, 3)],
    ),
    # a binding name that starts with "$", where a regex word boundary fails
    (
        "import { createRequire } from 'node:module';\nconst $r = createRequire(import.meta.url);\n"
        "$r('./a.cjs');",
        [rec(S, "node:module", 1, 31), rec(Q, "./a.cjs", 3, 4)],
    ),
    # a namespace import and assignment instead of declaration
    (
        "import * as m from 'node:module';\nlet load;\nload = m.createRequire(import.meta.url);\nload(`y`);",
        [rec(S, "node:module", 1, 20), rec(Q, "y", 4, 6)],
    ),
    # require.resolve is no import, a computed call is kept
    (
        "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n"
        "require.resolve('./a.cjs');\nrequire(name);",
        [rec(S, "node:module", 1, 31), rec(Q, None, 4, 9)],
    ),
    # createRequire from some other module does not count
    (
        "import { createRequire } from './mine.js';\n"
        "const require = createRequire(import.meta.url);\nrequire('z');",
        [rec(S, "./mine.js", 1, 31)],
    ),
]

CJS_CASES = [
    # plain require
    ("const a = require('./a.cjs');", [rec(Q, "./a.cjs", 1, 19)]),
    # no-substitution template
    ("require(`./b.cjs`);", [rec(Q, "./b.cjs", 1, 9)]),
    # computed require is kept with no specifier
    ("require(name);", [rec(Q, None, 1, 9)]),
    # a template with substitutions keeps its glob
    ("require(`./l/${x}.json`);", [rec(Q, None, 1, 9, glob="./l/*.json")]),
    # require.resolve and a member called require are not imports
    ("require.resolve('./a.cjs');\nmodule.require('./b.cjs');\nobj.require('./c');", []),
    # dynamic import works in CommonJS too
    ("import('./e.mjs').then(Boolean);", [rec(D, "./e.mjs", 1, 8)]),
    # require inside a comment or string
    ("// require('a')\nconst s = \"require('b')\";", []),
]


@pytest.mark.parametrize(("source", "expected"), ESM_CASES)
def test_es_module_sources_give_their_imports(source: str, expected: list[ImportRecord]) -> None:
    assert extract(source.encode(), commonjs=False) == Extraction(tuple(expected))


@pytest.mark.parametrize(("source", "expected"), CREATE_REQUIRE_CASES)
def test_create_require_bindings_make_requires_in_es_modules(
    source: str, expected: list[ImportRecord]
) -> None:
    assert extract(source.encode(), commonjs=False) == Extraction(tuple(expected))


@pytest.mark.parametrize(("source", "expected"), CJS_CASES)
def test_commonjs_sources_give_their_requires(source: str, expected: list[ImportRecord]) -> None:
    assert extract(source.encode(), commonjs=True) == Extraction(tuple(expected))


ISSUE_CASES = [
    # empty file: nothing at all
    (b"", Extraction(())),
    # a BOM alone
    (b"\xef\xbb\xbf", Extraction(())),
    # BOM: line 1 columns count from after it
    (b"\xef\xbb\xbfimport 'a';", Extraction((rec(S, "a", 1, 8),))),
    # bad UTF-8 is replaced, the issue names the first bad character
    (
        b"import 'a';\nconst s = '\xff\xfe';\nimport 'b';",
        Extraction(
            (rec(S, "a", 1, 8), rec(S, "b", 3, 8)),
            (ParseIssue(2, 12, "invalid UTF-8, decoded with U+FFFD as Node does"),),
        ),
    ),
    # bad bytes inside a specifier become U+FFFD, as Node reads them
    (
        b"import './caf\xe9.js';",
        Extraction(
            (rec(S, "./caf\ufffd.js", 1, 8),),
            (ParseIssue(1, 14, "invalid UTF-8, decoded with U+FFFD as Node does"),),
        ),
    ),
    # a syntax error keeps what was recovered before and after it; tree-sitter's ERROR starts at `const`
    (
        b"import 'a';\nconst = ;\nimport('b');",
        Extraction((rec(S, "a", 1, 8), rec(D, "b", 3, 8)), (ParseIssue(2, 1, "syntax error"),)),
    ),
    # a code point escape beyond U+10FFFF (an early error in JS) decodes to nothing instead of crashing
    (b"import '\\u{110000}';", Extraction((rec(S, "", 1, 8),))),
    # a missing token is named
    (b"import 'a';\nlet x = (1;", Extraction((rec(S, "a", 1, 8),), (ParseIssue(2, 11, 'missing ")"'),))),
    # an attribute clause spread over lines keeps later lines in place
    (
        b"import d from './d.json' with {\n  type: 'json',\n};\nimport 'x';",
        Extraction((rec(S, "./d.json", 1, 15, JSON_TYPE), rec(S, "x", 4, 8))),
    ),
]


@pytest.mark.parametrize(("source", "expected"), ISSUE_CASES)
def test_encoding_and_syntax_problems_become_issues(source: bytes, expected: Extraction) -> None:
    assert extract(source, commonjs=False) == expected


def test_language_is_built_once() -> None:
    assert isinstance(language(), Language)
    assert language() is language()


def fixture_cases() -> list[tuple[Path, str, dict[str, Any]]]:
    cases = []
    for expected_file in sorted(PARSE_FIXTURES.glob("*/expected.json")):
        for name, expected in json.loads(expected_file.read_text(encoding="utf-8")).items():
            cases.append((expected_file.parent, name, expected))
    return cases


def as_records(expected: dict[str, Any]) -> Extraction:
    imports = tuple(
        ImportRecord(
            ImportKind(item["kind"]),
            item["specifier"],
            item["line"],
            item["column"],
            tuple((key, value) for key, value in item["attributes"]),
            item["glob"],
        )
        for item in expected["imports"]
    )
    return Extraction(
        imports, tuple(ParseIssue(i["line"], i["column"], i["message"]) for i in expected["issues"])
    )


@pytest.mark.parametrize(
    ("folder", "name", "expected"),
    fixture_cases(),
    ids=lambda value: value.name if isinstance(value, Path) else value if isinstance(value, str) else "",
)
def test_fixture_files_give_the_records_beside_them(
    folder: Path, name: str, expected: dict[str, Any]
) -> None:
    source = (folder / name).read_bytes()
    assert extract(source, commonjs=expected["commonjs"]) == as_records(expected)


def test_every_behaviour_has_a_fixture_folder() -> None:
    folders = {path.parent.name for path in PARSE_FIXTURES.glob("*/expected.json")}
    assert folders == {
        "attributes",
        "bom",
        "cjs",
        "create-require",
        "dynamic",
        "empty",
        "non-utf8",
        "not-imports",
        "reexports",
        "syntax-error",
    }


LOAD_ALL = """
const results = {};
for (const path of JSON.parse(process.argv[1])) {
  try { await import(path); results[path] = 'ok'; }
  catch (error) { results[path] = error.name; }
}
console.log(JSON.stringify(results));
"""


def test_fixtures_load_in_node_except_the_syntax_error() -> None:
    """Fixtures are real projects others load; Node 20 still accepts the legacy `assert` one."""
    entries = [str(folder / name) for folder, name, _ in fixture_cases()]
    node = node_binary(20)
    run = subprocess.run(
        [str(node), "--no-warnings", "--input-type=module", "-e", LOAD_ALL, json.dumps(entries)],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    results = json.loads(run.stdout)
    failing = {Path(path).parent.name for path, outcome in results.items() if outcome != "ok"}
    assert failing == {"syntax-error"}
    assert results[str(PARSE_FIXTURES / "syntax-error" / "main.mjs")] == "SyntaxError"


def test_syntax_error_position_is_where_node_points() -> None:
    broken = PARSE_FIXTURES / "syntax-error" / "main.mjs"
    run = subprocess.run(
        [str(system_node()), "--check", str(broken)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode != 0
    lines = run.stderr.splitlines()
    where = next(i for i, line in enumerate(lines) if re.search(r"main\.mjs:\d+$", line))
    node_line = int(lines[where].rsplit(":", 1)[1])
    node_column = lines[where + 2].index("^") + 1
    issues = extract(broken.read_bytes(), commonjs=False).issues
    assert [(issue.line, issue.column) for issue in issues] == [(node_line, node_column)]


STRING_LITERALS = [
    "'plain.js'",  # nothing to decode
    '"double.js"',  # other quotes
    r"'\x2e/hex.js'",  # \x escape
    r"'\u002e/u4.js'",  # \u escape
    r"'\u{1F600}.js'",  # code point escape beyond the BMP
    r"'\uD83D\uDE00.js'",  # a surrogate pair written as two escapes
    r"'tab\there'",  # single-character escapes
    r"'\q\'\"\\.js'",  # identity escapes and escaped quotes
    "'line\\\ncontinued.js'",  # line continuation
    "'line\\\r\ncontinued.js'",  # CRLF line continuation
    r"'nul\0.js'",  # \0 not followed by a digit
    "`tmpl\\`${''}`",  # template: escaped backtick (a glob row)
    "`cr\r\nlf.js`",  # template: CRLF cooks to LF
    "`a\\u{41}${x}b\\x42`",  # template escapes on both sides of a substitution
]

COOK_ALL = """
const x = 0;
const out = JSON.parse(process.argv[1]).map((literal) => {
  if (!literal.startsWith('`')) return eval(literal);
  const tag = (strings) => strings.join('*');
  return eval('tag' + literal);
});
console.log(JSON.stringify(out));
"""


def test_specifier_escapes_decode_as_node_decodes_them() -> None:
    run = subprocess.run(
        [str(system_node()), "-e", COOK_ALL, json.dumps(STRING_LITERALS)],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    node_values = json.loads(run.stdout)
    ours = []
    for literal in STRING_LITERALS:
        (record,) = extract(f"const x = 1;\nimport({literal});".encode(), commonjs=False).imports
        ours.append(record.specifier if record.glob is None else record.glob)
    assert ours == node_values


def test_comments_inside_import_do_not_hide_the_specifier() -> None:
    source = b"import(/* webpackChunkName: 'a' */ './a.js');\nimport(\n  // why\n  `./p/${x}.js`);\n"
    records = extract(source, commonjs=False).imports
    assert [(r.specifier, r.glob, r.line) for r in records] == [("./a.js", None, 1), (None, "./p/*.js", 4)]
