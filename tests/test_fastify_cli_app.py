"""The app fastify-cli 8.0.2 generates (`tests.fastify_cli_app`): the copy tests edit, and both ways of
starting it serving its generated routes under `graphkit watch`."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, NODE_MAJORS, node_binary
from tests.fastify_cli_app import CJS, ENTRIES, GENERATED, INSTALL, OUT_DIR, ROOT_DIR, TS, fastify_cli_app
from tests.test_watch import Watching, free_port


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


def test_the_typescript_copy_is_the_generated_app_with_a_root_dir_and_shares_the_runtime_packages(
    tmp_path: Path,
) -> None:
    root = fastify_cli_app(tmp_path, TS)
    copied, generated = files(root), files(TS)
    tsconfig = generated.pop("tsconfig.json").decode()
    assert copied.pop("tsconfig.json").decode() == tsconfig.replace(OUT_DIR, OUT_DIR + ROOT_DIR)
    assert copied == generated
    assert (root / "node_modules").resolve() == TS / "node_modules"
    assert (root / "node_modules" / "typescript" / "bin" / "tsc").is_file()
    for package in ("fastify", "fastify-cli", "@fastify/autoload"):
        assert (root / "node_modules" / package).resolve() == GENERATED / "node_modules" / package


def test_a_missing_install_fails_naming_the_script(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match=f"absent is missing: run {INSTALL}"):
        fastify_cli_app(tmp_path, tmp_path / "absent")


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


# Route files the tests add beside the generated ones: the app's pid, the plugin's decorator, a new route.
ROUTES = {
    "routes/pid.js": "fastify.get('/pid', async () => String(process.pid))",
    "routes/hugs.js": "fastify.get('/hugs', async () => fastify.someSupport())",
    "routes/brandnew.js": "fastify.get('/brandnew', async () => 'brand new')",
}


def route(relative: str, generated: Path) -> str:
    """The route file ``relative`` in the module syntax of the ``generated`` app."""
    export = "module.exports =" if generated == CJS else "export default"
    return f"{export} async function (fastify) {{\n  {ROUTES[relative]}\n}}\n"
RERAN = re.compile(r"graphkit: (\S+)(?: \(deleted\))?: re-ran the app in \d+ ms \(.*1 server handed over.*\)")


def write(root: Path, relative: str, text: str) -> None:
    """Saves as editors that write a copy and rename it do: the app never reads half a file."""
    copy = root / f".{Path(relative).name}.new"
    copy.write_text(text)
    copy.replace(root / relative)


def edit(root: Path, relative: str, old: str, new: str) -> None:
    text = (root / relative).read_text()
    assert old in text, f"{relative} has no {old!r}"
    write(root, relative, text.replace(old, new))


def reran(w: Watching, file: str) -> None:
    line = w.status()
    match = RERAN.fullmatch(line)
    assert match and match[1] == file, line


def generated_app(tmp_path: Path, generated: Path = GENERATED) -> Path:
    root = fastify_cli_app(tmp_path, generated)
    for relative in ("routes/pid.js", "routes/hugs.js"):
        (root / relative).write_text(route(relative, generated))
    return root


def starts() -> list[object]:
    # Fastify 5 names Node 20 as its minimum, yet runs on 18.
    esm = [pytest.param(m, GENERATED, e, id=f"node{m}-{e}") for m in NODE_MAJORS for e in ENTRIES]
    return [*esm, *(pytest.param(m, CJS, "server.js", id=f"node{m}-commonjs") for m in NODE_MAJORS)]


@pytest.mark.parametrize(("major", "generated", "entry"), starts())
def test_saves_new_and_deleted_route_files_are_served_by_the_same_process(
    major: int, generated: Path, entry: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PORT", "0")
    root = generated_app(tmp_path, generated)
    w = Watching(node_binary(major), root, entry=entry)
    try:
        pid = w.get("/pid")
        assert w.get("/") == '{"root":true}'
        assert w.get("/hugs") == "hugs"

        # A route that @fastify/autoload imported: the app re-runs in place and serves the new code.
        edit(root, "routes/root.js", "root: true", "root: 'v2'")
        reran(w, "routes/root.js")
        assert w.get("/") == '{"root":"v2"}'
        # vim's save renames the file away, then writes it anew: one save, not a deletion then a new file.
        saved = root / "routes" / "root.js"
        text = saved.read_text()
        saved.rename(root / "routes" / "root.js~")
        time.sleep(0.02)  # the editor between its rename and its write: the pause is the scenario
        saved.write_text(text.replace("'v2'", "'v3'"))
        (root / "routes" / "root.js~").unlink()
        reran(w, "routes/root.js")
        assert w.get("/") == '{"root":"v3"}'
        # A plugin the routes depend on.
        edit(root, "plugins/support.js", "'hugs'", "'hugs v2'")
        reran(w, "plugins/support.js")
        assert w.get("/hugs") == "hugs v2"
        # A new file in a folder the loader reads at boot: the re-run app registers it.
        assert "Not Found" in w.get("/brandnew")
        write(root, "routes/brandnew.js", route("routes/brandnew.js", generated))
        reran(w, "routes/brandnew.js")
        assert w.get("/brandnew") == "brand new"
        # And a deleted one is gone.
        (root / "routes" / "brandnew.js").unlink()
        reran(w, "routes/brandnew.js")
        assert "Not Found" in w.get("/brandnew")

        assert (w.get("/pid"), w.get("/"), w.get("/hugs")) == (pid, '{"root":"v3"}', "hugs v2")
        assert w.stop() == 130
    finally:
        if w.process.poll() is None:
            w.process.kill()
            w.process.wait()


@pytest.mark.parametrize("major", [22, 24])
def test_an_app_started_by_fastify_cli_re_runs_in_place(
    major: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = generated_app(tmp_path)
    port = free_port()
    start = ["--", "start", "-a", "127.0.0.1", "-p", str(port), str(root / "app.js")]
    w = Watching(node_binary(major), root, start, entry="node_modules/fastify-cli/cli.js", port=port)
    try:
        pid = w.get("/pid")
        edit(root, "routes/root.js", "root: true", "root: 'v2'")
        reran(w, "routes/root.js")
        assert (w.get("/"), w.get("/pid")) == ('{"root":"v2"}', pid)
    finally:
        if w.process.poll() is None:
            w.process.kill()
            w.process.wait()
