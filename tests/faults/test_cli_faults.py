"""The command line as users type it: option order, `--`, usage on mistakes, closed pipes, load errors."""

from __future__ import annotations

import json
import os
import pkgutil
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import graphkit.cli as graphkit_cli
from tests.conftest import FIXTURES, node_binary
from tests.faults.helpers import GRAPHKIT, graphkit, one_error_line

DEMO = FIXTURES / "demo"
WAIT = 30.0  # seconds; only reached when something is broken


@pytest.fixture
def app(tmp_path: Path) -> Path:
    """An app with no package.json, so nothing but ENTRY can name its entry."""
    (tmp_path / "main.mjs").write_text('import { page } from "./routes/x.mjs";\nconsole.log(page);\n')
    (tmp_path / "routes").mkdir()
    (tmp_path / "routes" / "x.mjs").write_text('export const page = "x";\n')
    return tmp_path


@pytest.fixture
def echo_app(tmp_path: Path) -> Path:
    """Prints its arguments and node options as one JSON line, then keeps running until stopped."""
    entry = tmp_path / "main.mjs"
    entry.write_text(
        "console.log(JSON.stringify({ args: process.argv.slice(2), node: process.execArgv }));\n"
        "setInterval(() => {}, 1 << 30);\n"
    )
    return entry


