"""pipeline.parallel.prefetch: a batch's files are read into the page cache in the background."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from pipeline.parallel import prefetch

pytestmark = pytest.mark.skipif(not hasattr(os, "posix_fadvise") or shutil.which("fincore") is None,
                                reason="needs posix_fadvise and util-linux's fincore (Linux)")


def _resident_bytes(path) -> int:
    out = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return int(out.split()[0])


def _evict(path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def test_files_are_in_the_page_cache_after_prefetch_and_big_or_missing_ones_are_skipped(tmp_path):
    small = [tmp_path / f"a{i}.docx" for i in range(3)]
    big = tmp_path / "huge.pdf"
    for p in small:
        p.write_bytes(os.urandom(256 * 1024))
    big.write_bytes(os.urandom(2 * 1024 * 1024))
    for p in [*small, big]:
        _evict(p)
    if any(_resident_bytes(p) for p in [*small, big]):
        pytest.skip("this filesystem keeps files cached whatever the advice (tmpfs)")
    thread = prefetch([str(p) for p in small] + [str(tmp_path / "gone.txt"), str(big)], max_bytes=1024 * 1024)
    assert thread is not None
    thread.join(timeout=30)
    assert not thread.is_alive()
    for p in small:  # WILLNEED starts the reads; give the kernel a moment to finish them
        for _ in range(100):
            if _resident_bytes(p) == p.stat().st_size:
                break
            time.sleep(0.05)
        assert _resident_bytes(p) == p.stat().st_size
    assert _resident_bytes(big) == 0  # over the size limit: not read


def test_nothing_to_prefetch():
    assert prefetch([]) is None
