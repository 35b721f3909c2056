"""Every value that crosses the probe channel, as enums; the probe (``node_probe/*.mjs``) spells the same
strings, and the channel decoders look every value up here, so an unknown one fails loudly.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ApplyField",
    "BoundaryReason",
    "Command",
    "Effect",
    "Field",
    "Format",
    "ImportKind",
    "ModuleKind",
    "PlanStatus",
    "Status",
]


class ImportKind(StrEnum):
    STATIC = "static"  # import x from 'a' / import 'a'
    REEXPORT = "reexport"  # export * from 'a' / export { x } from 'a'
    DYNAMIC = "dynamic"  # import('a')
    STARTUP = "startup"  # import('a') called while the app booted: called again only when the app re-runs
    REQUIRE = "require"  # require('a'), also through createRequire(import.meta.url)
    TYPE = "type"  # TypeScript's import type / export type ... from: erased, nothing loads at runtime

    @property
    def links(self) -> bool:
        """True when the importer is bound to one instance of the target and must go with it."""
        return self not in (ImportKind.DYNAMIC, ImportKind.TYPE)

    @property
    def runtime(self) -> bool:
        """False for type-only imports, which Node's type stripping erases before anything loads."""
        return self is not ImportKind.TYPE


class ModuleKind(StrEnum):
    LOCAL = "local"
    PACKAGE = "package"  # inside a node_modules folder
    BUILTIN = "builtin"  # node:NAME
    MISSING = "missing"  # referenced but not on disk


class Format(StrEnum):
    """Node's own format names, as its loader reports them."""

    MODULE = "module"
    COMMONJS = "commonjs"
    JSON = "json"
    WASM = "wasm"
    ADDON = "addon"
    BUILTIN = "builtin"
    MODULE_TYPESCRIPT = "module-typescript"  # Node 22.18+ runs TypeScript by stripping its types
    COMMONJS_TYPESCRIPT = "commonjs-typescript"


class Status(StrEnum):
    """Live state of a ModuleJob's module record."""

    LINKING = "linking"
    LINKED = "linked"
    INSTANTIATED = "instantiated"
    EVALUATED = "evaluated"
    ERRORED = "errored"


class PlanStatus(StrEnum):
    # One word for each outcome in the text, the JSON document, the API and the legends.
    OK = "in-place"  # applied in place: evicted modules re-imported, the entry keeps running
    NOOP = "noop"  # nothing loaded depends on the change
    RERUN = "rerun"  # the entry is evicted: the app runs again inside its process
    FULL_RELOAD = "restart"  # cannot be applied in place: restart the process


class BoundaryReason(StrEnum):
    """Why a surviving module takes part in a reload."""

    DYNAMIC_IMPORT = "dynamic-import"  # it reaches an evicted module through import(): it gets the new one
    ACCEPTS = "accepts"  # it called hot.accept: it gets the new namespace, its importers are kept


class Command(StrEnum):
    """Requests the host answers over its control channel."""

    PING = "ping"
    SNAPSHOT = "snapshot"
    CHANGES = "changes"  # what the live graph gained and lost since a version the caller holds
    ACCEPTING = "accepting"
    APPLY = "apply"
    SWEEP = "sweep"
    FOLDERS = "folders"  # the folders of the app's own loaded modules
    BOOTED = "booted"  # answered once the app has booted: how long ago it was last busy
    QUIET = "quiet"  # answered once the app's event loop is mostly idle (its start-up done)
    STOPPING = "stopping"  # graphkit stops the app itself: the channel's close is no orphaning
    WRITTEN = "written"  # which of some files the app wrote itself, and when
    RUN = "run"  # an app started held (GRAPHKIT_HOST_HOLD) may run its entry now
    KEPT = "kept"  # which old instances the app still holds after the last reload in place
    HELD = "held"  # which evicted modules the app still held once their reload was over

    @property
    def doing(self) -> str:
        """What graphkit was doing while it waited for this command's reply, in plain words."""
        return _DOING[self]


_DOING = {
    Command.PING: "asking for its Node version",
    Command.SNAPSHOT: "reading its module graph",
    Command.CHANGES: "reading which modules it loaded and dropped",
    Command.ACCEPTING: "asking which of its modules accept updates",
    Command.APPLY: "reloading its modules",
    Command.SWEEP: "dropping the modules that had failed to load",
    Command.FOLDERS: "reading its module folders",
    Command.BOOTED: "waiting for it to start",
    Command.QUIET: "waiting for its start-up to settle",
    Command.STOPPING: "telling it that graphkit stops it",
    Command.WRITTEN: "asking which files it wrote itself",
    Command.RUN: "letting it run its entry",
    Command.KEPT: "checking that it let go of the old modules",
    Command.HELD: "asking which old modules it still holds",
}


class Field(StrEnum):
    """The fields of the control channel's requests and replies (an APPLY result's own are ApplyField's)."""

    ID = "id"
    CMD = "cmd"
    HOLD_MS = "holdMs"  # how long the app's request queue waits for this request before the next one
    OK = "ok"
    ERROR = "error"
    NODE = "node"
    PID = "pid"
    GRAPH = "graph"
    SINCE = "since"
    FULL = "full"
    VERSION = "version"
    ROWS = "rows"
    ACCEPTING = "accepting"
    URLS = "urls"
    FOLDERS = "folders"
    IDLE_MS = "idleMs"
    WAIT_MS = "waitMs"
    QUIET = "quiet"
    WAITED_MS = "waitedMs"
    PLAN = "plan"
    ENTRY = "entry"
    CALLBACK_MS = "callbackMs"
    RESULT = "result"
    PATHS = "paths"
    WRITTEN = "written"
    KEPT = "kept"
    CHECKED = "checked"  # KEPT: false when the app's Node cannot tell a kept instance from one not freed yet
    PENDING = "pending"  # HELD: checks of reloads not over yet


class ApplyField(StrEnum):
    """The fields of the host's answer to APPLY, and of the error it carries when a reload rolled back."""

    OK = "ok"
    EVICTED = "evicted"
    REIMPORTED = "reimported"
    MS = "ms"
    WARNINGS = "warnings"
    ERROR = "error"
    MESSAGE = "message"  # of the error, as are FILE, LINE and COLUMN
    FILE = "file"
    LINE = "line"
    COLUMN = "column"
    RELEASED = "released"  # effects released, by Effect
    HANDED_OVER = "handedOver"  # listening sockets handed to the re-run app
    STALE = "stale"  # evicted modules the re-run app did not import again: their new code is not served
    CHECKING = "checking"  # old instances a reload in place left for the KEPT command to check


class Effect(StrEnum):
    """What a module instance leaves running, released when the instance is evicted."""

    SERVER = "server"  # a listening node:net, http, https or http2 server
    TIMER = "timer"  # setTimeout, setInterval, and those of node:timers/promises
    LISTENER = "listener"  # a process or cluster event listener (signals, exit, uncaughtException...)
    CHILD = "child"  # a child process (spawn, fork, exec, execFile): SIGTERM, then SIGKILL after a grace
    WORKER = "worker"  # a cluster worker, replaced by the re-run's workers once they listen
    THREAD = "thread"  # a worker_threads Worker, terminated
    INPUT = "input"  # a readline interface or a process.stdin listener
    UPGRADED = "upgraded"  # a connection the released server upgraded (a websocket gets close code 1012)
