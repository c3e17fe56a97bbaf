"""How many threads the compiled kernels use, and at most one parallel kernel at a time.

A parallel kernel (``parallel=True``, its independent rows spread over threads by ``prange``)
has a serial twin compiled from the same row function: every row is computed by one thread,
with its sums in the serial order, so the bits do not depend on the number of threads.
:func:`call` runs the parallel one only where that is safe and polite:

- numba's built-in threading layer (workqueue) aborts the process when two Python threads run
  parallel kernels at once (the server runs analyses in a thread pool): a parallel call holds a
  lock, and a thread that finds it taken runs the serial twin instead of waiting;
- worker processes (``--jobs`` workers, the server's job pool, Dask workers: any
  ``multiprocessing`` child) already fill the cores, so there a kernel runs serially; a forked
  worker also never touches a thread pool its parent may have started;
- ``NUMBA_NUM_THREADS`` and the cores this process may run on cap the threads, and
  :func:`set_threads` sets them (1: always serial).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from typing import Any

_LOCK = threading.Lock()
_chosen: tuple[int, int] | None = None  # (the process that chose, threads): not a forked child
_CHUNKS_PER_THREAD = 8  # row ranges per thread: rows may differ in cost
# inner terms from which a call runs in parallel: waking the threads costs about 0.1 ms
PARALLEL_FROM = 1 << 20


def set_threads(n: int | None) -> None:
    """Use ``n`` threads in the parallel kernels of this process (capped by ``NUMBA_NUM_THREADS``;
    its forked children keep their own default, 1); None: the default."""
    global _chosen
    if n is not None and n < 1:
        raise ValueError(f"threads must be at least 1, not {n}")
    _chosen = None if n is None else (os.getpid(), n)


def threads() -> int:
    """Threads a parallel kernel would use now: :func:`set_threads`'s, else 1 in a worker process,
    else the cores this process may use; never above ``NUMBA_NUM_THREADS``."""
    import numba

    config: Any = numba.config  # its settings are set at run time: mypy cannot see them
    if _chosen is not None and _chosen[0] == os.getpid():
        wanted = _chosen[1]
    elif multiprocessing.parent_process() is not None:
        wanted = 1
    else:
        wanted = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(wanted, config.NUMBA_NUM_THREADS))


def rows(
    parallel: Callable[..., Any], serial: Callable[..., Any], n_rows: int, work: int, *args: Any
) -> None:
    """Rows ``0..n_rows`` of a row kernel: ``parallel(n_rows, n_chunks, *args)`` on :func:`threads`
    threads if more than one, the call's ``work`` (its inner terms) pays for waking them, and no
    other thread runs a parallel kernel now; else ``serial(0, n_rows, *args)``. Both give the same
    bits: each row is computed by one thread."""
    n = threads() if work >= PARALLEL_FROM and n_rows > 1 else 1
    if n > 1 and _LOCK.acquire(blocking=False):
        try:
            import numba

            if "NUMBA_THREADING_LAYER" not in os.environ:
                # GNU OpenMP, numba's choice where libgomp is found, spins its threads after each
                # parallel call: on a shared machine they take the cores from the serial NumPy code
                # between the calls (measured: 300-actor pair votes 1.6 ms with workqueue, 15 with omp)
                config: Any = numba.config
                config.THREADING_LAYER = "workqueue"
            numba.set_num_threads(n)  # per calling thread
            parallel(n_rows, min(n_rows, _CHUNKS_PER_THREAD * n), *args)
            return
        finally:
            _LOCK.release()
    serial(0, n_rows, *args)
