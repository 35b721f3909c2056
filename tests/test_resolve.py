"""graphkit.resolve.resolver against Node itself: every fixture case and the whole npm corpus go through
tests/oracle/resolve.mjs (Node's own resolver) in one process per option set, and must agree exactly."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from graphkit.errors import InputError
from graphkit.extract.parse import extract
from graphkit.model import Format, ImportKind, ModuleKind
from graphkit.resolve.resolver import NODE18, NODE20, Resolver, path_to_url, url_to_path
from tests.conftest import CORPUS, FIXTURES, REPO, node_binary, system_node

ORACLE = REPO / "tests" / "oracle" / "resolve.mjs"
ROOT = FIXTURES / "resolve"
S, R, D, X = ImportKind.STATIC, ImportKind.REQUIRE, ImportKind.DYNAMIC, ImportKind.REEXPORT


class Case(NamedTuple):
    fixture: str
    specifier: str
    parent: str  # a file inside the fixture
    kind: ImportKind

    @property
    def parent_url(self) -> str:
        return path_to_url(ROOT / self.fixture / self.parent)

    def query(self) -> dict[str, str]:
        return {"specifier": self.specifier, "parent": self.parent_url, "kind": str(self.kind)}


def oracle(
    queries: Sequence[dict[str, str]], flags: Iterable[str] = (), node: Path | None = None
) -> list[dict[str, Any]]:
    """Node's answers to all queries, from one Node process (the one on PATH unless told)."""
    stdin = "".join(json.dumps(q) + "\n" for q in queries)
    command = [str(node or system_node()), "--expose-internals", "--no-warnings", *flags, str(ORACLE)]
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(answers) == len(queries)
    return answers


