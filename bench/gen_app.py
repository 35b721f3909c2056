"""The generated app that `bench.hmr` reloads: an HTTP server reaching a tree of ES modules through import().

Layout (``package.json`` says ``"type": "module"``):

- ``main.mjs`` listens on 127.0.0.1 port 0, prints ``port N`` once listening, and on every request runs
  ``await import('./route.mjs')`` and answers with the route's ``page``;
- ``route.mjs`` is the root of a tree of ``tree/m<i>.mjs`` modules (fan-out ``FANOUT``); modules without
  children are leaves, each imported by exactly one parent. A leaf's text carries its version, the number
  of the save that wrote it (``leaf-v<N>``); each other module's text is its own line over the text of its
  newest child (``util.newest``), so the page shows the path down to the leaf saved last and stays a few
  lines long at any size, as a real app's response does not grow with the modules it loads;
- ``util.mjs`` is imported by every tree module and by the route, so changing it reloads the whole tree;
  every line of the page carries its stamp;
- with ``--packaged F`` (0 to 1), that share of the modules sits in ``node_modules/pkg<k>`` packages of
  about ``PACKAGE_MODULES`` modules each (a tree of their own, ``"type": "module"``, an ``exports`` entry)
  that the route imports statically: what real apps look like, most of what they load never changes.

Each module's text is computed once, when it is evaluated, so a request costs the same before and after a
reload. Run `.venv/bin/python -m bench.gen_app [--modules N] [--out DIR]` to write it by hand.

`bench.peers` asks for more, as keyword arguments of `generate`, none of which changes the modules above:
``heap`` makes main.mjs answer ``GET /heap`` with the heap used after full collections (node
``--expose-gc``); ``blob`` adds ``blob.mjs``, a module holding 1 MiB that the route imports;
``accept_route`` makes main.mjs accept updates of the route, as dynohot's README asks of the top module;
``package_fields`` go into package.json, e.g. hot-hook's ``hotHook.boundaries``.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.common import CACHE
from bench.memory import BLOB

__all__ = ["App", "blob_source", "generate", "leaf_source", "main_source", "util_source"]

FANOUT = 8
PACKAGE_MODULES = 100
DEFAULT_OUT = CACHE / "bench" / "app"

_HANDLER = """\
import { createServer } from 'node:http';

const server = createServer(async (request, response) => {
  try {
%s    const route = await import('./route.mjs');
    response.end(route.page);
  } catch (error) {
    response.statusCode = 500;
    response.end(String(error?.stack ?? error));
  }
});
server.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
"""
_HEAP_ROUTE = """\
    if (request.url === '/heap') {
      response.end(String(await heapUsed()));
      return;
    }
"""
# Finalizers and weak references are cleared from the event loop: yield between collections.
_HEAP = """
async function heapUsed() {
  for (let i = 0; i < 10; i += 1) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}
"""
# Without it dynohot reports the route's update as unaccepted; the server keeps running either way.
_ACCEPT_ROUTE = "\nimport.meta.hot?.accept('./route.mjs');\n"


def main_source(*, heap: bool = False, accept_route: bool = False) -> str:
    return _HANDLER % (_HEAP_ROUTE if heap else "") + (_HEAP if heap else "") + (
        _ACCEPT_ROUTE if accept_route else ""
    )


MAIN = main_source()


@dataclass(frozen=True, slots=True)
class App:
    folder: Path
    entry: Path
    util: Path
    leaves: tuple[Path, ...]
    modules: int  # every module of the app: main, route, util and the tree (and blob.mjs)
    blob: Path | None  # blob.mjs, when the route imports one


def blob_source(stamp: str) -> str:
    return f"export const stamp = '{stamp}';\n{BLOB}"


_NEWEST = "export const newest = (...modules) => modules.reduce((a, b) => (b.version > a.version ? b : a));\n"


def util_source(stamp: str) -> str:
    return f"export const stamp = '{stamp}';\nexport const tag = (name) => `${{name}}:${{stamp}}`;\n{_NEWEST}"


def leaf_source(name: str, version: int) -> str:
    """A leaf at save ``version``: its text carries the token ``leaf-v<version>``."""
    return (
        f"import {{ tag }} from '../util.mjs';\n\nexport const version = {version};\n"
        f"export const text = tag('{name}') + ' leaf-v{version}';\n"
    )


def _inner_source(name: str, children: list[int], child_prefix: str, util: str) -> str:
    imports = "".join(f"import * as m{c} from '{child_prefix}m{c}.mjs';\n" for c in children)
    newest = ", ".join(f"m{c}" for c in children)
    text = (
        f"const last = newest({newest});\nexport const version = last.version;\n"
        f"export const text = tag('{name}') + '\\n' + last.text;\n"
    )
    return f"import {{ newest, tag }} from '{util}';\n{imports}\n{text}"


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


def generate(
    modules: int = 500,
    out: Path = DEFAULT_OUT,
    *,
    packaged: float = 0.0,
    heap: bool = False,
    blob: bool = False,
    accept_route: bool = False,
    package_fields: Mapping[str, object] | None = None,
) -> App:
    """Write a fresh app of about ``modules`` modules into ``out``, ``packaged`` of them in packages."""
    in_packages = int(modules * packaged)
    count = max(modules - in_packages, FANOUT + 1)
    shutil.rmtree(out, ignore_errors=True)
    (out / "tree").mkdir(parents=True)
    package = {"type": "module", "private": True, **(package_fields or {})}
    (out / "package.json").write_text(json.dumps(package) + "\n")
    (out / "main.mjs").write_text(main_source(heap=heap, accept_route=accept_route))
    (out / "util.mjs").write_text(util_source("util-v0"))
    children = _children(count)  # node 0 is the route
    leaves = []
    for i in range(1, count + 1):
        path = out / "tree" / f"m{i}.mjs"
        if children.get(i):
            path.write_text(_inner_source(f"m{i}", children[i], "./", "../util.mjs"))
        else:
            path.write_text(leaf_source(f"m{i}", 0))
            leaves.append(path)
    packages = [
        min(PACKAGE_MODULES, in_packages - k * PACKAGE_MODULES)
        for k in range(-(-in_packages // PACKAGE_MODULES))
    ]
    for k, size in enumerate(packages):
        _package(out / "node_modules" / f"pkg{k}", f"pkg{k}", size)
    route = "".join(f"import {{ size as p{k} }} from 'pkg{k}';\n" for k in range(len(packages)))
    if blob:
        route += "import { stamp as blobStamp } from './blob.mjs';\n"
        (out / "blob.mjs").write_text(blob_source("blob-v0"))
    route += _inner_source("route", children[0], "./tree/", "./util.mjs")
    sizes = "".join(f" + p{k}" for k in range(len(packages)))
    shown = " + blobStamp + '\\n'" if blob else ""
    page = f"export const page = text + '\\npackaged ' + (0{sizes}) + '\\n'{shown};\n"
    (out / "route.mjs").write_text(route + page)
    modules_total = count + 3 + in_packages + blob
    blob_path = out / "blob.mjs" if blob else None
    return App(out, out / "main.mjs", out / "util.mjs", tuple(leaves), modules_total, blob_path)


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
