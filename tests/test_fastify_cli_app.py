"""The app fastify-cli 8.0.2 generates (`tests.fastify_cli_app`): the copy tests edit, and both ways of
starting it serving its generated routes under `graphkit watch`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import fastify_cli_app as generated
from tests.conftest import FIXTURES, node_binary
from tests.fastify_cli_app import ENTRIES, GENERATED, INSTALL, fastify_cli_app
from tests.test_watch import Watching


def files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and "node_modules" not in path.relative_to(root).parts
    }


def test_the_copy_is_the_generated_app_with_both_entries_and_the_installed_packages(tmp_path: Path) -> None:
    root = fastify_cli_app(tmp_path)
    copied = files(root)
    for entry in ENTRIES:
        assert copied.pop(entry) == (FIXTURES / "fastify-cli" / entry).read_bytes()
    assert copied == files(GENERATED)  # every generated file, unchanged, and nothing else
    assert (root / "node_modules").resolve() == GENERATED / "node_modules"
    assert (root / "node_modules" / "fastify" / "package.json").is_file()


def test_a_missing_install_fails_naming_the_script(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(generated, "GENERATED", tmp_path / "absent")
    with pytest.raises(pytest.fail.Exception, match=INSTALL):
        fastify_cli_app(tmp_path)


@pytest.mark.parametrize("entry", ENTRIES)
def test_both_entries_serve_the_generated_routes_under_graphkit_watch(
    entry: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PORT", "0")
    w = Watching(node_binary(24), fastify_cli_app(tmp_path), entry=entry)
    try:
        assert w.get("/") == '{"root":true}'
        assert w.get("/example") == "this is an example"
        assert w.stop() == 130
    finally:
        if w.process.poll() is None:
            w.process.kill()
            w.process.wait()
