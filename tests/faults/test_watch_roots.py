"""Which folders watch follows: packages of loaded modules, outermost only."""

from __future__ import annotations

from pathlib import Path

from graphkit.hmr.roots import new_roots


def test_new_roots_are_the_packages_not_yet_covered(tmp_path: Path) -> None:
    app, core, loose = tmp_path / "app", tmp_path / "packages" / "core", tmp_path / "loose"
    for folder in (app / "lib", core / "src" / "deep", loose):
        folder.mkdir(parents=True)
    for package in (app, core):
        (package / "package.json").write_text("{}")
    found = new_roots([app], [app / "lib", core / "src" / "deep", core / "src", loose])
    assert found == sorted([core, loose])
    assert new_roots([app, core, loose], [core / "src", app / "lib"]) == []
