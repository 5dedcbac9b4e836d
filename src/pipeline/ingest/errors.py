"""The one error type of ingest: which file, and why, in one line."""

from __future__ import annotations


class IngestError(Exception):
    """A submission that cannot be parsed. ``str()`` is the one line shown to users."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