# (fixture, specifier, parent, kind), each with why it is here.
CASES = [
    # exports with nested conditions
    Case("exports-conditions", "cond", "main.mjs", S),  # "import" wins over "require" and "default"
    Case("exports-conditions", "cond", "main.cjs", R),  # "require" for require
    Case("exports-conditions", "cond/feature", "main.mjs", S),  # nested node -> import
    Case("exports-conditions", "cond/feature", "main.cjs", R),  # nested node -> default
    Case("exports-conditions", "cond/sync", "main.mjs", D),  # Node 20.20 has "module-sync"
    Case("exports-conditions", "cond/sync", "main.cjs", R),  # ... for require as well
    Case("exports-conditions", "cond/addons", "main.mjs", S),  # "node-addons" is a default condition
    Case("exports-conditions", "cond/stop-at-null", "main.mjs", S),  # a matching null stops the search
    Case("exports-conditions", "cond/browser-only", "main.mjs", S),  # no condition matches
    Case("exports-conditions", "cond/browser-only", "main.cjs", R),  # ... nor for require
    Case("exports-conditions", "cond/package.json", "main.mjs", S),  # an explicitly exported package.json
    Case("exports-conditions", "cond/dev.js", "main.mjs", S),  # a file that exists but is not exported
    Case("exports-conditions", "sugar", "main.mjs", X),  # conditions directly under "exports"
    Case("exports-conditions", "sugar", "main.cjs", R),  # ... read with require conditions
    Case("exports-conditions", "mixed", "main.mjs", S),  # "." keys mixed with condition keys
    # subpath patterns, arrays, null targets
    Case("exports-patterns", "pat", "main.mjs", S),  # string "." export
    Case("exports-patterns", "pat/features/a.js", "main.mjs", S),  # "./features/*.js" pattern
    Case("exports-patterns", "pat/features/b", "main.mjs", S),  # "./features/*" adds ".js"
    Case("exports-patterns", "pat/features/private/p.js", "main.mjs", S),  # longer pattern key wins: null
    Case("exports-patterns", "pat/features/private/p", "main.mjs", S),  # null pattern, no extension
    Case("exports-patterns", "pat/deep/x/y/leaf.js", "main.mjs", S),  # "*" spans several segments
    Case("exports-patterns", "pat/deep/x/../x/y/leaf.js", "main.mjs", S),  # ".." inside the "*" part
    Case("exports-patterns", "pat/twice/one", "main.mjs", S),  # every "*" in the target is replaced
    Case("exports-patterns", "pat/folder/sub", "main.mjs", S),  # pattern naming a folder
    Case("exports-patterns", "pat/folder/sub/file.js", "main.mjs", S),  # pattern naming a file
    Case("exports-patterns", "pat/folder/sub/file.js", "main.mjs", R),  # ... also for require
    Case("exports-patterns", "pat/folder/sub%2ffile.js", "main.mjs", S),  # encoded "/" in the subpath
    Case("exports-patterns", "pat/folder/node_modules/x", "main.mjs", S),  # node_modules segment refused
    Case("exports-patterns", "pat/array", "main.mjs", S),  # invalid first target skipped
    Case("exports-patterns", "pat/array-null", "main.mjs", S),  # null first target skipped
    Case("exports-patterns", "pat/array-invalid", "main.mjs", S),  # only invalid targets
    Case("exports-patterns", "pat/escape", "main.mjs", S),  # target leaving the package
    Case("exports-patterns", "pat/into-node-modules", "main.mjs", S),  # target into node_modules
    Case("exports-patterns", "pat/missing", "main.mjs", S),  # exported file that does not exist
    Case("exports-patterns", "pat/missing", "main.mjs", R),  # ... for require
    Case("exports-patterns", "pat/bare-target", "main.mjs", S),  # exports may not name packages
    Case("exports-patterns", "pat/numeric", "main.mjs", S),  # numeric condition keys are invalid
    Case("exports-patterns", "pat/features/", "main.mjs", S),  # trailing slash subpath
    # imports ("#x")
    Case("imports-map", "#dep", "main.mjs", S),  # conditional target naming a package
    Case("imports-map", "#dep/extra.js", "main.mjs", S),  # pattern target naming a package subpath
    Case("imports-map", "#internal/util.js", "main.mjs", S),  # pattern to a local file
    Case("imports-map", "#internal/util.js", "src/main.cjs", R),  # ... for require
    Case("imports-map", "#cond", "src/main.cjs", R),  # "development" not set: default
    Case("imports-map", "#null", "main.mjs", S),  # null target
    Case("imports-map", "#fs", "main.mjs", S),  # builtin target
    Case("imports-map", "#fs", "src/main.cjs", R),  # ... which require refuses (not a file: URL)
    Case("imports-map", "#escape", "main.mjs", S),  # "../" target is invalid
    Case("imports-map", "#url-target", "main.mjs", S),  # URL targets are invalid
    Case("imports-map", "#missing-pkg", "main.mjs", S),  # target package missing
    Case("imports-map", "#missing-pkg", "src/main.cjs", R),  # ... for require
    Case("imports-map", "#undefined", "main.mjs", S),  # no such key
    Case("imports-map", "#undefined", "src/main.cjs", R),  # ... for require
    Case("imports-map", "#", "main.mjs", S),  # "#" alone is not a valid name
    Case("imports-map", "#/x", "main.mjs", S),  # "#/" is not a valid name
    # self-reference
    Case("self-reference", "@scope/me/util", "src/a.mjs", S),  # own name, exported subpath
    Case("self-reference", "@scope/me", "src/b.cjs", R),  # own name through require
    Case("self-reference", "@scope/me/lib/hidden.js", "src/a.mjs", S),  # own name, not exported
    Case("self-reference", "@scope/me", "nested/c.mjs", S),  # a nearer package.json hides the name
    Case("self-reference", "@scope", "src/a.mjs", S),  # a scope alone is not a package name
    # symlinks: Node uses the real path, and resolves the package's own imports from there
    Case("symlinked-package", "linked", "app/main.mjs", S),  # package folder is a symlink
    Case("symlinked-package", "linked", "app/main.mjs", R),  # ... for require
    Case("symlinked-package", "linked/data.json", "app/main.mjs", R),  # not exported, even for require
    Case("symlinked-package", "peer", "real/linked/index.js", S),  # not found from the real path
    Case("symlinked-package", "./alias.mjs", "app/main.mjs", S),  # a symlinked file
    # extensionless: ESM guesses nothing, require does
    Case("extensionless", "./x", "main.mjs", S),  # ESM refuses, hints "./x.js"
    Case("extensionless", "./x", "main.mjs", R),  # require adds ".js"
    Case("extensionless", "./conf", "main.mjs", S),  # hints "./conf.json"
    Case("extensionless", "./both", "main.mjs", R),  # require does not try ".mjs"
    Case("extensionless", "./x.js", "main.mjs", S),  # the exact name works
    Case("extensionless", "noext/lib/thing", "main.mjs", S),  # package subpath without extension
    Case("extensionless", "noext/lib/thing", "main.mjs", R),  # ... found by require
    Case("extensionless", "./x.js?query=1#frag", "main.mjs", S),  # query and fragment kept
    Case("extensionless", "./x.js#", "main.mjs", S),  # empty fragment kept
    # directory imports
    Case("dir-import", "./lib", "main.mjs", S),  # ESM refuses folders, hints "./lib/index.js"
    Case("dir-import", "./lib/", "main.mjs", S),  # ... also with a trailing slash
    Case("dir-import", "./lib", "main.mjs", R),  # require takes index.js
    Case("dir-import", "./pkgdir", "main.mjs", R),  # require reads the folder's "main"
    Case("dir-import", ".", "main.mjs", S),  # the parent's own folder
    Case("dir-import", "/", "main.mjs", S),  # the root folder
    Case("dir-import", "./main.mjs/", "main.mjs", S),  # a trailing slash is always a folder to ESM
    Case("dir-import", "..", "lib/index.js", R),  # require of the parent folder
    # package entry points without exports, and unexported subpaths
    Case("not-exported", "closed/internal.js", "main.mjs", S),  # not in "exports"
    Case("not-exported", "closed/internal.js", "main.mjs", R),  # ... for require too
    Case("not-exported", "closed/public", "main.mjs", S),  # exported subpath
    Case("not-exported", "onlysub", "main.mjs", S),  # no "." export
    Case("not-exported", "nomain", "main.mjs", S),  # no package.json: legacy index.js
    Case("not-exported", "mainext", "main.mjs", S),  # "main" without extension still guessed
    Case("not-exported", "maindir", "main.mjs", S),  # "main" naming a folder: its index.js
    Case("not-exported", "brokenmain", "main.mjs", S),  # missing "main": falls back to index.js
    Case("not-exported", "brokenmain", "main.mjs", R),  # ... for require too
    Case("not-exported", "empty", "main.mjs", S),  # nothing to load
    Case("not-exported", "nomain/index", "main.mjs", S),  # subpath without exports: exact file only
    Case("not-exported", "absent", "main.mjs", S),  # no such package
    Case("not-exported", "absent", "main.mjs", R),  # ... for require
    # CommonJS resolution
    Case("cjs-interop", "./lib/helper", "main.cjs", R),  # ".js" added
    Case("cjs-interop", "./lib/data", "main.cjs", R),  # ".json" added
    Case("cjs-interop", "./lib/addon", "main.cjs", R),  # ".node" added
    Case("cjs-interop", "./lib/dir", "main.cjs", R),  # folder index.js
    Case("cjs-interop", "./lib/only", "main.cjs", R),  # ".cjs" is never added
    Case("cjs-interop", "./lib/twin", "main.cjs", R),  # ".js" before ".json"
    Case("cjs-interop", "./lib/helper.js/", "main.cjs", R),  # trailing slash: folders only
    Case("cjs-interop", "old", "sub/deep/file.cjs", R),  # nearest node_modules up the tree
    Case("cjs-interop", "old", "main.cjs", R),  # "main" without extension
    Case("cjs-interop", "old/other", "main.cjs", R),  # package subpath with extension added
    Case("cjs-interop", "both", "main.cjs", R),  # exports sugar with require
    Case("cjs-interop", "both", "main.cjs", S),  # ... and with import
    Case("cjs-interop", "exdir", "main.cjs", R),  # exports target that is a folder
    Case("cjs-interop", "exdir", "main.cjs", S),  # ... refused by ESM too
    Case("cjs-interop", "badmain", "main.cjs", R),  # "main" names nothing
    Case("cjs-interop", "@sc/pkg", "main.cjs", R),  # scoped package
    Case("cjs-interop", "@sc/pkg", "main.cjs", S),  # ... through ESM's legacy main
    Case("cjs-interop", "interop", "main.cjs", R),  # own name without exports: not self-reference
    Case("cjs-interop", "../cjs-interop/lib/helper.js", "main.cjs", R),  # leaves and re-enters
    Case("cjs-interop", str(ROOT / "cjs-interop" / "lib" / "helper"), "main.cjs", R),  # absolute path
    Case("cjs-interop", ".hidden", "main.cjs", R),  # ".x" is a package name for require
    # percent-encoding and odd file names
    Case("percent", "./a b.mjs", "main.mjs", S),  # space encoded in the result
    Case("percent", "./a%20b.mjs", "main.mjs", S),  # already encoded
    Case("percent", "./hash%23name.mjs", "main.mjs", S),  # "#" must be encoded
    Case("percent", "./hash#name.mjs", "main.mjs", S),  # unencoded "#" starts a fragment
    Case("percent", "./q%3Fx.mjs", "main.mjs", S),  # encoded "?"
    Case("percent", "./tilde~x.mjs", "main.mjs", S),  # pathToFileURL encodes "~"
    Case("percent", "./caf\u00e9.mjs", "main.mjs", S),  # non-ASCII name
    Case("percent", "./caf%C3%A9.mjs", "main.mjs", S),  # ... already encoded
    Case("percent", "./pct%2541.mjs", "main.mjs", S),  # a "%" in the file name
    Case("percent", "./brackets[1].mjs", "main.mjs", S),  # brackets
    Case("percent", "./%2e/a%20b.mjs", "main.mjs", S),  # "%2e" is a dot segment
    Case("percent", "./sub/%2E%2E/a b.mjs", "main.mjs", S),  # ... and "%2E%2E" a double dot
    Case("percent", "./sub%2fx.mjs", "main.mjs", S),  # encoded "/" refused
    Case("percent", "./a%zz.mjs", "main.mjs", S),  # malformed escape: Node's decodeURIComponent throws
    Case("percent", "file://elsewhere/x.mjs", "main.mjs", S),  # a file: URL with a host
    Case("percent", ".\\sub\\x.mjs", "main.mjs", S),  # backslashes are slashes in file: URLs
    Case("percent", "./sub//x.mjs", "main.mjs", S),  # empty segment kept by the URL, not by stat
    Case("percent", "/" + str(ROOT / "percent" / "sub" / "x.mjs").lstrip("/"), "main.mjs", S),  # absolute
    Case("percent", path_to_url(ROOT / "percent" / "a b.mjs"), "main.mjs", S),  # file: URL
    Case("percent", "file:" + str(ROOT / "percent" / "sub" / "x.mjs"), "main.mjs", S),  # file:/abs form
    Case("percent", "file://localhost" + str(ROOT / "percent" / "sub" / "x.mjs"), "main.mjs", S),  # host
    Case("percent", "./a b.mjs", "main.mjs", R),  # require takes plain paths
    Case("percent", "./hash#name.mjs", "main.mjs", R),  # ... "#" is just a character
    # builtins
    Case("builtins", "fs", "main.mjs", S),  # bare builtin
    Case("builtins", "node:fs", "main.mjs", S),  # node: scheme
    Case("builtins", "fs/promises", "main.mjs", S),  # builtin subpath
    Case("builtins", "fs/promises", "main.mjs", R),  # ... for require
    Case("builtins", "node:test", "main.mjs", S),  # node:-only builtin
    Case("builtins", "node:test", "main.mjs", R),  # ... for require
    Case("builtins", "test", "main.mjs", S),  # without node: it is a package
    Case("builtins", "test", "main.mjs", R),  # ... for require as well
    Case("builtins", "node:sea", "main.mjs", S),  # node:-only builtin
    Case("builtins", "node:sqlite", "main.mjs", R),  # not in Node 20
    Case("builtins", "sys", "main.mjs", R),  # deprecated alias still a builtin
    Case("builtins", "HTTPS://Example.COM", "main.mjs", S),  # other schemes pass through, normalised
    Case("builtins", "NODE:fs", "main.mjs", S),  # node: URLs are returned as written
    # data: URLs
    Case("data-url", "data:text/javascript,export default 1", "main.mjs", S),  # returned as written
    Case("data-url", "data:application/json,{}", "main.mjs", D),  # JSON data URL
    Case("data-url", "./data:x.mjs", "main.mjs", S),  # a path, not a URL
]


