"""Binding the app's life to graphkit's on Linux: the kernel signals the app when graphkit dies.

The signal is the app's one SIGTERM when graphkit dies: the host (``node_probe/host.mjs``), told so, sends
none of its own when its control channel closes without graphkit's ``stopping``, and only ends an app that
outlives the grace period; an app whose event loop is too busy to read the channel gets it all the same.
``PR_SET_PDEATHSIG`` fires when the *thread* that started the child ends, so it is only set for children
started from the main thread.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from collections.abc import Callable
from functools import cache

__all__ = ["parent_death_signal"]

_PR_SET_PDEATHSIG = 1


def parent_death_signal(signum: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A ``preexec_fn`` for ``subprocess.Popen`` that has the child get ``signum`` when we die; None
    where the kernel offers no such thing or the caller is not the main thread."""
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return None
    prctl = _prctl()  # found here: the child must not dlopen
    if prctl is None:
        return None
    parent = os.getpid()

    def bind() -> None:
        prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:  # we died between fork and prctl: nobody will signal the child
            os.kill(os.getpid(), signum)

    return bind


@cache
def _prctl() -> Callable[..., int] | None:
    """libc's prctl: among the symbols the interpreter already has, else in libc found by name (which
    runs `ldconfig -p`: about 10 ms before `graphkit watch` could start the app)."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        pass
    from ctypes.util import find_library

    libc_name = find_library("c")
    if libc_name is None:
        return None
    return ctypes.CDLL(libc_name, use_errno=True).prctl
