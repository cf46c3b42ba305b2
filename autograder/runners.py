"""Where the sandboxed runs happen: local worker threads (default) or a Dask cluster.

Both call the same function, run_job, on the same job dicts, so results do
not depend on the runner. Each worker thread keeps its own pool of warm
sandboxes (autograder.sandbox.SandboxPool); a sandbox serves one submission.
"""

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed

from autograder.limits import Limits
from autograder.sandbox import SandboxPool

_local = threading.local()
_slots = itertools.count()
_slots_lock = threading.Lock()


def _pool(limits, hidden):
    pool = getattr(_local, "pool", None)
    if pool is None or pool.limits != limits or pool.hidden != list(hidden):
        if pool is not None:
            pool.close()
        with _slots_lock:
            slot = f"{os.getpid()}-{next(_slots)}"
        pool = _local.pool = SandboxPool(limits, slot, hidden)
    return pool


def run_job(job):
    """Run one job dict {student, notebook, key, text, limits, hidden}; return its result dict."""
    limits = Limits.from_json(job["limits"])
    status, text = _pool(limits, job["hidden"]).run(job["text"])
    return {**status, "student": job["student"], "notebook_name": job["notebook"], "key": job["key"],
            "notebook": text}


def close_thread_pool():
    pool = getattr(_local, "pool", None)
    if pool is not None:
        pool.close()
        _local.pool = None


def run_local(jobs, workers, on_result):
    """Run jobs on `workers` threads, each driving its own sandboxes; call on_result as each finishes."""
    def work(job):
        try:
            return run_job(job)
        except Exception as exc:  # noqa: BLE001 - one broken job must not stop the class
            return {"status": "grader error", "reason": f"{type(exc).__name__}: {exc}", "student": job["student"],
                    "notebook_name": job["notebook"], "key": job["key"], "notebook": None}

    with ThreadPoolExecutor(max_workers=workers) as executor:
        futures = [executor.submit(work, job) for job in jobs]
        for future in as_completed(futures):
            on_result(future.result())
        # the warm sandboxes each thread started ahead are not needed any more
        list(executor.map(lambda _: close_thread_pool(), range(workers)))


def run_dask(jobs, scheduler, on_result):
    """Run jobs on a Dask distributed cluster at `scheduler` (an address or a Client)."""
    from distributed import Client
    from distributed import as_completed as dask_completed

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        futures = client.map(run_job, jobs, pure=False)
        for future in dask_completed(futures):
            if future.status == "finished":
                on_result(future.result())
            else:
                job = jobs[futures.index(future)]
                on_result({"status": "grader error", "reason": f"dask: {future.exception()}",
                           "student": job["student"], "notebook_name": job["notebook"], "key": job["key"],
                           "notebook": None})
        client.run(close_thread_pool)
    finally:
        if client is not scheduler:
            client.close()
