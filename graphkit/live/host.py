"""Run an app under the graphkit HMR host and talk to it: live snapshots, eviction plans, restarts.

The app is started as ``node --expose-internals --import node_probe/host.mjs [options] ENTRY [args]``;
its stdin, stdout and stderr pass through. Requests travel as JSON lines over a socketpair whose child
end the app inherits (its number in ``GRAPHKIT_HOST_FD``), never over a TCP port. Development only: the
host rewrites Node's internal ESM cache, which only ``--expose-internals`` reaches and which changes
between Node versions.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from graphkit.errors import InputError, NodeError, ProbeError
from graphkit.live.mirror import Delta, delta_from_reply
from graphkit.live.nodebin import find_node
from graphkit.model import Command, EvictionPlan, ModuleGraph
from graphkit.model.codec import graph_from_dict, plan_to_dict
from graphkit.model.urls import path_to_url

__all__ = ["HOST_SCRIPT", "ApplyError", "ApplyResult", "Host"]

HOST_SCRIPT = Path(__file__).resolve().parent / "node_probe" / "host.mjs"


@dataclass(frozen=True, slots=True)
class ApplyError:
    """Why a reload was rolled back; ``file`` is a module URL when Node named one."""

    message: str
    file: str | None
    line: int | None
    column: int | None


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """One applied plan: ``ok`` False means the old code kept serving (``error`` says why)."""

    ok: bool
    evicted: int
    reimported: int
    ms: float
    error: ApplyError | None = None
    warnings: tuple[str, ...] = ()  # dispose, accept or update callbacks that threw


class Host:
    """An app process under the host; use as a context manager or call ``close()``."""

    def __init__(
        self,
        entry: Path,
        *,
        node: str | Path = "node",
        node_options: Sequence[str] = (),
        args: Sequence[str] = (),
        timeout: float = 10.0,
        stdin: int | IO[Any] | None = None,
        stdout: int | IO[Any] | None = None,
        stderr: int | IO[Any] | None = None,
    ) -> None:
        self.entry = entry.resolve()
        if not self.entry.is_file():
            raise InputError(f"{entry}: the entry is not a file")
        self.entry_url = path_to_url(self.entry)
        self._command = [
            find_node(node).path,  # a missing or too old node is one clear line, before anything starts
            "--expose-internals",
            "--import",
            path_to_url(HOST_SCRIPT),
            *node_options,
            str(self.entry),
            *args,
        ]
        self._streams = (stdin, stdout, stderr)
        self._timeout = timeout
        self._ids = itertools.count(1)
        self._start()

    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        stdin, stdout, stderr = self._streams
        try:
            self.process = subprocess.Popen(
                self._command,
                stdin=stdin,
                stdout=stdout,
                stderr=stderr,
                pass_fds=(theirs.fileno(),),
                env={**os.environ, "GRAPHKIT_HOST_FD": str(theirs.fileno())},
            )
        except OSError as error:
            ours.close()
            raise NodeError(f"{self._command[0]}: cannot start node ({error.strerror})") from error
        finally:
            theirs.close()
        ours.settimeout(self._timeout)
        self._channel = ours
        self._reader = ours.makefile("r", encoding="utf-8", newline="\n")

    def request(self, cmd: str, **fields: Any) -> dict[str, Any]:
        """Send one command and wait for its reply; a failed command raises ProbeError."""
        return self.receive(self.send(cmd, **fields), cmd)

    def send(self, cmd: str, **fields: Any) -> int:
        """Send a command without waiting; ``receive`` with the returned id reads its reply."""
        ident = next(self._ids)
        line = json.dumps({"id": ident, "cmd": cmd, **fields}) + "\n"
        try:
            self._channel.sendall(line.encode())
        except (BrokenPipeError, ConnectionResetError) as error:
            raise ProbeError(f"{self.entry}: {self._exit_reason()} during {cmd}") from error
        return ident

    def receive(self, ident: int, cmd: str) -> dict[str, Any]:
        """The reply to command ``ident``; replies to earlier commands nobody read are skipped."""
        try:
            while True:
                text = self._reader.readline()
                if not text:
                    raise ProbeError(f"{self.entry}: {self._exit_reason()} during {cmd}")
                reply: dict[str, Any] = json.loads(text)
                # The host answers a line it could not read with id null: that error is ours too.
                if reply.get("id") in (ident, None):
                    break
        except TimeoutError as error:
            raise ProbeError(f"{self.entry}: no reply to {cmd} within {self._timeout:g} s") from error
        except ConnectionResetError as error:
            raise ProbeError(f"{self.entry}: {self._exit_reason()} during {cmd}") from error
        if not reply.get("ok"):
            raise ProbeError(f"{self.entry}: {reply.get('error')}")
        return reply

    def _exit_reason(self) -> str:
        try:
            status = self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return "the host closed its channel"
        return f"the app exited with status {status}"

    def ping(self) -> str:
        """The app's Node version, e.g. ``v22.23.3``."""
        version: str = self.request("ping")["node"]
        return version

    def snapshot(self, sent: int | None = None) -> ModuleGraph:
        """The live graph; ``sent`` is the id of a snapshot command already sent (to overlap the wait)."""
        reply = self.receive(self.send("snapshot") if sent is None else sent, "snapshot")
        return graph_from_dict(reply["graph"], source=f"{self.entry} (live snapshot)")

    def changes(self, since: int, sent: int | None = None) -> Delta:
        """What the live graph gained and lost since journal answer ``since`` (all of it when 0)."""
        ident = self.send(Command.CHANGES, since=since) if sent is None else sent
        return delta_from_reply(self.receive(ident, Command.CHANGES), f"{self.entry} (live changes)")

    def accepting(self) -> frozenset[str]:
        """Modules whose current instance called ``hot.accept``."""
        return frozenset(self.request("accepting")["urls"])

    def apply(self, plan: EvictionPlan) -> ApplyResult:
        result = self.request("apply", plan=plan_to_dict(plan), entry=self.entry_url)["result"]
        error = result.get("error")
        failure = (
            ApplyError(error["message"], error["file"], error["line"], error["column"]) if error else None
        )
        return ApplyResult(
            ok=bool(result["ok"]),
            evicted=int(result["evicted"]),
            reimported=int(result["reimported"]),
            ms=float(result["ms"]),
            error=failure,
            warnings=tuple(result["warnings"]),
        )

    def sweep(self) -> tuple[str, ...]:
        """Drop the modules whose load failed so the app's next ``import()`` retries them; their URLs."""
        return tuple(self.request("sweep")["urls"])

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def restart(self) -> None:
        """A full reload: stop the app and start it again with the same command."""
        self.close()
        self._start()

    def close(self) -> int:
        """Stop the app (SIGTERM, then SIGKILL after a grace period) and return its exit status."""
        self._reader.close()
        self._channel.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()

    def __enter__(self) -> Host:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