def case_id(case: Case) -> str:
    return f"{case.fixture}:{case.specifier}:{case.kind}"


@cache
def answers(flags: tuple[str, ...], cases: tuple[Case, ...]) -> tuple[dict[str, Any], ...]:
    return tuple(oracle([case.query() for case in cases], flags))


def check(resolver: Resolver, case: Case, node: dict[str, Any]) -> None:
    got = resolver.resolve(case.specifier, case.parent_url, case.kind)
    assert (got.url, got.error) == (node.get("url"), node.get("error")), got.message
    if got.error is not None:
        assert got.message, "an unresolved specifier carries Node's reason"
        hint = re.search(r'Did you mean to import (".*")\?', got.message)
        assert (json.loads(hint.group(1)) if hint else None) == node["hint"]
    elif node.get("format") and got.url is not None:
        assert resolver.format_of(got.url) == Format(node["format"])


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver()


@pytest.mark.parametrize(("index", "case"), list(enumerate(CASES)), ids=[case_id(c) for c in CASES])
def test_every_fixture_case_resolves_as_node_does(resolver: Resolver, index: int, case: Case) -> None:
    check(resolver, case, answers((), tuple(CASES))[index])


def test_the_node18_profile_resolves_every_fixture_case_as_node_18_does() -> None:
    # Node 18 has no "module-sync" condition and writes "~" and brackets unencoded in file: URLs.
    resolver = Resolver(profile=NODE18)
    node = oracle([case.query() for case in CASES], node=node_binary(18))
    for case, expected in zip(CASES, node, strict=True):
        got = resolver.resolve(case.specifier, case.parent_url, case.kind)
        assert (got.url, got.error) == (expected.get("url"), expected.get("error")), case


