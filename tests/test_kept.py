"""An app that import()s a module once and keeps it (a lazy singleton) gets the new code on a save.

A reload in place re-imports the saved module; an importer that asks import() for it at each use gets the
new one, but one that asked once and kept the namespace would go on serving the old code. graphkit finds
the old instance still alive after the reload (node_probe/kept.mjs) and re-runs the app, and plans the next
saves of that module as re-runs from the start. Each test checks what the app serves and whether its entry
ran again (``/boot``, drawn when the entry evaluates), in one process. Node 18 frees an evicted module only
under memory pressure, so it cannot tell a kept instance from one not freed yet: there an import() called
once re-runs the app on a save, and one called more than once (at each use) still reloads in place.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import node_binary
from tests.test_watch import Watching

SERVER = """import {{ createServer }} from 'node:http';
const boot = String(Math.random());
{cache}
const server = createServer(async (request, response) => {{
  if (request.url === '/boot') return response.end(boot);
  if (request.url === '/pid') return response.end(String(process.pid));
  response.end((await routes()).text());
}});
server.listen(0, '127.0.0.1', () => console.log(`listening on ${{server.address().port}}`));
"""
KEEPS = "let kept;\nconst routes = async () => (kept ??= await import('./routes.mjs'));"
PER_USE = "const routes = () => import('./routes.mjs');"
# Only the object routes.mjs exported is kept, not its namespace: nothing in the object reaches the module.
KEEPS_EXPORT = (
    "let kept;\nconst routes = async () => {\n  kept ??= (await import('./routes.mjs')).table;\n"
    "  return { text: () => kept.word };\n};"
)


def app(root: Path, cache: str) -> Path:
    root.mkdir()
    (root / "package.json").write_text('{"type": "module"}\n')
    (root / "main.mjs").write_text(SERVER.format(cache=cache))
    (root / "routes.mjs").write_text("import { word } from './word.mjs';\nexport const text = () => word;\n")
    (root / "word.mjs").write_text("export const word = 'one';\n")
    return root


def _major(node: Path) -> int:
    return int(node.parent.parent.name)  # .cache/node/MAJOR/bin/node


def test_a_module_the_app_keeps_from_one_import_is_served_new_after_each_save(
    any_node: Path, tmp_path: Path
) -> None:
    session = Watching(any_node, app(tmp_path / "app", KEEPS))
    try:
        assert session.get("/") == "one"
        pid, boot = session.get("/pid"), session.get("/boot")
        for old, new in (("one", "two"), ("two", "three")):
            session.edit("word.mjs", f"'{old}'", f"'{new}'")
            line = session.status()
            assert session.get("/") == new, line
            assert session.get("/pid") == pid
            assert session.get("/boot") != boot, line  # the entry ran again: only that serves the new code
            boot = session.get("/boot")
            assert "re-ran the app" in line and "main.mjs" in line, line
    finally:
        session.stop()


def test_an_object_the_app_keeps_from_one_import_is_served_new(any_node: Path, tmp_path: Path) -> None:
    root = app(tmp_path / "app", KEEPS_EXPORT)
    (root / "routes.mjs").write_text("import { word } from './word.mjs';\nexport const table = { word };\n")
    session = Watching(any_node, root)
    try:
        assert session.get("/") == "one"
        boot = session.get("/boot")
        session.edit("word.mjs", "'one'", "'two'")
        line = session.status()
        assert session.get("/") == "two", line
        assert session.get("/boot") != boot, line
    finally:
        session.stop()


@pytest.mark.parametrize("major", [20, 22, 24, 26])
def test_a_kept_object_that_a_module_staying_made_reloads_in_place(major: int, tmp_path: Path) -> None:
    # routes.mjs re-exports table.mjs's object, which the save does not reach: the new routes.mjs exports the
    # very same object, so the app serves nothing old by keeping it.
    root = app(tmp_path / "app", KEEPS_EXPORT)
    (root / "routes.mjs").write_text(
        "import { word } from './word.mjs';\nexport { table } from './table.mjs';\n"
        "export const text = () => word;\n"
    )
    (root / "table.mjs").write_text("export const table = { word: 'fixed' };\n")
    session = Watching(node_binary(major), root)
    try:
        assert session.get("/") == "fixed"
        boot = session.get("/boot")
        session.edit("word.mjs", "'one'", "'two'")
        line = session.status()
        assert session.get("/") == "fixed", line
        assert session.get("/boot") == boot, line  # in place
    finally:
        session.stop()


def test_an_import_made_at_each_use_is_reloaded_in_place_even_after_one_use(
    any_node: Path, tmp_path: Path
) -> None:
    session = Watching(any_node, app(tmp_path / "app", PER_USE))
    try:
        assert session.get("/") == "one"  # one import() so far: the old namespace is checked, and let go
        boot = session.get("/boot")
        session.edit("word.mjs", "'one'", "'two'")
        line = session.status()
        assert session.get("/") == "two", line
        if _major(any_node) == 18:
            # It cannot tell that nothing kept it: it re-runs the app, and says why.
            assert session.get("/boot") != boot, line
            assert "Node 18 cannot tell" in line, line
        else:
            assert session.get("/boot") == boot, line  # in place: the entry did not run again
    finally:
        session.stop()


def test_node_18_reloads_an_import_made_at_each_use_in_place_once_it_was_used_twice(tmp_path: Path) -> None:
    session = Watching(node_binary(18), app(tmp_path / "app", PER_USE))
    try:
        assert session.get("/") == "one"
        assert session.get("/") == "one"
        boot = session.get("/boot")
        session.edit("word.mjs", "'one'", "'two'")
        line = session.status()
        assert session.get("/") == "two", line
        assert session.get("/boot") == boot, line
    finally:
        session.stop()


def test_the_mark_goes_with_a_save_of_the_importer_that_kept_it(tmp_path: Path) -> None:
    session = Watching(node_binary(24), app(tmp_path / "app", KEEPS))
    try:
        assert session.get("/") == "one"
        session.edit("word.mjs", "'one'", "'two'")
        session.status()
        session.edit("main.mjs", KEEPS, PER_USE)  # it no longer keeps it: saves reload in place again
        session.status()
        assert session.get("/") == "two"
        session.get("/")  # a second use: the import() is made per use
        boot = session.get("/boot")
        session.edit("word.mjs", "'two'", "'three'")
        line = session.status()
        assert session.get("/") == "three", line
        assert session.get("/boot") == boot, line
    finally:
        session.stop()


def test_an_importer_saved_that_still_keeps_it_is_checked_again(tmp_path: Path) -> None:
    # The mark goes with the save of main.mjs, and its new instance calls import() once again: the next
    # reload in place is checked as the first one was.
    session = Watching(node_binary(24), app(tmp_path / "app", KEEPS))
    try:
        assert session.get("/") == "one"
        session.edit("word.mjs", "'one'", "'two'")
        session.status()
        session.edit("main.mjs", "let kept;", "let kept; // still kept")
        session.status()
        assert session.get("/") == "two"
        session.edit("word.mjs", "'two'", "'three'")
        line = session.status()
        assert session.get("/") == "three", line
    finally:
        session.stop()
