"""Counted nouns for the lines graphkit prints: "1 cycle", "2 cycles"."""

from __future__ import annotations

__all__ = ["count"]


def count(n: int, one: str, many: str | None = None) -> str:
    """``n`` with the noun in singular or plural.

    >>> count(1, "boundary", "boundaries"), count(0, "cycle")
    ('1 boundary', '0 cycles')
    """
    return f"{n} {one if n == 1 else many or one + 's'}"
