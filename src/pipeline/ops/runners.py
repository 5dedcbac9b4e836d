"""Where the annual flow's tasks run: threads in this process (default) or a Dask cluster (scale-out).

``pipeline run --runner dask`` runs the batches on prefect-dask's ``DaskTaskRunner``: a ``LocalCluster`` of
``PIPELINE_DASK_WORKERS`` worker processes (default 2, one thread each) or, with ``PIPELINE_DASK_ADDRESS``
(``tcp://scheduler:8786``), an existing cluster whose workers have this package installed and see the drop
folder and the warehouse. Under Dask each batch parses inline (``PIPELINE_WORKERS`` 1): the parallelism is
the cluster's workers, and Dask's worker processes may not start process pools of their own.
"""

from __future__ import annotations

import os

from pipeline.ops import OpsError

RUNNERS: tuple[str, ...] = ("threads", "dask")


def dask_settings() -> tuple[str | None, int]:
    """(``PIPELINE_DASK_ADDRESS`` or None, ``PIPELINE_DASK_WORKERS`` — a positive integer, default 2)."""
    address = os.environ.get("PIPELINE_DASK_ADDRESS") or None
    from pipeline.settings import positive

    try:
        return address, positive("PIPELINE_DASK_WORKERS", 2)
    except ValueError as e:
        raise OpsError(str(e)) from None


def task_runner(name: str):
    """The task runner called ``name`` (:data:`RUNNERS`), or None for the flow's own (threads)."""
    if name == "threads":
        return None
    if name != "dask":
        raise OpsError(f"未知的运行方式 / unknown runner {name!r}: use {' or '.join(RUNNERS)}")
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        raise OpsError("需要 prefect-dask / --runner dask needs the prefect-dask package (pip install prefect-dask)") from None
    address, n = dask_settings()
    os.environ["PIPELINE_WORKERS"] = "1"  # parse inline in each Dask worker (see the module docstring)
    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": n, "threads_per_worker": 1, "dashboard_address": None})
