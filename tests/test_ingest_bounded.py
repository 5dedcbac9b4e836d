"""Issue 12, bounded parse time: minimal reproductions of the fuzzer's slow inputs (docs/reliability.md,
"Fuzzing") each parse within the bound, in a child process killed after twice the bound — the pattern of
``test_known_slow_inputs_parse_within_the_bound`` in ``test_reliability_fuzz.py``.

- ``enormous_line``: a line of 1 MiB of tabs inside table 三 (every table reader tokenised it: minutes). A line over ``MAX_LINE_CHARS`` is skipped with a note; the rest reads as without it.
- ``markdown_long_number``: a converted PDF whose numbers are 5,000 digits long (the numeric-cell pattern of
  the Markdown reader backtracked: quadratic).
- ``crawler_400_digit_runs``: a crawler page where half the numbers have 400 digits (``readings`` built up to
  20,000 readings of a row before finding it has too many).
"""

from __future__ import annotations

import re

import pytest

from pipeline.synth import fuzz

BOUND_S = 5.0


def _case(case: str, root) -> tuple[bytes, str]:
    if case == "enormous_line":  # fuzz mutant 1034: 1 MiB of tabs inside table 三 of a generated page
        base = fuzz.generated_seeds(1, seed=12)[0].data.split(b"\n")
        return b"\n".join([*base[:595], b"\t" * (1 << 20), *base[595:]]), "txt"
    if case == "markdown_long_number":  # fuzz mutant 0044: every number of a converted PDF 5,000 digits long
        text = (root / "real/raw/05_shanghai_stcsm_2024.md").read_text("utf-8")
        return re.sub(r"\d+", "9" * 5000, text).encode(), "md"
    # fuzz mutant 0644: a crawler page where about half the numbers are 400 digits long
    text = (root / "districts/pingtan-2022/raw/08_tourism_culture_sports_bureau_lyy.txt").read_text("utf-8")
    runs = list(re.finditer(r"\d+", text))
    for m in reversed(runs[::2]):
        text = text[:m.start()] + "9" * 400 + text[m.end():]
    return text.encode(), "txt"


@pytest.mark.parametrize("case", ["enormous_line", "markdown_long_number", "crawler_400_digit_runs"])
def test_slow_inputs_parse_within_the_bound(case, corpus_dir, tmp_path):
    data, ext = _case(case, corpus_dir.parent)
    p = tmp_path / f"{case}.{ext}"
    p.write_bytes(data)
    (o,) = fuzz.run([str(p)], workers=1, timeout=2 * BOUND_S)
    assert o.status in (fuzz.PARSED, fuzz.REJECTED) and o.seconds <= BOUND_S, (o.status, round(o.seconds, 1))


def test_an_enormous_line_is_skipped_with_a_note(corpus_dir, tmp_path):
    from pipeline.ingest import parse_file

    data, _ = _case("enormous_line", corpus_dir.parent)
    p, q = tmp_path / "long.txt", tmp_path / "plain.txt"
    p.write_bytes(data)
    q.write_bytes(fuzz.generated_seeds(1, seed=12)[0].data)
    got, plain = parse_file(p), parse_file(q)
    assert [(c.key, c.value, c.status) for c in got.cells] == [(c.key, c.value, c.status) for c in plain.cells]
    (note,) = [n for n in got.notes if n.rule == "R-PARSE-SKIPPED" and "characters" in n.message]
    assert note.message == "a line of 1,048,576 characters (over 65,536) is no text of a report; skipped"
    assert note.message_zh.startswith("有一行长达 1,048,576 个字符")


def test_a_crawler_page_with_a_number_of_100000_digits_is_read(corpus_dir, tmp_path):
    """The whole report on one line (crawler text) and one number 100,000 digits long: the run is cut to
    ``MAX_DIGIT_RUN`` digits with a note — the page is read, not refused for its line length."""
    from pipeline.ingest import parse_file
    from pipeline.ingest.recognize import MAX_DIGIT_RUN

    text = (corpus_dir.parent / "districts/pingtan-2022/raw/14_haitan_area_bureau_htp.txt").read_text("utf-8")
    m = list(re.finditer(r"\d+", text))[5]
    p = tmp_path / "crawler.txt"
    p.write_text(text[:m.start()] + "9" * 100_000 + text[m.end():], "utf-8")
    (o,) = fuzz.run([str(p)], workers=1, timeout=2 * BOUND_S)
    assert o.status == fuzz.PARSED and o.seconds <= BOUND_S, (o.status, round(o.seconds, 1))
    notes = [n for n in parse_file(p).notes if "digits cut" in n.message]
    assert [n.message for n in notes] == [f"1 run(s) of more than {MAX_DIGIT_RUN} digits cut to {MAX_DIGIT_RUN} "
                                          "(no figure of a report has so many: no value)"]
    assert notes[0].message_zh
