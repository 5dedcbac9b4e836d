"""Write a full-page screenshot of a published district page: ``screenshot_report.py [HTML] [PNG]``.

Default: the latest published page under ``PIPELINE_DATA_DIR`` (``data/published/*/*/report.html``, newest),
PNG beside it as ``report.png``. Exit 2 with one line when there is no page or no browser.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.publish.browser import BrowserMissing, screenshot
from pipeline.settings import get_settings


def main() -> int:
    args = sys.argv[1:]
    if args:
        html = Path(args[0])
    else:
        pages = sorted(get_settings().published_dir.glob("*/*/report.html"), key=lambda p: p.stat().st_mtime)
        if not pages:
            print(f"no published report.html under {get_settings().published_dir} (run make demo first) / 没有已发布的页面",
                  file=sys.stderr)
            return 2
        html = pages[-1]
    if not html.is_file():
        print(f"{html}: not found / 文件不存在", file=sys.stderr)
        return 2
    png = Path(args[1]) if len(args) > 1 else html.with_name("report.png")
    try:
        screenshot(html, png)
    except BrowserMissing as e:
        print(e, file=sys.stderr)
        return 2
    print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
