"""Worker processes never outlive a run killed with SIGKILL (they would hold their memory forever)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import time
from concurrent.futures import ThreadPoolExecutor
from pipeline.parallel import in_worker
with ThreadPoolExecutor(2) as threads:  # two units of work at once: both workers start
    print(list(threads.map(lambda _: in_worker(2, time.sleep, 1.0), range(2))), flush=True)
time.sleep(600)
"""


def test_workers_exit_when_the_run_is_killed():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT], env=env, stdout=subprocess.PIPE, text=True)
    try:
        proc.stdout.readline()
        workers = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)
                   if "spawn_main" in " ".join(c.cmdline())]
        assert len(workers) == 2, workers
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"
                                              for p in workers):
        time.sleep(0.2)
    alive = [p for p in workers if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]
    assert not alive, f"workers {alive} outlived the killed run"
