"""Starting node under the host, with the socketpair of its control channel.

``graphkit watch`` calls this before it imports anything else, so this module imports little: Node starts
and loads the host (tens of milliseconds) while graphkit imports the rest of itself and watches the app's
folders. Such a start is *held*: the host waits for ``Command.RUN`` before Node runs the entry, so a folder
that cannot be watched stops graphkit before any of the app's code ran, and no save made once the entry
runs is missed.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, NamedTuple

from graphkit.errors import NodeError
from graphkit.live.lifeline import parent_death_signal
from graphkit.live.nodebin import find_node
from graphkit.model.urls import path_to_url

__all__ = ["HOST_SCRIPT", "Started", "host_command", "start_host"]

HOST_SCRIPT = Path(__file__).resolve().parent / "node_probe" / "host.mjs"

Streams = tuple[int | IO[Any] | None, int | IO[Any] | None, int | IO[Any] | None]


class Started(NamedTuple):
    """A node process under the host and graphkit's end of its control channel."""

    command: tuple[str, ...]
    process: subprocess.Popen[bytes]
    channel: socket.socket

    def run(self) -> None:
        """Let a held start run its entry (``Command.RUN``)."""
        import json  # after the start: nothing before it waits for these

        from graphkit.model.protocol import Command, Field

        with contextlib.suppress(OSError):  # an app already gone: its exit is read as any other
            self.channel.sendall(json.dumps({Field.ID: 0, Field.CMD: Command.RUN}).encode() + b"\n")

    def discard(self) -> None:
        """End a start that graphkit will not take over (the app has not run its entry if it was held)."""
        self.channel.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def host_command(
    entry: Path, node: str | Path = "node", node_options: Sequence[str] = (), args: Sequence[str] = ()
) -> tuple[str, ...]:
    """``node --expose-internals --import host.mjs [node_options] ENTRY [args]``; a missing or too old node
    is one clear line (NodeError), before anything starts."""
    return (
        find_node(node).path,
        "--expose-internals",
        "--import",
        path_to_url(HOST_SCRIPT),
        *node_options,
        str(entry),
        *args,
    )


def start_host(
    command: Sequence[str],
    *,
    streams: Streams = (None, None, None),
    pass_fds: Sequence[int] = (),
    kill_timeout: float = 10.0,
    hold: bool = False,
) -> Started:
    """Start ``command`` (a ``host_command``); ``hold`` keeps its entry from running until ``Command.RUN``."""
    ours, theirs = socket.socketpair()
    stdin, stdout, stderr = streams
    guard = parent_death_signal()  # the app must not outlive graphkit
    env = {
        **os.environ,
        "GRAPHKIT_HOST_FD": str(theirs.fileno()),
        "GRAPHKIT_HOST_KILL_MS": str(round(kill_timeout * 1000)),
        "GRAPHKIT_HOST_KERNEL_GUARD": "1" if guard is not None else "0",
        "GRAPHKIT_HOST_HOLD": "1" if hold else "0",
    }
    try:
        process = subprocess.Popen(
            command,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            pass_fds=(*pass_fds, theirs.fileno()),
            env=env,
            preexec_fn=guard,
        )
    except OSError as error:
        ours.close()
        raise NodeError(f"{command[0]}: cannot start node ({error.strerror})") from error
    finally:
        theirs.close()
    return Started(tuple(command), process, ours)
