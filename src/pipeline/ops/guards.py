"""Guard rails of a run: checks that stop a run before anything is loaded, and near-miss file names.

- :func:`check_year` — the templates cover reports from 2019 (the 2019 trial format) up to the previous
  calendar year (a year's report is due by 31 January of the next): anything else stops the run.
- :func:`check_drop_folder` — no agency of any requested district has a file for the year: a scheduled job
  must alert, not "succeed" with every agency missing.
- :func:`likely_submission` — for a registered agency without a file, an unmatched file of its district
  folder that is probably its submission (``330803-finance (1).txt``, ``330803-Finance.TXT``, a typo in the
  id), named in the outcome instead of a bare "missing".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path

from pipeline.ops import OpsError

FIRST_YEAR = 2019  # the 2019 trial template (国办公开办函〔2019〕60号) is the oldest the parser reads

_COPY_MARKS = re.compile(r"(\s*[\(（]\s*\d+\s*[\)）]|\s*-?\s*(副本|copy)(\s*\d+)?|\s+)$", re.IGNORECASE)


def check_year(year: int, *, now=None) -> None:
    """:class:`OpsError` for a year outside [2019, previous calendar year in Asia/Shanghai]."""
    from pipeline.ops.rerun import default_year

    last = default_year(now)
    if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= last:
        raise OpsError(f"年度超出范围 / year {year!r} is outside the years the templates cover: {FIRST_YEAR}–{last} "
                       f"(a year's report is due by 31 January of the next)")


def check_drop_folder(submissions_dir: Path, year: int, jobs: Sequence) -> None:
    """:class:`OpsError` when not one of ``jobs`` (agencies of the requested districts) has a file."""
    if jobs and not any(j.path is not None or j.problem for j in jobs):
        districts = sorted({j.district for j in jobs})
        raise OpsError(f"报送文件夹中没有任何机关的文件 / no agency of district {', '.join(districts[:10])}"
                       f"{' …' if len(districts) > 10 else ''} has a file in {Path(submissions_dir) / str(year)}: "
                       f"wrong folder or year? (--submissions / PIPELINE_SUBMISSIONS_DIR)")


def _stem(name: str) -> str:
    stem = name.split(".", 1)[0] if not name.startswith(".") else name
    prev = None
    while prev != stem:
        prev, stem = stem, _COPY_MARKS.sub("", stem)
    return stem.strip().lower()


def likely_submission(agency_id: str, unmatched: Sequence[Path], taken: set[str] = frozenset()) -> Path | None:
    """The unmatched file most probably meant as ``agency_id``'s submission, or None.

    Its name without extension and copy marks (`` (1)``, ``（2）``, `` - 副本``, ``copy``) equals the id
    ignoring case, starts with it, or is one typo away (similarity ≥ 0.9). ``taken``: file names already
    claimed by another agency's hint.
    """
    aid = agency_id.lower()
    best, score = None, 0.0
    for p in unmatched:
        if p.name in taken:
            continue
        s = _stem(p.name)
        r = 1.0 if s == aid or s.startswith(aid) else difflib.SequenceMatcher(None, s, aid).ratio()
        if r >= 0.9 and r > score:
            best, score = p, r
    return best
