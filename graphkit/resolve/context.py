"""What the ESM and CommonJS resolvers of one ``Resolver`` share: the disk they read, the Node line they
match, the symlink option and each loader's conditions."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from graphkit.resolve.packages import Disk
from graphkit.resolve.profile import NodeProfile

__all__ = ["ResolutionContext"]


@dataclass(frozen=True, slots=True)
class ResolutionContext:
    """One Node process's resolution options, and the disk facts it has read so far."""

    disk: Disk
    profile: NodeProfile
    preserve_symlinks: bool
    esm_conditions: Set[str]
    cjs_conditions: Set[str]

    def url(self, path: str) -> str:
        """``url.pathToFileURL(path).href`` as the matched Node line writes it."""
        return self.profile.url(path)
