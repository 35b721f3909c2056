"""graphkit's Mermaid text as Mermaid itself reads it: rendered by mermaid.js (``make mermaid``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from graphkit.output.diagram import mermaid_source
from tests.browser import chromium  # noqa: F401  # the browser fixture
from tests.conftest import REPO
from tests.test_export import MAIN, PLAN, nested, tiny

MERMAID = REPO / ".cache" / "mermaid" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
RENDER = """async (text) => {
  try { return (await mermaid.render("drawing" + Math.random().toString(36).slice(2), text)).svg; }
  catch (error) { return "error: " + String(error); }
}"""


@pytest.fixture(scope="module")
def mermaid_page(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Page:
    host = tmp_path_factory.mktemp("mermaid") / "host.html"
    script = MERMAID.read_text(encoding="utf-8").replace("</script", "<\\/script")
    host.write_text(f"<!doctype html><body><script>{script}</script></body>", encoding="utf-8")
    shown = browser.new_page()
    shown.goto(host.as_uri())
    shown.evaluate("mermaid.initialize({startOnLoad: false})")
    return shown


def rendered(shown: Page, text: str) -> str:
    result: str = shown.evaluate(RENDER, text)
    return result


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        # kinds, clusters, a cycle, an unresolved import and the legend
        (mermaid_source(tiny()), ["a.mjs", "b.cjs", "main.mjs", "node:fs", "legend", "import cycle"]),
        (mermaid_source(tiny(), plan=PLAN), ["changed", "evicted", "boundary", "kept"]),  # a plan's roles
        (mermaid_source(nested(), focus=MAIN), ["core/", "mini/", "v4/", "focus"]),  # nested folders
    ],
)
def test_mermaid_renders_the_text_with_every_label(mermaid_page: Page, text: str, labels: list[str]) -> None:
    svg = rendered(mermaid_page, text)
    assert svg.startswith("<svg"), svg[:300]
    assert all(label in svg for label in labels)


def test_a_broken_text_is_refused_so_the_check_can_fail(mermaid_page: Page) -> None:
    broken = mermaid_source(tiny()).replace("flowchart LR", "flowchart LR\n  n0 --> [")
    assert rendered(mermaid_page, broken).startswith("error: ")


def test_the_renderer_is_the_installed_one() -> None:
    assert MERMAID.is_file() and Path(MERMAID).stat().st_size > 100_000