CONDITION_CASES = [
    Case("exports-conditions", "cond", "main.mjs", S),  # "development" listed first: it wins
    Case("exports-conditions", "cond", "main.cjs", R),  # ... for require as well
    Case("exports-conditions", "cond/feature", "main.mjs", S),  # untouched by the extra condition
    Case("imports-map", "#cond", "main.mjs", S),  # user condition in imports
    Case("imports-map", "#cond", "src/main.cjs", R),  # ... read by require
]


@pytest.mark.parametrize(
    ("index", "case"), list(enumerate(CONDITION_CASES)), ids=[case_id(c) for c in CONDITION_CASES]
)
def test_user_conditions_match_node_conditions_flag(index: int, case: Case) -> None:
    node = answers(("--conditions=development",), tuple(CONDITION_CASES))[index]
    check(Resolver(["development"]), case, node)


SYMLINK_CASES = [
    Case("symlinked-package", "linked", "app/main.mjs", S),  # the symlinked folder is kept
    Case("symlinked-package", "linked", "app/main.mjs", R),  # ... for require
    Case("symlinked-package", "./alias.mjs", "app/main.mjs", S),  # a symlinked file is kept
    Case("symlinked-package", "peer", "app/node_modules/linked/index.js", S),  # found from the link
]


@pytest.mark.parametrize(
    ("index", "case"), list(enumerate(SYMLINK_CASES)), ids=[case_id(c) for c in SYMLINK_CASES]
)
def test_preserve_symlinks_matches_node_flag(index: int, case: Case) -> None:
    node = answers(("--preserve-symlinks",), tuple(SYMLINK_CASES))[index]
    check(Resolver(preserve_symlinks=True), case, node)


