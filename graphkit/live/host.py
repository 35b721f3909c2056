"""Run an app under the graphkit HMR host and talk to it: live snapshots, eviction plans, restarts.

The app is started as ``node --expose-internals --import node_probe/host.mjs [options] ENTRY [args]``;
its stdin, stdout and stderr pass through. Requests travel as JSON lines over a socketpair whose child
end the app inherits (its number in ``GRAPHKIT_HOST_FD``), never over a TCP port. Development only: the
host rewrites Node's internal ESM cache, which only ``--expose-internals`` reaches and which changes
between Node versions.

Stopping the app is what ``node`` would see from a terminal: one signal, then a grace period
(``kill_timeout``) before SIGKILL. Before it closes the channel, graphkit tells the host it is stopping the
app itself (``Command.STOPPING``), so the channel's close is not taken for graphkit's death: only a channel
that closes without that word makes the host end the app (``node_probe/host.mjs``), and then without a
signal of its own where the kernel already sends one (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import select
import signal
import subprocess
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from graphkit.errors import InputError, ProbeError
from graphkit.live.locate import locate_missing
from graphkit.live.spawn import HOST_SCRIPT, Started, host_command, start_host
from graphkit.model.protocol import ApplyField, Command, Effect, Field
from graphkit.model.urls import path_to_url

# What reads and writes graph documents is imported by the methods that do: `graphkit watch` starts the app
# with this module before anything else is imported (graphkit.hmr.launch).
if TYPE_CHECKING:
    from graphkit.live.mirror import Delta
    from graphkit.model import EvictionPlan, ModuleGraph

__all__ = ["HOST_SCRIPT", "ApplyError", "ApplyResult", "HeldOld", "Host", "KeptOld", "exit_words"]

# How often a wait for a reply checks on the app and calls ``waiting``, in seconds.
_SLICE = 0.1

Waiting = Callable[[str, float], None]


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
    released: dict[Effect, int] = field(default_factory=dict)  # effects of evicted instances, per kind
    handed_over: int = 0  # released servers whose listening socket a re-run server took
    stale: tuple[str, ...] = ()  # evicted modules the re-run app did not import again: not what it serves
    checking: int = 0  # old instances this reload in place left for ``Host.kept`` to check


@dataclass(frozen=True, slots=True)
class KeptOld:
    """(importer, module) pairs: the importer may still hold the old instance of the module that the last
    reload in place replaced. ``checked`` False: the app's Node (18) cannot tell a kept instance from one
    not freed yet, so every instance that an importer ``import()``ed once is named."""

    pairs: frozenset[tuple[str, str]]
    checked: bool


@dataclass(frozen=True, slots=True)
class HeldOld:
    """Evicted modules the app still held once their re-run was over (each named once: code that stayed
    holds the old code), and how many old instances are still to be checked (none on Node 18, which
    cannot)."""

    urls: tuple[str, ...]
    pending: int


class Host:
    """An app process under the host; use as a context manager or call ``close()``.

    Without ``waiting``, a reply that takes longer than ``timeout`` seconds raises ProbeError (the late
    reply is skipped when it comes). With it, a reply is waited for as long as the app runs:
    ``waiting(cmd, seconds)`` is called every tenth of a second meanwhile and may raise to stop waiting.
    A request holds the app's queue of requests for at most ``timeout`` seconds. A ``hot.dispose``,
    ``hot.accept`` or update callback that has not settled after ``dispose_timeout`` seconds is skipped
    and reported as a warning naming its module. ``started`` is the app when it was already started with
    these options (``start_host``; ``graphkit watch`` starts it held, before the rest of graphkit loads):
    restarts run its command.
    """

    def __init__(
        self,
        entry: Path,
        *,
        node: str | Path = "node",
        node_options: Sequence[str] = (),
        args: Sequence[str] = (),
        timeout: float = 10.0,
        dispose_timeout: float = 5.0,
        waiting: Waiting | None = None,
        stdin: int | IO[Any] | None = None,
        stdout: int | IO[Any] | None = None,
        stderr: int | IO[Any] | None = None,
        kill_timeout: float = 10.0,
        pass_fds: Sequence[int] = (),
        started: Started | None = None,
    ) -> None:
        self.entry = entry.resolve()
        if not self.entry.is_file():
            raise InputError(f"{entry}: the entry is not a file")
        self.entry_url = path_to_url(self.entry)
        self._command = (
            started.command if started is not None else host_command(self.entry, node, node_options, args)
        )
        self._streams = (stdin, stdout, stderr)
        self._timeout = timeout
        self._dispose_timeout = dispose_timeout
        self._kill_timeout = kill_timeout
        self._pass_fds = tuple(pass_fds)
        self.waiting = waiting
        # Where the host's own lines go (a refused channel line, a SIGKILL); a Python warning when unset.
        self.report: Callable[[str], None] | None = None
        self._signalled: tuple[int, signal.Signals] | None = None  # an app's pid and its one stop signal
        self._ids = itertools.count(1)
        self._start(started)

    def _start(self, started: Started | None = None) -> None:
        if started is None:
            started = start_host(
                self._command, streams=self._streams, pass_fds=self._pass_fds, kill_timeout=self._kill_timeout
            )
        self.process = started.process
        self._channel = started.channel
        self._buffer = bytearray()
        self._scanned = 0
        self._asked: set[int] = set()  # commands sent by ``ask``: their replies are kept when read early
        self._kept: dict[int, dict[str, Any]] = {}

    def request(self, cmd: str, **fields: Any) -> dict[str, Any]:
        """Send one command and wait for its reply; a failed command raises ProbeError."""
        return self.receive(self.send(cmd, **fields), cmd)

    def send(self, cmd: str, **fields: Any) -> int:
        """Send a command without waiting; ``receive`` with the returned id reads its reply. Each of
        ``fields`` is named as a ``Field`` of the protocol (a ValueError otherwise)."""
        ident = next(self._ids)
        request = {
            Field.ID: ident,
            Field.CMD: cmd,
            Field.HOLD_MS: round(self._timeout * 1000),
            **{Field(name): value for name, value in fields.items()},
        }
        line = json.dumps(request) + "\n"
        try:
            self._channel.sendall(line.encode())
        except (BrokenPipeError, ConnectionResetError) as error:
            reason = self._exit_reason()
            raise ProbeError(f"{self.entry}: {reason} while graphkit was {_doing(cmd)}") from error
        return ident

    def receive(self, ident: int, cmd: str) -> dict[str, Any]:
        """The reply to command ``ident``; replies to earlier commands nobody reads are skipped."""
        started = time.monotonic()
        while (reply := self._kept.pop(ident, None)) is None:
            if (line := self._take_line()) is None:
                self._wait_readable(cmd, started)
                self._read(cmd)
            elif (reply := self._sort(line)) is not None and reply.get(Field.ID) in (ident, None):
                # The host answers a line it could not read with id null: that error is ours too.
                break
        self._asked.discard(ident)
        return self._checked(reply)

    def ask(self, cmd: str, **fields: Any) -> int:
        """Send a command whose reply ``answered`` picks up later, without ever waiting for it."""
        ident = self.send(cmd, **fields)
        self._asked.add(ident)
        return ident

    def answered(self, ident: int) -> dict[str, Any] | None:
        """The reply to an ``ask``ed command if it has arrived, else None; never waits."""
        while ident not in self._kept and select.select([self._channel], [], [], 0)[0]:
            try:
                chunk = self._channel.recv(1 << 16)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                return None  # the app is gone: the watch loop sees it exit
            self._buffer += chunk
            while (line := self._take_line()) is not None:
                self._sort(line)
        reply = self._kept.pop(ident, None)
        if reply is None:
            return None
        self._asked.discard(ident)
        return self._checked(reply)

    def forget(self, ident: int) -> None:
        """Stop keeping the reply of an ``ask``ed command."""
        self._asked.discard(ident)
        self._kept.pop(ident, None)

    def _checked(self, reply: dict[str, Any]) -> dict[str, Any]:
        if not reply.get(Field.OK):
            raise ProbeError(f"{self.entry}: {reply.get(Field.ERROR)}")
        return reply

    def _sort(self, line: bytes) -> dict[str, Any] | None:
        """A reply to keep for ``answered`` is kept (None returned); any other is returned. A line that is
        not a reply (the app's own code wrote to the channel's fd) is refused with one line and skipped."""
        try:
            reply = json.loads(line)
        except ValueError:
            reply = None
        if not isinstance(reply, dict) or not _is_reply(reply):
            self._say(
                f"graphkit: {self.entry}: ignored a line on graphkit's control channel that is not a reply"
                f" from the host ({_preview(line)}); the app's code should not write to that file descriptor"
            )
            return None
        if reply.get(Field.ID) in self._asked:
            self._kept[reply[Field.ID]] = reply
            return None
        return reply

    def _take_line(self) -> bytes | None:
        end = self._buffer.find(b"\n", self._scanned)
        if end < 0:
            self._scanned = len(self._buffer)  # a long reply is searched once, not once per chunk
            return None
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        self._scanned = 0
        return line

    def _wait_readable(self, cmd: str, started: float) -> None:
        """Wait until the channel has data, as the class docstring says."""
        while True:
            elapsed = time.monotonic() - started
            if self.waiting is None and elapsed >= self._timeout:
                raise ProbeError(
                    f"{self.entry}: the app did not answer within {self._timeout:g} s while graphkit was"
                    f" {_doing(cmd)}"
                )
            if self.waiting is not None:
                self.waiting(cmd, elapsed)
            if select.select([self._channel], [], [], _SLICE)[0]:
                return

    def _read(self, cmd: str) -> None:
        try:
            chunk = self._channel.recv(1 << 16)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            raise ProbeError(f"{self.entry}: {self._exit_reason()} while graphkit was {_doing(cmd)}")
        self._buffer += chunk

    def _exit_reason(self) -> str:
        try:
            status = self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return "the app closed graphkit's control channel"
        return exit_words(status)

    def _say(self, line: str) -> None:
        if self.report is not None:
            self.report(line)
        else:
            warnings.warn(line.removeprefix("graphkit: "), stacklevel=3)

    def ping(self) -> str:
        """The app's Node version, e.g. ``v22.23.3``."""
        version: str = self.request(Command.PING)[Field.NODE]
        return version

    def snapshot(self, sent: int | None = None) -> ModuleGraph:
        """The live graph; ``sent`` is the id of a snapshot command already sent (to overlap the wait)."""
        from graphkit.model.codec import graph_from_dict

        reply = self.receive(self.send(Command.SNAPSHOT) if sent is None else sent, Command.SNAPSHOT)
        return graph_from_dict(reply[Field.GRAPH], source=f"{self.entry} (live snapshot)")

    def changes(self, since: int, sent: int | None = None) -> Delta:
        """What the live graph gained and lost since journal answer ``since`` (all of it when 0)."""
        from graphkit.live.mirror import delta_from_reply

        ident = self.send(Command.CHANGES, **{Field.SINCE: since}) if sent is None else sent
        return delta_from_reply(self.receive(ident, Command.CHANGES), f"{self.entry} (live changes)")

    def accepting(self) -> frozenset[str]:
        """Modules whose current instance called ``hot.accept``."""
        return frozenset(self.request(Command.ACCEPTING)[Field.URLS])

    def apply(self, plan: EvictionPlan) -> ApplyResult:
        from graphkit.model.codec import plan_to_dict

        result = self.request(
            Command.APPLY,
            plan=plan_to_dict(plan),
            entry=self.entry_url,
            callbackMs=round(self._dispose_timeout * 1000),
        )[Field.RESULT]
        error = result.get(ApplyField.ERROR)
        failure = None
        if error:
            failure = locate_missing(
                ApplyError(
                    message=error[ApplyField.MESSAGE],
                    file=error[ApplyField.FILE],
                    line=error[ApplyField.LINE],
                    column=error[ApplyField.COLUMN],
                )
            )
        return ApplyResult(
            ok=bool(result[ApplyField.OK]),
            evicted=int(result[ApplyField.EVICTED]),
            reimported=int(result[ApplyField.REIMPORTED]),
            ms=float(result[ApplyField.MS]),
            error=failure,
            warnings=tuple(result[ApplyField.WARNINGS]),
            released={Effect(kind): int(n) for kind, n in result[ApplyField.RELEASED].items() if n},
            handed_over=int(result[ApplyField.HANDED_OVER]),
            stale=tuple(result[ApplyField.STALE]),
            checking=int(result[ApplyField.CHECKING]),
        )

    def booted(self) -> float:
        """Waits until the app has booted (its first server listening, its start-up imports done); returns
        how many seconds ago it was last busy booting."""
        return float(self.request(Command.BOOTED)[Field.IDLE_MS]) / 1000

    def written(self, paths: Sequence[Path]) -> dict[Path, tuple[float, float]]:
        """Of ``paths`` (real paths), those the app wrote itself through ``node:fs``, each with the
        wall-clock interval of its last write, in milliseconds since the epoch."""
        reply = self.request(Command.WRITTEN, **{Field.PATHS: [str(p) for p in paths]})[Field.WRITTEN]
        return {Path(path): (float(start), float(end)) for path, (start, end) in reply.items()}

    def kept(self) -> KeptOld:
        """The importers that still hold the old instance of a module that the last reload in place
        replaced (they ``import()``ed it once and kept it): they serve the old code."""
        reply = self.request(Command.KEPT)
        return KeptOld(frozenset((a, b) for a, b in reply[Field.KEPT]), bool(reply[Field.CHECKED]))

    def held(self) -> HeldOld:
        """What the checks of the re-runs since the last ask found: a check waits until the servers its
        re-run released have closed, then collects garbage."""
        reply = self.request(Command.HELD)
        return HeldOld(tuple(reply[Field.URLS]), int(reply[Field.PENDING]))

    def sweep(self) -> tuple[str, ...]:
        """Drop the modules whose load failed so the app's next ``import()`` retries them; their URLs."""
        return tuple(self.request(Command.SWEEP)[Field.URLS])

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def restart(self) -> None:
        """A full reload: stop the app (as ``close`` does) and start it again with the same command."""
        self.close()
        self._start()

    def signalled(self, signum: int) -> None:
        """graphkit got ``signum`` and will stop: the app gets its one signal now, not once graphkit has
        wound down. A SIGINT is the terminal's Ctrl-C, which reached the app as it reached graphkit (the app
        runs in graphkit's process group): nothing more is sent. Any other is one SIGTERM. ``close`` sends
        nothing after this. Meant for a signal handler."""
        if self._signalled is not None and self._signalled[0] == self.process.pid:
            return  # a second signal to graphkit: the app has its one
        sent = signal.SIGINT if signum == signal.SIGINT else signal.SIGTERM
        if sent is signal.SIGTERM:
            self.process.send_signal(sent)  # nothing is sent to an app that has exited
        self._signalled = (self.process.pid, sent)

    def close(self) -> int:
        """Stop the app and return its exit status: one SIGTERM (none after ``signalled``: it has its
        signal), then ``kill_timeout`` seconds for its handlers before SIGKILL, with one line saying so."""
        # Said before the close, so the host does not take the close for graphkit's death; an app gone or
        # going has no one to tell.
        with contextlib.suppress(OSError):
            self._channel.sendall(json.dumps({Field.ID: 0, Field.CMD: Command.STOPPING}).encode() + b"\n")
        self._channel.close()
        if self.process.poll() is None:
            if self._signalled is None or self._signalled[0] != self.process.pid:
                self.process.send_signal(signal.SIGTERM)
                self._signalled = (self.process.pid, signal.SIGTERM)
            sent = self._signalled[1]
            try:
                self.process.wait(timeout=self._kill_timeout)
            except subprocess.TimeoutExpired:
                self._say(
                    f"graphkit: the app had not exited {self._kill_timeout:g} s after {sent.name};"
                    " killed it (SIGKILL; --kill-timeout sets the wait)"
                )
                self.process.kill()
        return self.process.wait()

    def __enter__(self) -> Host:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def exit_words(status: int) -> str:
    """How the app ended, in plain words: ``the app exited (status 1)``, ``the app was ended by SIGTERM``."""
    if status < 0:
        try:
            return f"the app was ended by {signal.Signals(-status).name}"
        except ValueError:
            return f"the app was ended by signal {-status}"
    return f"the app exited (status {status})"


def _doing(cmd: str) -> str:
    try:
        return Command(cmd).doing
    except ValueError:
        return f"waiting for its answer to {cmd}"


def _is_reply(value: object) -> bool:
    """A reply of the host: an object with an integer (or null) ``id`` and a boolean ``ok``."""
    if not isinstance(value, dict):
        return False
    ident = value.get(Field.ID)
    return (ident is None or (isinstance(ident, int) and not isinstance(ident, bool))) and isinstance(
        value.get(Field.OK), bool
    )


def _preview(line: bytes) -> str:
    text = line[:60].decode(errors="replace")
    return repr(text + ("..." if len(line) > 60 else ""))
