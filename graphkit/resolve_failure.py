"""Node's resolution errors while they travel through the resolver; ``Resolver`` turns them into values."""

from __future__ import annotations

__all__ = ["Unresolved"]


class Unresolved(Exception):
    """A specifier Node refuses, with Node's error code and a one-line message naming the file."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
