"""The lines ``graphkit watch`` prints: one per save, and one when the app exits or a reload fails."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from graphkit.live.host import ApplyResult, exit_words
from graphkit.model import Command, Effect, EvictionPlan, PlanStatus
from graphkit.output.paths import display_path
from graphkit.output.wording import count

__all__ = [
    "env_restarted_line",
    "error_line",
    "exited_line",
    "held_line",
    "held_restart_line",
    "kept_line",
    "revived_line",
    "saved",
    "stale_line",
    "status_line",
    "superseded_line",
    "unbuilt_line",
    "unwatched_env_line",
    "waiting_line",
    "watching_line",
    "written_line",
]


def saved(changed: Sequence[Path], deleted: Sequence[Path], root: Path) -> str:
    """What a save touched, as the status line names it: ``lib/a.mjs, lib/b.mjs (deleted)``."""
    names = ", ".join(sorted(display_path(p, root) for p in (*changed, *deleted)))
    return names + (" (deleted)" if deleted and not changed else "")


def status_line(
    what: str,
    eviction: EvictionPlan,
    result: ApplyResult | None,
    ms: float,
    root: Path,
    swept: Sequence[str] = (),
    why: str | None = None,
) -> str:
    """The one line printed for a save; ``result`` is None when nothing was applied in the app. ``why`` says
    why a save that needs no re-run in itself re-ran the app."""
    if eviction.status is PlanStatus.NOOP and swept:
        them = "it" if len(swept) == 1 else "them"
        return (
            f"graphkit: {what}: dropped {count(len(swept), 'module')} that had failed to load"
            f" ({', '.join(display_path(url, root) for url in swept)}); the next import() loads {them} again"
        )
    if eviction.status is PlanStatus.NOOP:
        return f"graphkit: {what}: no loaded module depends on it, nothing to reload"
    if eviction.status is PlanStatus.FULL_RELOAD:
        return f"graphkit: {what}: restarted the app in {ms:.0f} ms ({eviction.reason})"
    assert result is not None
    if not result.ok and result.error is not None:
        where = display_path(result.error.file, root) if result.error.file else "unknown file"
        if result.error.line is not None:
            where += f":{result.error.line}:{result.error.column}"
        return f"graphkit: {what}: {result.error.message} at {where}; kept old code"
    effects = _effects(result)
    if eviction.status is PlanStatus.RERUN:
        done = ", ".join([count(result.evicted, "module") + " evicted", *effects])
        line = f"graphkit: {what}: re-ran the app in {ms if why else result.ms:.0f} ms ({done})"
        if why:
            line += f"; {why}"
    else:
        line = (
            f"graphkit: {what}: {count(result.evicted, 'module')} evicted, {result.reimported} re-imported"
            f" in {result.ms:.1f} ms"
        )
        if effects:
            line += f" ({', '.join(effects)})"
    if result.warnings:
        line += f"; {count(len(result.warnings), 'callback error')}, first: {result.warnings[0]}"
    return line


def _effects(result: ApplyResult) -> list[str]:
    """What the evicted instances left running and the reload released, e.g. "1 server handed over",
    "2 cluster workers replaced", "1 upgraded connection closed" (a websocket gets close code 1012)."""
    servers = result.released.get(Effect.SERVER, 0)
    parts = [
        count(result.handed_over, "server") + " handed over",
        count(servers - result.handed_over, "server") + " closed",
        count(result.released.get(Effect.TIMER, 0), "timer") + " released",
        count(result.released.get(Effect.LISTENER, 0), "listener") + " removed",
        count(result.released.get(Effect.WORKER, 0), "cluster worker") + " replaced",
        count(result.released.get(Effect.CHILD, 0), "child process", "child processes") + " ended",
        count(result.released.get(Effect.THREAD, 0), "worker thread") + " terminated",
        count(result.released.get(Effect.INPUT, 0), "stdin reader") + " closed",
        count(result.released.get(Effect.UPGRADED, 0), "upgraded connection") + " closed",
    ]
    return [part for part in parts if not part.startswith("0 ")]


def stale_line(what: str, ms: float, stale: Sequence[str], root: Path) -> str:
    names = ", ".join(display_path(url, root) for url in stale)
    return (
        f"graphkit: {what}: restarted the app in {ms:.0f} ms (re-run in place, it did not import {names}"
        " again, so it would have served the old code)"
    )


def held_line(held: Sequence[str], ms: float, root: Path) -> str:
    """Old modules the app still held once a reload was over: code that stayed (a registry, a listener on
    an emitter that stayed) keeps their old code, which may still answer."""
    names = ", ".join(display_path(url, root) for url in held)
    return (
        f"graphkit: the old {names} outlived the reload (held by code it did not replace, such as a"
        f" registry or a listener in a module that stayed), so the old code could still answer: restarted"
        f" the app in {ms:.0f} ms; saves that reach {names} restart it from now on"
    )


def held_restart_line(what: str, ms: float, held: Sequence[str], root: Path) -> str:
    names = ", ".join(display_path(url, root) for url in held)
    return (
        f"graphkit: {what}: restarted the app in {ms:.0f} ms (the old {names} outlived an earlier reload,"
        " held by code a reload does not replace)"
    )


def unbuilt_line(what: str) -> str:
    """A save of TypeScript sources that an app running only JavaScript (a tsc build) does not load."""
    return (
        f"graphkit: {what}: the app runs no TypeScript; nothing to reload until its build writes the"
        " JavaScript"
    )


def kept_line(holder: tuple[str, str], root: Path, checked: bool) -> str:
    """Why a save re-ran the app: ``holder``, an (importer, module) pair, kept the module's old instance
    (``checked``), or may have (Node 18 cannot tell)."""
    importer, module = (display_path(url, root) for url in holder)
    if not checked:
        return (
            f"{importer} import()ed {module} once and Node 18 cannot tell whether it let go of the old"
            f" {module}, so the app re-ran to serve the new code"
        )
    return (
        f"{importer} import()ed {module} once and the old {module} outlived a reload in place,"
        " so the app re-ran to serve the new code"
    )


def superseded_line(what: str, ms: float, unfinished: str) -> str:
    return f"graphkit: {what}: restarted the app in {ms:.0f} ms (it had not finished reloading {unfinished})"


def waiting_line(what: str, cmd: str, seconds: float) -> str:
    return (
        f"graphkit: {what}: the app has not answered for {seconds:.0f} s while graphkit was"
        f" {Command(cmd).doing}; still waiting (save again to restart the app)"
    )


def watching_line(root: str) -> str:
    return f"graphkit: watching {root} too (the app loaded a module there)"


def revived_line(what: str, ms: float) -> str:
    return f"graphkit: {what}: restarted the app in {ms:.0f} ms (it had exited)"


def env_restarted_line(what: str, ms: float) -> str:
    return f"graphkit: {what}: restarted the app in {ms:.0f} ms (Node reads env files only at start)"


def unwatched_env_line(path: Path) -> str:
    return (
        f"graphkit: {path}: this env file lies outside the watched folders;"
        " add --watch FOLDER to restart the app on its edits"
    )


def written_line(what: str) -> str:
    return f"graphkit: {what}: written by the app itself; not reloaded (save it to reload)"


def exited_line(status: int) -> str:
    return f"graphkit: {exit_words(status)}; a save restarts it"


def error_line(error: Exception) -> str:
    return f"graphkit: {error}"
