"""Which folders ``graphkit watch`` watches: every package that holds a loaded module of the app's own.

The entry's package is not enough: in an npm workspaces monorepo a package linked through
``node_modules`` is loaded from its real path (Node resolves symlinks), outside the entry's package.
Each folder is widened to its package (the nearest ``package.json``), so files added next to a loaded
module are seen too; a folder inside one already watched adds nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from graphkit.live.host import Host
from graphkit.model import Command, Module, ModuleKind
from graphkit.model.protocol import Field
from graphkit.model.urls import url_to_path
from graphkit.output.paths import display_path
from graphkit.output.status import watching_line

__all__ = ["Following", "folder_package", "local_folders", "new_roots"]

_ASK_EVERY = 1.0  # seconds between two questions to an idle app
_GIVE_UP = 10.0  # seconds after which an unanswered question is asked again


def folder_package(folder: Path) -> Path:
    """The folder of the nearest package.json at or above ``folder``, else ``folder`` itself."""
    return next((d for d in (folder, *folder.parents) if (d / "package.json").is_file()), folder)


def local_folders(modules: Iterable[Module]) -> set[Path]:
    """The folders of the app's own modules among live ``modules`` (not builtins, not under node_modules)."""
    local = (m for m in modules if m.kind is ModuleKind.LOCAL and m.url.startswith("file:"))
    return {url_to_path(m.url).parent for m in local}


def new_roots(watched: Iterable[Path], folders: Iterable[Path]) -> list[Path]:
    """The packages of ``folders`` that no ``watched`` folder covers, outermost only, sorted."""
    covered = list(watched)
    found = sorted(
        {folder_package(f) for f in folders if not any(f.is_relative_to(w) for w in covered)},
        key=lambda p: len(p.parts),
    )
    roots: list[Path] = []
    for root in found:
        if not any(root.is_relative_to(r) for r in [*covered, *roots]):
            roots.append(root)
    return sorted(roots)


class Following:
    """Keeps the watched roots in step with what the app loads.

    ``tick`` runs when the watch loop is idle: about once a second it asks the app (without waiting) for
    the folders of its loaded modules; ``seen`` takes folders from the live changes the loop reads anyway.
    Each new root goes to ``add`` (the watcher) and is reported.
    """

    def __init__(
        self, host: Host, roots: Iterable[Path], add: Callable[[Path], None], report: Callable[[str], None]
    ) -> None:
        self.host = host
        self.roots = list(roots)
        self.add = add
        self.report = report
        self._asked: int | None = None
        self._asked_at = -_ASK_EVERY

    def seen(self, folders: Iterable[Path]) -> None:
        for root in new_roots(self.roots, folders):
            self.add(root)
            self.roots.append(root)
            self.report(watching_line(display_path(root)))

    def tick(self) -> None:
        now = time.monotonic()
        if self._asked is not None:
            reply = self.host.answered(self._asked)
            if reply is not None:
                self.seen(Path(folder) for folder in reply[Field.FOLDERS])
            elif now - self._asked_at < _GIVE_UP:
                return
            else:  # the app restarted or is busy: ask again
                self.host.forget(self._asked)
            self._asked = None
        if now - self._asked_at >= _ASK_EVERY and self.host.running:
            self._asked = self.host.ask(Command.FOLDERS)
            self._asked_at = now
