"""Regenerate the bundled demo drop folder ``demo/submissions/2021/330803`` (衢江区).

The district government office's file is the real published report (tests/fixtures); every other
registered agency gets a generated, internally consistent report, alternately as page text and HTML.
Deterministic: the same registry and seed always write the same files.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from pipeline.registry import load_registry
from pipeline.synth.demo import build_demo

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    out = ROOT / "demo" / "submissions"
    folder = out / "2021" / "330803"
    if folder.exists():
        shutil.rmtree(folder)
    paths = build_demo(out, load_registry(ROOT / "config"), district="330803", year=2021, seed=2021)
    for p in paths:
        print(p.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
