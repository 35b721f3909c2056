"""The generated app that `bench.hmr` reloads: an HTTP server reaching a tree of ES modules through import().

Layout (``package.json`` says ``"type": "module"``):

- ``main.mjs`` listens on 127.0.0.1 port 0, prints ``port N`` once listening, and on every request runs
  ``await import('./route.mjs')`` and answers with the route's ``page``;
- ``route.mjs`` is the root of a tree of ``tree/m<i>.mjs`` modules (fan-out ``FANOUT``); modules without
  children are leaves, each imported by exactly one parent;
- ``util.mjs`` is imported by every tree module and by the route, so changing it reloads the whole tree;
- with ``--packaged F`` (0 to 1), that share of the modules sits in ``node_modules/pkg<k>`` packages of
  about ``PACKAGE_MODULES`` modules each (a tree of their own, ``"type": "module"``, an ``exports`` entry)
  that the route imports statically: what real apps look like, most of what they load never changes.

Each module's text is computed once, when it is evaluated, so a request costs the same before and after a
reload. Run `.venv/bin/python -m bench.gen_app [--modules N] [--out DIR]` to write it by hand.
"""

from __future__ import annotations

import argparse
import shutil
from dataclasses import dataclass
from pathlib import Path

from bench.common import CACHE

__all__ = ["App", "generate", "leaf_source", "util_source"]

FANOUT = 8
PACKAGE_MODULES = 100
DEFAULT_OUT = CACHE / "bench" / "app"

MAIN = """\
import { createServer } from 'node:http';

const server = createServer(async (request, response) => {
  try {
    const route = await import('./route.mjs');
    response.end(route.page);
  } catch (error) {
    response.statusCode = 500;
    response.end(String(error?.stack ?? error));
  }
});
server.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
"""


@dataclass(frozen=True, slots=True)
class App:
    folder: Path
    entry: Path
    util: Path
    leaves: tuple[Path, ...]
    modules: int  # every module of the app: main, route, util and the tree


def util_source(stamp: str) -> str:
    return f"export const stamp = '{stamp}';\nexport const tag = (name) => `${{name}}:${{stamp}}`;\n"


def leaf_source(name: str, stamp: str) -> str:
    return f"import {{ tag }} from '../util.mjs';\n\nexport const text = tag('{name}') + ' {stamp}';\n"


def _inner_source(name: str, children: list[int], child_prefix: str, util: str) -> str:
    imports = "".join(f"import {{ text as t{c} }} from '{child_prefix}m{c}.mjs';\n" for c in children)
    joined = " + '\\n' + ".join(f"t{c}" for c in children)
    text = f"export const text = tag('{name}') + '\\n' + {joined};\n"
    return f"import {{ tag }} from '{util}';\n{imports}\n{text}"


def _children(count: int) -> dict[int, list[int]]:
    """Breadth-first numbering: node i's children are FANOUT*i + 1 .. FANOUT*i + FANOUT, up to ``count``."""
    return {i: list(range(FANOUT * i + 1, min(FANOUT * (i + 1), count) + 1)) for i in range(count + 1)}


def _package(folder: Path, name: str, count: int) -> None:
    """A package of ``count`` modules: index.js and lib/m<i>.js, each exporting the size of its subtree."""
    (folder / "lib").mkdir(parents=True)
    (folder / "package.json").write_text(
        f'{{"name": "{name}", "type": "module", "exports": "./index.js"}}\n'
    )
    children = _children(count - 1)
    for i in range(count):
        path = folder / ("index.js" if i == 0 else f"lib/m{i}.js")
        prefix = "./lib/" if i == 0 else "./"
        imports = "".join(f"import {{ size as s{c} }} from '{prefix}m{c}.js';\n" for c in children[i])
        total = "".join(f" + s{c}" for c in children[i])
        path.write_text(f"{imports}export const size = 1{total};\n")


def generate(modules: int = 500, out: Path = DEFAULT_OUT, *, packaged: float = 0.0) -> App:
    """Write a fresh app of about ``modules`` modules into ``out``, ``packaged`` of them in packages."""
    in_packages = int(modules * packaged)
    count = max(modules - in_packages, FANOUT + 1)
    shutil.rmtree(out, ignore_errors=True)
    (out / "tree").mkdir(parents=True)
    (out / "package.json").write_text('{"type": "module", "private": true}\n')
    (out / "main.mjs").write_text(MAIN)
    (out / "util.mjs").write_text(util_source("util-v0"))
    children = _children(count)  # node 0 is the route
    leaves = []
    for i in range(1, count + 1):
        path = out / "tree" / f"m{i}.mjs"
        if children.get(i):
            path.write_text(_inner_source(f"m{i}", children[i], "./", "../util.mjs"))
        else:
            path.write_text(leaf_source(f"m{i}", "leaf-v0"))
            leaves.append(path)
    packages = [
        min(PACKAGE_MODULES, in_packages - k * PACKAGE_MODULES)
        for k in range(-(-in_packages // PACKAGE_MODULES))
    ]
    for k, size in enumerate(packages):
        _package(out / "node_modules" / f"pkg{k}", f"pkg{k}", size)
    route = "".join(f"import {{ size as p{k} }} from 'pkg{k}';\n" for k in range(len(packages)))
    route += _inner_source("route", children[0], "./tree/", "./util.mjs")
    sizes = "".join(f" + p{k}" for k in range(len(packages)))
    page = f"export const page = text + '\\npackaged ' + (0{sizes}) + '\\n';\n"
    (out / "route.mjs").write_text(route + page)
    return App(out, out / "main.mjs", out / "util.mjs", tuple(leaves), count + 3 + in_packages)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--modules", type=int, default=500, help="modules in the tree (default 500)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default {DEFAULT_OUT}")
    parser.add_argument("--packaged", type=float, default=0.0, help="share of modules in packages (0-1)")
    args = parser.parse_args()
    app = generate(args.modules, args.out, packaged=args.packaged)
    print(f"{app.modules} modules, {len(app.leaves)} leaves in {app.folder}")


if __name__ == "__main__":
    main()