def test_the_symlink_fixture_is_a_relative_symlink() -> None:
    link = ROOT / "symlinked-package" / "app" / "node_modules" / "linked"
    assert link.is_symlink() and not Path(link.readlink()).is_absolute()


def test_default_conditions_and_builtins_match_the_node_on_path() -> None:
    conditions = (
        "const u=require('internal/modules/esm/utils'),h=require('internal/modules/helpers');"
        "console.log(JSON.stringify([u.getDefaultConditions(),[...h.getCjsConditions()]]))"
    )
    # Without --expose-internals, which would add Node's internal modules to the builtins.
    builtins = (
        "const m=require('module');console.log(JSON.stringify([m.builtinModules,"
        "['sea','sqlite','test','test/reporters'].filter(n=>m.isBuiltin('node:'+n)&&!m.isBuiltin(n))]))"
    )
    node = str(system_node())
    done = subprocess.run(
        [node, "--expose-internals", "-e", conditions], capture_output=True, text=True, check=True
    )
    esm, cjs = json.loads(done.stdout)
    done = subprocess.run([node, "-e", builtins], capture_output=True, text=True, check=True)
    names, scheme_only = json.loads(done.stdout)
    assert NODE20.esm_conditions == frozenset(esm)
    assert NODE20.cjs_conditions == frozenset(cjs)
    assert NODE20.builtins == frozenset(names)
    assert NODE20.scheme_only == frozenset(scheme_only)


NAMES = ["a b", "hash#x", "q?x", "pct%41", "tilde~", "caf\u00e9", "tab\tx", 'br[1]^|{}`"<>', "x/../y", "d/"]