def first_line_of_watch(*args: str | Path) -> dict[str, list[str]]:
    """Start `graphkit watch ARGS`, read the app's first line, then stop it as a user would (SIGTERM)."""
    process = subprocess.Popen(
        [*GRAPHKIT, "watch", "--node", node_binary(22), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, process.stderr.read() if process.stderr else ""
        return dict(json.loads(line))
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=WAIT)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_watch_takes_options_after_entry_and_app_arguments_after_dashes(echo_app: Path) -> None:
    seen = first_line_of_watch(echo_app, "--node-option=--enable-source-maps", "--", "a", "--b")
    assert seen["args"] == ["a", "--b"]
    assert "--enable-source-maps" in seen["node"]


def test_watch_takes_a_node_option_after_a_space(echo_app: Path) -> None:
    seen = first_line_of_watch("--node-option", "--max-old-space-size=64", echo_app)
    assert "--max-old-space-size=64" in seen["node"]
    assert seen["args"] == []


def test_every_subcommand_module_is_a_command_of_the_help() -> None:
    found = pkgutil.iter_modules(graphkit_cli.__path__)
    modules = sorted(m.name for m in found if not m.name.startswith("_"))
    run = graphkit("--help")
    listed = re.findall(r"^    (\w+) ", run.out, re.MULTILINE)
    assert (run.status, listed) == (0, modules)


@pytest.mark.parametrize(
    ("command", "args"),
    [("watch", ["main.mjs", "stray"]), ("scan", ["--bogus", "main.mjs"]), ("plan", ["x.mjs", "--nope"])],
)
def test_a_mistake_shows_the_subcommands_own_usage(command: str, args: list[str]) -> None:
    run = graphkit(command, *args)
    assert run.status == 2
    assert run.err.startswith(f"usage: graphkit {command} ")
    assert "unrecognized arguments" in run.err_lines[-1]


def test_graph_plan_takes_the_file_entry_as_the_apps_entry(app: Path) -> None:
    run = graphkit("graph", app / "main.mjs", "--plan", app / "routes" / "x.mjs", "--collapse", "none")
    assert (run.status, run.err) == (0, "")
    assert "main.mjs" in run.out and "x.mjs" in run.out


def test_plan_writes_to_the_file_given_with_o(app: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    run = graphkit("plan", "--json", "-o", out, "--entry", app / "main.mjs", app / "routes" / "x.mjs")
    assert (run.status, run.out, run.err) == (0, "", "")
    assert json.loads(out.read_text()) == json.loads(
        graphkit("plan", "--json", "--entry", app / "main.mjs", app / "routes" / "x.mjs").out
    )


CLOSED_PIPE_COMMANDS = {
    "scan": ["scan", DEMO],
    "scan-json": ["scan", "--json", DEMO],
    "graph": ["graph", DEMO / "main.mjs"],
    "plan": ["plan", DEMO / "routes" / "home.mjs"],
    "live": ["live", "--node", node_binary(22), DEMO / "main.mjs"],
    "reconcile": ["reconcile", "--node", node_binary(22), DEMO / "main.mjs"],
}


@pytest.mark.parametrize("name", sorted(CLOSED_PIPE_COMMANDS))
def test_closed_pipe_ends_the_command_quietly(name: str) -> None:
    """`graphkit ... | head -1`, with the reader gone before the first write: no BrokenPipeError."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [*GRAPHKIT, *map(str, CLOSED_PIPE_COMMANDS[name])],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write)
    assert done.stderr == ""
    assert done.returncode == 128 + signal.SIGPIPE


def test_a_pipe_closed_after_the_first_line_ends_the_command_with_141(tmp_path: Path) -> None:
    """`graphkit scan DIR --json | head -1` on a document far larger than a pipe holds."""
    for i in range(400):
        (tmp_path / f"module-with-a-long-name-{i:04}.mjs").write_text(
            "".join(f"import './module-with-a-long-name-{j:04}.mjs';\n" for j in range(i, i + 3))
        )
    process = subprocess.Popen(
        [*GRAPHKIT, "scan", "--json", "--no-cache", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline() == b"{\n"
    process.stdout.close()  # as head -1 exits: the rest of the document meets a closed pipe
    try:
        assert process.wait(timeout=120) == 128 + signal.SIGPIPE
    finally:
        process.kill()
    assert process.stderr.read() == b""


@pytest.fixture
def broken(tmp_path: Path) -> Iterator[dict[str, Path]]:
    (tmp_path / "missing-import.mjs").write_text('import "./nowhere.mjs";\n')
    (tmp_path / "data.foo").write_text("x\n")
    (tmp_path / "unknown-extension.mjs").write_text('import "./data.foo";\n')
    yield {
        "missing-import": tmp_path / "missing-import.mjs",
        "unknown-extension": tmp_path / "unknown-extension.mjs",
    }


@pytest.mark.parametrize(
    ("case", "code"),
    [("missing-import", "ERR_MODULE_NOT_FOUND"), ("unknown-extension", "ERR_UNKNOWN_FILE_EXTENSION")],
)
def test_live_on_an_entry_that_fails_to_load_exits_1_naming_the_error(
    broken: dict[str, Path], case: str, code: str
) -> None:
    run = graphkit("live", "--node", node_binary(22), broken[case])
    assert run.status == 1
    one_error_line(run, str(broken[case]), code)


def test_live_json_on_an_entry_that_fails_to_load_still_prints_the_problem_rows(
    broken: dict[str, Path],
) -> None:
    run = graphkit("live", "--json", "--node", node_binary(22), broken["missing-import"])
    assert run.status == 1
    one_error_line(run, "ERR_MODULE_NOT_FOUND")
    problems = json.loads(run.out)["problems"]
    assert [p["code"] for p in problems] == ["ERR_MODULE_NOT_FOUND"]


def test_reconcile_names_the_load_error(broken: dict[str, Path]) -> None:
    run = graphkit("reconcile", "--node", node_binary(22), broken["missing-import"])
    assert run.status == 1
    one_error_line(run, str(broken["missing-import"]), "ERR_MODULE_NOT_FOUND")


def test_version_and_hot_types_print_one_line_and_exit_0() -> None:
    from importlib.metadata import version

    done = graphkit("--version")
    assert (done.status, done.out, done.err) == (0, f"graphkit {version('esm-graphkit')}\n", "")
    done = graphkit("--hot-types")
    assert done.status == 0 and Path(done.out.strip()).name == "hot.d.ts" and Path(done.out.strip()).is_file()
