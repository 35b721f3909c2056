"""The live mirror, kept by the host's change journal, equals a full snapshot after every reload.

A real app under the host on every Node major: ES modules in a cycle, JSON, CommonJS imported from ESM and
requiring CommonJS, a createRequire require, import() calls that succeed and fail, a builtin. Reloads that
work, that fail to parse, that throw, that miss a deleted file, and sweeps: after each, the mirror (changes
since its last version only) and a full snapshot of the same moment give the same networkx graph.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from graphkit.errors import ProbeError
from graphkit.extract.accepts import accepting_modules
from graphkit.graph.queries import to_networkx
from graphkit.live.host import Host
from graphkit.live.mirror import LiveMirror, delta_from_reply
from graphkit.model import ImportKind, PlanStatus, Status
from graphkit.model.urls import path_to_url
from graphkit.planning.planner import plan

FILES = {
    "package.json": '{"type": "module"}\n',
    "main.mjs": (
        "import { createRequire } from 'node:module';\n"
        "const require = createRequire(import.meta.url);\n"
        "globalThis.config = require('./config.cjs');\n"
        # Imported once the app has booted (startup.mjs: a quarter of a second without an import() ends
        # a boot that opened no server): these import() calls are boundaries, not start-up links.
        "setTimeout(async () => {\n"
        "  await import('./missing.mjs').catch(() => {});\n"
        "  globalThis.route = await import('./route.mjs');\n"
        "  console.log('ready');\n"
        "}, 600);\n"
        "setInterval(() => {}, 1 << 30);\n"
    ),
    "config.cjs": "module.exports = { port: 1 };\n",
    "route.mjs": (
        "import { readFileSync } from 'node:fs';\n"
        "import { a } from './lib/a.mjs';\n"
        "import legacy from './legacy.cjs';\n"
        "import data from './data.json' with { type: 'json' };\n"
        "export const page = [a, legacy, data.v, typeof readFileSync].join(' ');\n"
    ),
    "lib/a.mjs": "import { b } from './b.mjs';\nexport const a = 'a1';\nexport const both = () => a + b;\n",
    "lib/b.mjs": "import { both } from './a.mjs';\nexport const b = 'b1';\nexport const c = () => both();\n",
    "legacy.cjs": "module.exports = require('./helper.cjs') + ':legacy1';\n",
    "helper.cjs": "module.exports = 'helper1';\n",
    "data.json": '{"v": 1}\n',
}


def canonical(g: nx.DiGraph) -> tuple[Any, ...]:
    nodes = sorted((url, tuple(sorted(attrs.items()))) for url, attrs in g.nodes(data=True))
    edges = sorted(
        (u, v, data["kind"], tuple(sorted(map(repr, data["imports"])))) for u, v, data in g.edges(data=True)
    )
    return nodes, edges, sorted(map(repr, g.graph["unresolved"]))


class Live:
    def __init__(self, root: Path, host: Host) -> None:
        self.root = root
        self.host = host
        self.mirror = LiveMirror()
        self.answers: list[bool] = []  # whether each journal answer was a full one

    def url(self, name: str) -> str:
        return path_to_url(self.root / name)

    def write(self, name: str, text: str) -> None:
        (self.root / name).write_text(text)

    def refresh(self) -> None:
        delta = self.host.changes(self.mirror.version)
        self.answers.append(delta.full)
        self.mirror.apply(delta)

    def check(self) -> None:
        """The mirror after the changes since its last answer equals a full snapshot of the same moment."""
        self.refresh()
        assert canonical(self.mirror.graph) == canonical(to_networkx(self.host.snapshot()))

    def reload(self, *changed: str, deleted: tuple[str, ...] = ()) -> bool:
        graph = self.host.snapshot()
        eviction = plan(
            graph,
            [self.url(c) for c in changed],
            self.host.entry_url,
            accepting=accepting_modules(graph),
            deleted=[self.url(d) for d in deleted],
        )
        assert eviction.status is PlanStatus.OK, eviction
        return self.host.apply(eviction).ok


@pytest.fixture
def live(any_node: Path, tmp_path: Path) -> Iterator[Live]:
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    with Host(tmp_path / "main.mjs", node=any_node, stdout=subprocess.PIPE) as host:
        assert host.process.stdout is not None
        assert host.process.stdout.readline() == b"ready\n"
        yield Live(tmp_path, host)


def test_the_mirror_equals_a_full_snapshot_after_every_reload(live: Live) -> None:
    live.check()
    g = live.mirror.graph
    # What the app is made of reached the mirror: CommonJS edges, createRequire, JSON, builtins, import().
    assert g[live.url("legacy.cjs")][live.url("helper.cjs")]["kind"] == ImportKind.REQUIRE
    assert g[live.url("main.mjs")][live.url("config.cjs")]["kind"] == ImportKind.REQUIRE
    assert g[live.url("route.mjs")][live.url("data.json")]["kind"] == ImportKind.STATIC
    assert g[live.url("route.mjs")]["node:fs"]["kind"] == ImportKind.STATIC
    assert g[live.url("main.mjs")][live.url("route.mjs")]["kind"] == ImportKind.DYNAMIC
    assert [e.specifier for e in g.graph["unresolved"]] == ["./missing.mjs"]

    steps: list[tuple[str, tuple[str, str], bool]] = [
        ("lib/b.mjs", ("'b1'", "'b2'"), True),  # inside the cycle
        ("lib/b.mjs", ("export const b", "export cons b"), False),  # does not parse
        ("lib/b.mjs", ("export cons b", "export const b"), True),
        ("route.mjs", ("export const page", "throw new Error('no');\nexport const page"), False),
        ("route.mjs", ("throw new Error('no');\n", ""), True),
        ("legacy.cjs", (":legacy1", ":legacy2"), True),  # CommonJS imported from ESM
        ("helper.cjs", ("helper1", "helper2"), True),  # CommonJS required from CommonJS
        ("data.json", ('"v": 1', '"v": 2'), True),
    ]
    for name, (old, new), ok in steps:
        text = (live.root / name).read_text()
        assert old in text
        live.write(name, text.replace(old, new))
        assert live.reload(name) is ok, (name, new)
        live.check()

    moved = (live.root / "lib/b.mjs").read_text()
    (live.root / "lib/b.mjs").unlink()
    assert live.reload(deleted=("lib/b.mjs",)) is False  # the importers cannot link: rolled back
    live.check()
    assert live.mirror.graph.nodes[live.url("lib/b.mjs")]["status"] == Status.EVALUATED
    live.write("lib/b.mjs", moved.replace("'b2'", "'b3'"))
    assert live.reload("lib/b.mjs")
    live.check()
    live.host.sweep()
    live.check()
    assert live.answers[0] and not any(live.answers[1:])  # one full answer, then changes only


def test_a_reader_that_missed_an_answer_gets_a_full_one(live: Live) -> None:
    live.refresh()
    live.host.changes(live.mirror.version)  # an answer the mirror never applies
    live.write("lib/a.mjs", FILES["lib/a.mjs"].replace("'a1'", "'a2'"))
    assert live.reload("lib/a.mjs")
    live.check()
    assert live.answers == [True, True]


def test_an_answer_with_nothing_new_is_empty(live: Live) -> None:
    live.refresh()
    delta = live.host.changes(live.mirror.version)
    assert (delta.full, delta.rows) == (False, ())


@pytest.mark.parametrize(
    "rows",
    [
        [["file:///a.mjs", ["local", "module", "evaluated"]]],  # a row without its edges
        [["file:///a.mjs", None, [["file:///b.mjs", None, "static", "./b.mjs"]]]],  # an edge short of a field
        [["file:///a.mjs", ["remote", None, None], []]],  # a module kind the mirror does not know
        {"file:///a.mjs": None},  # rows as an object
    ],
)
def test_a_malformed_changes_reply_is_one_line_naming_the_app(rows: Any) -> None:
    reply = {"full": True, "version": 3, "rows": rows, "accepting": []}
    with pytest.raises(ProbeError, match=r"^/app/main\.mjs: malformed changes reply \(") as caught:
        delta_from_reply(reply, "/app/main.mjs")
    assert "\n" not in str(caught.value)
