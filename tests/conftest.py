"""Shared fixtures: where the real-report corpus is, and whether tests may skip what is absent.

Under ``CI=true`` nothing that CI can provide may skip: a missing corpus or a PostgreSQL server that
is down fails the test instead, so a green CI always means the test really ran.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus" / "real"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def skip_or_fail(reason: str) -> None:
    """Skip on a developer's clone; fail under CI, where the thing must be there."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this test must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """``../shared/corpus/real`` (raw/ and truth/)."""
    if not (CORPUS / "truth").is_dir():
        skip_or_fail(f"real-report corpus not found at {CORPUS}")
    return CORPUS
