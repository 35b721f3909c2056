"""The TypeScript app fastify-cli 8.0.2 generates (`tests.fastify_cli_app.TS`), run as its package.json runs
it: `tsc -w` writing dist/ beside `fastify start dist/app.js`, here under `graphkit watch`. A save of a .ts
file reaches the app as tsc's rewrite of dist/ (each .js, then its .js.map)."""

from __future__ import annotations

import queue
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import NODE_MAJORS, node_binary
from tests.fastify_cli_app import TS, TSC, clean, compiled, fastify_cli_app, tsc_watch
from tests.test_fastify_cli_app import ROUTES, edit, write
from tests.test_watch import WAIT, Watching, free_port

# The line for a file no loaded module depends on: the .ts source, which only tsc reads.
# What a save of a source says when the app runs only tsc's output.
UNBUILT = "graphkit: {}: the app runs no TypeScript; nothing to reload until its build writes the JavaScript"
# A re-run for the files of one batch: the .js alone, or the .js beside its .ts when tsc wrote it at once.
RERAN = re.compile(r"graphkit: (.+?)(?: \(deleted\))?: re-ran the app in \d+ ms \(.*1 server handed over.*\)")


def test_typescript_6_refuses_the_generated_tsconfig_so_the_copy_sets_root_dir(tmp_path: Path) -> None:
    root = fastify_cli_app(tmp_path, TS)
    (root / "tsconfig.json").write_bytes((TS / "tsconfig.json").read_bytes())
    done = subprocess.run(
        [node_binary(24), TSC, "-p", "tsconfig.json"], cwd=root, capture_output=True, text=True, timeout=WAIT
    )
    assert done.returncode == 2 and "error TS5011" in done.stdout, done.stdout
    # What it emits anyway is not where the package.json scripts start it.
    assert (root / "dist" / "src" / "app.js").is_file() and not (root / "dist" / "app.js").exists()


def ts_route(relative: str) -> str:
    """The route file ``relative`` (a key of ``ROUTES``) as TypeScript in the generated routes' style."""
    return (
        "import { type FastifyPluginAsync } from 'fastify'\n\n"
        f"const route: FastifyPluginAsync = async (fastify) => {{\n  {ROUTES[relative]}\n}}\n\n"
        "export default route\n"
    )


def rebuilt(w: Watching, tsc: queue.Queue[str], source: str) -> None:
    """tsc rebuilt the save of ``source`` without errors and graphkit re-ran the app once, for the .js tsc
    wrote (the .js.map beside it asks nothing of the app), having said the app runs no TypeScript."""
    build = compiled(tsc)
    assert clean(build), build
    output = "dist/" + source.removeprefix("src/").removesuffix(".ts") + ".js"
    line = w.status()
    if line == UNBUILT.format(source):
        line = w.status()
    match = RERAN.fullmatch(line)
    assert match, line
    files = set(match[1].split(", "))
    assert output in files and files <= {output, source}, line


def deleted(w: Watching, tsc: queue.Queue[str], source: str) -> None:
    """tsc rebuilt without ``source``, and graphkit said the app runs no TypeScript (tsc writes nothing
    then)."""
    build = compiled(tsc)
    if not clean(build):  # tsc -w names the file missing until its folder's watcher catches up
        missing = f"{Path(source).name}' not found"
        assert any("error TS6053" in line and missing in line for line in build), build
        build = compiled(tsc)
    assert clean(build), build
    assert w.status() == UNBUILT.format(f"{source} (deleted)")


# fastify-cli 8 require()s ES modules (is-docker), which Node 18 cannot.
@pytest.mark.parametrize("major", [m for m in NODE_MAJORS if m >= 20], ids=lambda m: f"node{m}")
def test_tsc_w_beside_fastify_start_under_graphkit_watch_serves_each_save_from_the_same_process(
    major: int, tmp_path: Path
) -> None:
    node = node_binary(major)
    root = fastify_cli_app(tmp_path, TS)
    for relative in ("routes/pid.js", "routes/hugs.js"):
        (root / "src" / relative).with_suffix(".ts").write_text(ts_route(relative))
    port = free_port()
    start = ["--", "start", "-a", "127.0.0.1", "-p", str(port), str(root / "dist" / "app.js")]
    with tsc_watch(node, root) as tsc:
        w = Watching(node, root, start, entry="node_modules/fastify-cli/cli.js", port=port)
        try:
            pid = w.get("/pid")
            assert (w.get("/"), w.get("/hugs")) == ('{"root":true}', "hugs")

            edit(root, "src/routes/root.ts", "root: true", "root: 'v2'")
            rebuilt(w, tsc, "src/routes/root.ts")
            assert w.get("/") == '{"root":"v2"}'
            edit(root, "src/plugins/support.ts", "'hugs'", "'hugs v2'")
            rebuilt(w, tsc, "src/plugins/support.ts")
            assert w.get("/hugs") == "hugs v2"
            assert "Not Found" in w.get("/brandnew")
            write(root, "src/routes/brandnew.ts", ts_route("routes/brandnew.js"))
            rebuilt(w, tsc, "src/routes/brandnew.ts")
            assert w.get("/brandnew") == "brand new"

            # tsc -w never deletes what it wrote: the route stays until its dist/ files go too.
            (root / "src" / "routes" / "brandnew.ts").unlink()
            deleted(w, tsc, "src/routes/brandnew.ts")
            assert w.get("/brandnew") == "brand new"
            for built in ("brandnew.js", "brandnew.js.map"):
                (root / "dist" / "routes" / built).unlink()
            line = w.status()
            assert RERAN.fullmatch(line), line
            assert line.startswith("graphkit: dist/routes/brandnew.js (deleted): "), line
            assert "Not Found" in w.get("/brandnew")

            assert (w.get("/pid"), w.get("/"), w.get("/hugs")) == (pid, '{"root":"v2"}', "hugs v2")
            assert w.err.empty(), list(w.err.queue)
            assert w.stop() == 130
        finally:
            if w.process.poll() is None:
                w.process.kill()
                w.process.wait()
