"""The graphkit exception hierarchy. Each message is one line that names the file and the reason."""

from __future__ import annotations

__all__ = [
    "CacheWarning",
    "DotMissingError",
    "GraphkitError",
    "InputError",
    "NodeError",
    "ProbeError",
    "RenderError",
    "ResolutionFailed",
    "UsageError",
]


class GraphkitError(Exception):
    """Base class: the CLI prints ``str(error)`` as one line and exits 2."""


class UsageError(GraphkitError):
    """A command was called with arguments that cannot work (e.g. no entry could be found)."""


class InputError(GraphkitError):
    """An input path is missing, unreadable or of the wrong kind."""


class NodeError(GraphkitError):
    """Node is missing, too old, refuses ``--expose-internals`` or has a loader layout we do not know."""


class ProbeError(GraphkitError):
    """The Node probe failed, timed out or broke its protocol."""


class RenderError(GraphkitError):
    """Graphviz ``dot`` failed on the text it was given."""


class DotMissingError(RenderError):
    """Graphviz ``dot`` is not on PATH."""


class CacheWarning(UserWarning):
    """The extraction cache was damaged, unwritable or locked: the scan went on without it."""


class ConfigWarning(UserWarning):
    """A tsconfig.json could not be read where TypeScript's rules were only a fallback: the scan went on
    without its ``paths``."""


class ResolutionFailed(Exception):
    """Node refuses a specifier: Node's error code and a one-line message naming the file.

    Internal to the resolver, which turns it into a ``Resolution`` value; never shown as a failure.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
