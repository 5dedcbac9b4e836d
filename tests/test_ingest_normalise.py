"""The fast NFKC of ingest (``document.nfkc``) against ``unicodedata.normalize`` itself.

Why exhaustive: the shortcut is only right if every character it maps one at a time starts a
normalisation segment — its compatibility decomposition begins with a starter that no canonical
composition takes as its second element (Unicode UAX #15). That is checked here on the whole
Unicode database, and the result is compared with ``unicodedata`` on random text that mixes simple
characters with combining marks, Hangul jamo and other characters that do interact.
"""

from __future__ import annotations

import random
import sys
import unicodedata

from pipeline.ingest.document import SIMPLE_NFKC_MAP, SIMPLE_NFKC_RANGES, nfkc, normalise


def _second_elements() -> set[str]:
    """Every character that canonical composition can join to the character before it."""
    out = {chr(cp) for cp in range(0x1161, 0x1176)} | {chr(cp) for cp in range(0x11A8, 0x11C3)}  # Hangul V, T
    for cp in range(sys.maxunicode + 1):
        d = unicodedata.decomposition(chr(cp))
        if d and not d.startswith("<"):
            parts = d.split()
            if len(parts) == 2:
                out.add(chr(int(parts[1], 16)))
    return out


def _simple_chars() -> list[str]:
    return [chr(cp) for lo, hi in SIMPLE_NFKC_RANGES for cp in range(lo, hi + 1)]


def test_simple_characters_start_a_segment() -> None:
    second = _second_elements()
    for ch in _simple_chars():
        first = unicodedata.normalize("NFKD", ch)[0]
        assert unicodedata.combining(first) == 0, f"U+{ord(ch):04X} decomposes to a non-starter"
        assert first not in second, f"U+{ord(ch):04X} can compose with the character before it"


def test_simple_map_is_nfkc_and_never_maps_twice() -> None:
    for ch in _simple_chars():
        assert SIMPLE_NFKC_MAP.get(ch, ch) == unicodedata.normalize("NFKC", ch)
    assert not {c for v in SIMPLE_NFKC_MAP.values() for c in v} & set(SIMPLE_NFKC_MAP)


def test_nfkc_equals_unicodedata_on_mixed_text() -> None:
    rng = random.Random(20240501)
    simple = _simple_chars()
    tricky = ["\u0301", "\u0308", "\u0338", "\u0323", "\u1100", "\u1161", "\u11a8", "\uac00", "\u0b47", "\u0b3e",
              "\uff9e", "\uff76", "\u3099", "e", "<", "=", "A", "\ufb01", "\u1e9b", "\u2126", "\U0001d400", "\n"]
    for _ in range(3000):
        pool = simple if rng.random() < 0.5 else simple[:200] + tricky * 20
        text = "".join(rng.choice(pool) if rng.random() < 0.85 else rng.choice(tricky)
                       for _ in range(rng.randrange(0, 40)))
        assert nfkc(text) == unicodedata.normalize("NFKC", text), ascii(text)
    page = "第一行（全角）：１２３，\u3000ｅ\u0301\n二、主动公开\uff76\uff9e\n\u0301行首\n"
    assert nfkc(page) == unicodedata.normalize("NFKC", page)


def test_normalise_keeps_blank_cells_and_drops_footers() -> None:
    text = normalise(["表（一）", "\u00a0", "１２", "- 5 -", "\u3000\u00a0 ", "结束　"])
    assert text == "表(一)\n\x1f\n12\n\n\x1f\n结束"