def test_path_to_url_is_node_path_to_file_url() -> None:
    paths = [f"/tmp/{name}" for name in NAMES] + ["relative/file.js", "/", "//double"]
    script = (
        "const u=require('url');"
        "console.log(JSON.stringify(JSON.parse(process.argv[1]).map(p=>u.pathToFileURL(p).href)))"
    )
    done = subprocess.run(
        [str(system_node()), "-e", script, json.dumps(paths)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    assert [path_to_url(p) for p in paths] == json.loads(done.stdout)
    assert [str(url_to_path(path_to_url(p))) for p in paths[:8]] == paths[:8]


def test_url_to_path_refuses_urls_that_name_no_local_file() -> None:
    for url in ("https://example.com/x.js", "file://host/x.js", "file:///a%2Fb.js", "node:fs"):
        with pytest.raises(InputError, match=re.escape(url)):
            url_to_path(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("node:fs", Format.BUILTIN),  # builtin
        (path_to_url(ROOT / "percent" / "main.mjs"), Format.MODULE),  # .mjs
        (path_to_url(ROOT / "cjs-interop" / "lib" / "only.cjs"), Format.COMMONJS),  # .cjs
        (path_to_url(ROOT / "cjs-interop" / "lib" / "helper.js"), Format.COMMONJS),  # .js, no "type"
        (path_to_url(ROOT / "dir-import" / "lib" / "index.js"), Format.MODULE),  # .js, "type": "module"
        (
            path_to_url(ROOT / "not-exported" / "node_modules" / "nomain" / "index.js"),
            Format.COMMONJS,
        ),  # scope
        (path_to_url(ROOT / "cjs-interop" / "lib" / "data.json"), Format.JSON),  # .json
        (path_to_url(ROOT / "cjs-interop" / "lib" / "addon.node"), Format.ADDON),  # .node
        (path_to_url(ROOT / "x.wasm"), Format.WASM),  # .wasm
        (path_to_url(ROOT / "x.txt"), None),  # unknown extension
        ("data:text/javascript,export default 1", Format.MODULE),  # data: by MIME type
        ("data:application/json,{}", Format.JSON),  # JSON data URL
        ("data:text/plain,x", None),  # unknown MIME type
    ],
)
def test_format_of_follows_extension_type_and_mime(
    resolver: Resolver, url: str, expected: Format | None
) -> None:
    assert resolver.format_of(url) == expected


def test_module_kind_tells_builtins_packages_local_and_missing_files(resolver: Resolver) -> None:
    assert resolver.module_kind("node:fs") is ModuleKind.BUILTIN
    assert resolver.module_kind(
        path_to_url(ROOT / "not-exported" / "node_modules" / "closed" / "index.js")
    ) is (ModuleKind.PACKAGE)
    assert resolver.module_kind(path_to_url(ROOT / "percent" / "a b.mjs")) is ModuleKind.LOCAL
    assert resolver.module_kind(path_to_url(ROOT / "percent" / "gone.mjs")) is ModuleKind.MISSING


def test_a_parent_that_is_not_a_file_url_is_an_input_error(resolver: Resolver) -> None:
    with pytest.raises(InputError, match=re.escape("https://example.com/a.mjs")):
        resolver.resolve("./x.js", "https://example.com/a.mjs", S)


def corpus_queries(resolver: Resolver) -> list[dict[str, str]]:
    """Every import the parser finds in the corpus, with the kind it found (require only in CommonJS)."""
    queries = []
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".js", ".mjs", ".cjs") and p.is_file())
    assert len(files) > 1000, f"{CORPUS} looks incomplete: run scripts/install-corpus.sh"
    for file in files:
        parent = path_to_url(file)
        commonjs = resolver.format_of(parent) is Format.COMMONJS
        for record in extract(file.read_bytes(), commonjs=commonjs).imports:
            if record.specifier is not None:
                queries.append({"specifier": record.specifier, "parent": parent, "kind": str(record.kind)})
    return queries


def test_the_npm_corpus_resolves_exactly_as_node_does() -> None:
    resolver = Resolver()
    queries = corpus_queries(resolver)
    node = oracle(queries)
    mismatches = []
    for query, expected in zip(queries, node, strict=True):
        got = resolver.resolve(query["specifier"], query["parent"], ImportKind(query["kind"]))
        if (got.url, got.error) != (expected.get("url"), expected.get("error")):
            mismatches.append((query, got, expected))
    kinds = sorted({q["kind"] for q in queries})
    print(f"compared {len(queries)} corpus resolutions ({', '.join(kinds)}) with Node")
    assert len(queries) > 10_000
    assert not mismatches, mismatches[:5]
