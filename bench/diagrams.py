"""The same diagram three ways: zod's source through graphkit, dependency-cruiser and madge.

Run: `make ts-corpus peers` once, then `.venv/bin/python -m bench.diagrams` (`--runs 3`, `--docs` to
write the pictures into docs/). zod 4.6.7's `src/` is copied outside node_modules, its tests left out
(`--exclude`), and each tool writes DOT with its defaults: `graphkit graph src --resolve typescript`,
`depcruise src --no-config --output-type dot`, `madge --extensions ts --dot src`. Graphviz's `dot` draws
each one the same way; the table gives the tool's wall time (median of fresh processes, graphkit's with
an empty cache folder), the drawing's size in points and its SVG bytes, each against graphkit's. With
`--docs`, a PNG of each and a screenshot of graphkit's HTML page (Debian's
chromium, `make chromium`) go to docs/. Asserts nothing: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from bench.common import CACHE, PEERS, REPO

ZOD = CACHE / "ts-corpus" / "node_modules" / "zod" / "src"
NODE = CACHE / "node" / "22" / "bin"
GRAPHKIT = REPO / ".venv" / "bin" / "graphkit"
EXCLUDE = "(^|/)tests/"


@dataclass(frozen=True, slots=True)
class Drawing:
    tool: str
    seconds: float  # median wall time to write the DOT
    dot: str
    edges: int
    width: float  # points, as dot lays it out
    height: float
    svg_bytes: int


def commands(src: Path) -> dict[str, list[str]]:
    return {
        "graphkit": [str(GRAPHKIT), "graph", str(src), "--resolve", "typescript", "--exclude", EXCLUDE],
        "dependency-cruiser": [
            str(PEERS / ".bin" / "depcruise"),
            str(src),
            "--no-config",
            "--exclude",
            EXCLUDE,
            "--output-type",
            "dot",
        ],
        "madge": [
            str(PEERS / ".bin" / "madge"),
            "--extensions",
            "ts",
            "--exclude",
            "tests/",
            "--dot",
            str(src),
        ],
    }


def draw(tool: str, command: list[str], cwd: Path, runs: int) -> Drawing:
    samples, text = [], ""
    for run in range(runs):
        cache = cwd.parent / f"cache-{tool}-{run}"  # graphkit's scan cache, empty: a cold scan as the peers'
        env = {**os.environ, "PATH": f"{NODE}:{os.environ['PATH']}", "GRAPHKIT_CACHE_DIR": str(cache)}
        out = cwd.parent / f"{tool}.dot"
        with out.open("wb") as sink:  # a file, not a pipe: Node may exit before a pipe takes all it wrote
            start = time.perf_counter()
            subprocess.run(command, cwd=cwd, env=env, stdout=sink, stderr=subprocess.DEVNULL, check=True)
            samples.append(time.perf_counter() - start)
        text = out.read_text()
    drawn = subprocess.run(["dot", "-Tsvg"], input=text.encode(), capture_output=True, check=False)
    if drawn.returncode != 0:
        raise SystemExit(f"{tool}: dot failed: {drawn.stderr.decode(errors='replace').strip()[:500]}")
    svg = drawn.stdout
    root = ET.fromstring(svg)
    width, height = (float(root.get(side, "0pt").removesuffix("pt")) for side in ("width", "height"))
    edges = sum(1 for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "edge")
    return Drawing(tool, sorted(samples)[len(samples) // 2], text, edges, width, height, len(svg))


def screenshot_page(src: Path, target: Path) -> None:
    from playwright.sync_api import sync_playwright

    page_file = target.with_suffix(".html")
    subprocess.run(
        [
            str(GRAPHKIT),
            "graph",
            str(src),
            "--resolve",
            "typescript",
            "--exclude",
            EXCLUDE,
            "-o",
            str(page_file),
        ],
        check=True,
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            shown = browser.new_page(viewport={"width": 1400, "height": 860})
            shown.goto(page_file.as_uri())
            shown.fill("#search", "schemas.ts")
            shown.press("#search", "Enter")
            shown.screenshot(path=str(target))
        finally:
            browser.close()
    page_file.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--docs", action="store_true", help="write the pictures into docs/")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        src = Path(folder) / "zod" / "src"
        shutil.copytree(ZOD, src)
        drawings = [draw(tool, command, src.parent, args.runs) for tool, command in commands(src).items()]
        base = drawings[0]
        print("| tool | time (s) | vs graphkit | edges drawn | drawing (pt) | area vs graphkit | SVG kB |")
        print("|---|---|---|---|---|---|---|")
        for d in drawings:
            area = d.width * d.height / (base.width * base.height)
            print(
                f"| {d.tool} | {d.seconds:.2f} | {d.seconds / base.seconds:.1f}x | {d.edges} | "
                f"{d.width:.0f} x {d.height:.0f} | {area:.2f}x | {d.svg_bytes / 1000:.0f} |"
            )
        if args.docs:
            docs = REPO / "docs"
            docs.mkdir(exist_ok=True)
            for d in drawings:
                png = subprocess.run(
                    ["dot", "-Tpng", "-Gdpi=28"], input=d.dot.encode(), capture_output=True, check=True
                ).stdout
                (docs / f"zod-{d.tool}.png").write_bytes(png)
            screenshot_page(src, docs / "zod-page.png")
            print(f"pictures written to {docs}")


if __name__ == "__main__":
    main()
