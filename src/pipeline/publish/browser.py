"""Open a published HTML page in headless Chromium (Debian's ``chromium`` and ``chromium-driver``).

Used by the browser test and by ``make screenshot``. Selenium drives the system chromedriver given by
path, so nothing is downloaded at run time. :class:`BrowserMissing` when Chromium or its driver is absent
(``scripts/ensure-browser.sh`` installs them).
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path


class BrowserMissing(RuntimeError):
    """Chromium or chromedriver is not installed."""


@contextmanager
def headless_chromium(width: int = 1280, height: int = 1600):
    """A Selenium WebDriver on headless Chromium; quits on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        raise BrowserMissing("chromium and chromedriver are needed: bash scripts/ensure-browser.sh / 需要安装 chromium")
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                f"--window-size={width},{height}", "--lang=zh-CN"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=opts)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(html: Path, png: Path, width: int = 1280) -> Path:
    """A full-page PNG of ``html`` (the window is resized to the page's height)."""
    with headless_chromium(width) as driver:
        driver.get(Path(html).resolve().as_uri())
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(int(height) + 100, 30000))
        png.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(png))
    return png
