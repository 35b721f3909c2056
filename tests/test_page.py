"""The HTML page of a graph, opened in Debian's headless Chromium (``make chromium``) as a reader would."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from graphkit.graph.crawl import scan
from graphkit.graph.queries import cycles, to_networkx
from graphkit.model import Edge, ImportKind, Module, ModuleGraph, ModuleKind
from graphkit.output.page import page
from graphkit.output.paths import display_path
from graphkit.output.select import Selection, select
from graphkit.planning.planner import plan
from graphkit.resolve.typescript import Rules
from tests.browser import chromium  # noqa: F401  # the browser fixture
from tests.conftest import REPO

ZOD = REPO / ".cache" / "ts-corpus" / "node_modules" / "zod" / "src"
NOT_TESTS = Selection(exclude=("(^|/)tests/",))


class Opened:
    """A page loaded from its file, with every console error and every request it made."""

    def __init__(self, browser: Browser, file: Path) -> None:
        self.file = file
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page: Page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.page.set_default_timeout(10_000)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(file.as_uri())

    def outside(self) -> list[str]:
        return [url for url in self.requests if url != self.file.as_uri()]


@pytest.fixture(scope="module")
def zod(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleGraph, Path]:
    """zod's src/ outside node_modules (so its modules are the app's own), scanned by TypeScript's rules."""
    src = tmp_path_factory.mktemp("zod") / "src"
    shutil.copytree(ZOD, src)
    return scan([src], rules=Rules.TYPESCRIPT), src


def write_page(folder: Path, graph: ModuleGraph, selection: Selection | None = None) -> Path:
    file = folder / "graph.html"
    file.write_text(page(graph, selection=selection), encoding="utf-8")
    return file


def test_the_zod_page_loads_alone_and_search_and_click_show_a_module_and_its_plan(
    browser: Browser, zod: tuple[ModuleGraph, Path], tmp_path: Path
) -> None:
    graph, src = zod
    opened = Opened(browser, write_page(tmp_path, graph, NOT_TESTS))
    shown = opened.page
    assert shown.locator("g.node").count() == len(select(graph, NOT_TESTS, src).modules)

    shown.fill("#search", "schemas.ts")
    shown.press("#search", "Enter")
    assert shown.inner_text("#module-path").endswith("schemas.ts")

    # A click on util.ts shows the plan graphkit's planner makes for a change to it, reasons included.
    shown.click("#fit")  # the whole drawing again, then a click on util.ts in it
    shown.click('g.node[data-path="v4/core/util.ts"]')
    assert shown.inner_text("#module-path") == "v4/core/util.ts"
    cut = select(graph, NOT_TESTS, src)
    made = plan(cut, [(src / "v4/core/util.ts").as_uri()], "")
    evicted = [display_path(url, src) for unit in made.evict for url in unit]
    listed = shown.locator("#evicted li").all_inner_texts()
    assert [line.split(" ")[0] for line in listed] == evicted[:200]
    assert f"evicts {len(evicted)} modules" in shown.inner_text("#plan-line")
    via = {c.url: c.via for c in made.chains}
    reasons = {line.split(" ")[0]: line for line in listed}
    some = next(url for url in (u for unit in made.evict for u in unit) if via[url] is not None)
    assert reasons[display_path(some, src)].endswith(f"imports {display_path(via[some] or '', src)}")
    # The modules the plan evicts are coloured in the drawing.
    assert shown.locator("g.node.evicted").count() == len(evicted) - 1
    assert shown.locator("#cycles li").count() == len(cycles(to_networkx(cut))) > 0

    shown.screenshot(path=str(tmp_path / "zod.png"))
    assert (opened.errors, opened.outside()) == ([], [])
    shown.close()


def test_edge_kind_filters_hide_those_imports(
    browser: Browser, zod: tuple[ModuleGraph, Path], tmp_path: Path
) -> None:
    graph, _ = zod
    opened = Opened(browser, write_page(tmp_path, graph, NOT_TESTS))
    before = opened.page.locator("path.edge.type").count()
    opened.page.uncheck('input[data-kind="type"]')
    assert before > 0 and opened.page.locator("path.edge.type").count() == 0
    assert opened.page.locator("path.edge").count() > 0
    assert opened.errors == []
    opened.page.close()


def big(n: int) -> ModuleGraph:
    """``n`` modules in 20 folders of 10 subfolders, in import chains of ten that cross folders."""
    urls = [f"file:///app/f{i % 20}/g{(i // 20) % 10}/m{i}.mjs" for i in range(n)]
    chains = [i for i in range(n - 1) if i % 10 != 9]
    edges = [Edge(urls[i], urls[i + 1], ImportKind.STATIC, "./x.mjs", 1, 1) for i in chains]
    return ModuleGraph(tuple(Module(u, ModuleKind.LOCAL, None) for u in urls), tuple(edges))


def test_twenty_thousand_modules_open_folded_by_folder_and_unfold_on_click(
    browser: Browser, tmp_path: Path
) -> None:
    opened = Opened(browser, write_page(tmp_path, big(20_000)))
    shown = opened.page
    assert shown.locator("g.node").count() == 20  # one per top folder
    shown.click('g.node[data-folder="f3"]')
    assert shown.locator("g.node").count() == 19 + 10  # f3's ten subfolders beside the other folders
    shown.fill("#search", "m19999.mjs")
    shown.press("#search", "Enter")
    assert shown.inner_text("#module-path") == "f19/g9/m19999.mjs"
    assert shown.locator('g.node.selected[data-path="f19/g9/m19999.mjs"]').count() == 1
    shown.click("#fold")
    assert shown.locator("g.node").count() == 20
    assert (opened.errors, opened.outside()) == ([], [])
    shown.close()


def test_the_command_writes_the_page_with_the_selected_modules(tmp_path: Path) -> None:
    from graphkit.cli import main

    demo = REPO / "fixtures" / "demo"
    target = tmp_path / "demo.html"
    assert main(["graph", str(demo / "main.mjs"), "--exclude", "^routes/", "-o", str(target)]) == 0
    text = target.read_text()
    embedded = json.loads(text.split('id="graph-data">', 1)[1].split("</script>", 1)[0])
    kept = select(scan([demo / "main.mjs"]), Selection(exclude=("^routes/",)), demo)
    assert [m["path"] for m in embedded["modules"]] == sorted(display_path(m.url, demo) for m in kept.modules)
    assert "default-src 'none'" in text
