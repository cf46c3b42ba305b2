"""Where the sandboxed runs happen: local worker threads (default) or a Dask cluster.

Both call the same function, run_job, on the same job dicts, so results do
not depend on the runner. Each worker thread keeps its own pool of warm
sandboxes (autograder.sandbox.SandboxPool); a sandbox serves one submission.
"""

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

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


def _failed(job, reason):
    return {"status": "grader error", "reason": reason, "student": job["student"], "notebook_name": job["notebook"],
            "key": job["key"], "notebook": None}


def run_local(jobs, workers, on_result):
    """Run jobs (any iterable: they may still be arriving) on `workers` threads, each driving its own
    sandboxes; call on_result as each finishes, from one thread at a time."""
    lock = threading.Lock()

    def work(job):
        try:
            result = run_job(job)
        except Exception as exc:  # noqa: BLE001 - one broken job must not stop the class
            result = _failed(job, f"{type(exc).__name__}: {exc}")
        with lock:
            on_result(result)

    with ThreadPoolExecutor(max_workers=workers) as executor:
        futures = [executor.submit(work, job) for job in jobs]
        for future in futures:
            future.result()
        # the warm sandboxes each thread started ahead are not needed any more
        list(executor.map(lambda _: close_thread_pool(), range(workers)))


def run_dask(jobs, scheduler, on_result):
    """Run jobs (any iterable) on a Dask distributed cluster at `scheduler` (an address or a Client)."""
    from distributed import Client
    from distributed import as_completed as dask_completed

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        submitted = {}
        for job in jobs:
            submitted[client.submit(run_job, job, pure=False)] = job
        for future in dask_completed(list(submitted)):
            if future.status == "finished":
                on_result(future.result())
            else:
                on_result(_failed(submitted[future], f"dask: {future.exception()}"))
        client.run(close_thread_pool)
    finally:
        if client is not scheduler:
            client.close()
