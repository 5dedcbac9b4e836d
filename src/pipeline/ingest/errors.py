"""The one error type of ingest: which file, and why, in one line."""

from __future__ import annotations

#: Most characters of a reason (a library's message can quote a whole cell or file).
MAX_REASON = 400


def one_line(text: str, limit: int = MAX_REASON) -> str:
    """``text`` as one line of at most ``limit`` characters: line breaks and runs of blanks become one space."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class IngestError(Exception):
    """A submission that cannot be parsed. ``str()`` is the one line shown to users (whatever the reason
    handed in: a library's multi-line message is folded into one line and cut at :data:`MAX_REASON`)."""

    def __init__(self, source: str, reason: str) -> None:
        reason = one_line(reason)
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
