"""Running blocks of draws in-process, in local processes, or on a Dask cluster (``dask.distributed``).

Work is a number of fixed-size blocks (see :mod:`accord.uncertainty.draws`); a *task* is a
contiguous range of blocks, evaluated by a module-level function ``fn(job, start, stop)``
that returns a dict of arrays whose first axis runs over the task's draws. Results are put
back in block order and concatenated, so they do not depend on the task size, the number of
workers or processes, or the order tasks finish in.

With a Dask client, the job (problem, inputs, model names) is scattered once to every worker
and tasks are submitted with :meth:`distributed.Client.submit`. Without one, ``jobs``
processes of this machine run the tasks (:func:`local_processes`: forked, so they inherit the
job; started only when there are two tasks or more), or with ``jobs=1`` a loop in this
process; :func:`run_works` runs the blocks of several jobs (a Monte Carlo run, a sensitivity
design, a report's figures) on one set of processes. :func:`early_processes` starts them
before the work is planned: the first warms up (numba's load) and forks the others, which
receive the job by pipe once it is made. :func:`local_cluster` starts a
LocalCluster of Dask worker processes on this machine; :func:`connect` attaches to an existing
scheduler.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from accord.errors import InputError
from accord.limits import MAX_WORKERS

Chunk = dict[str, NDArray[Any]]


# how often the main thread looks for finished tasks (and so runs a pending signal handler)
POLL_SECONDS = 0.02

# the longest task (by its work's cost estimate, CPU s) that this process runs itself (Work.here)
HERE_SECONDS = 0.25

# exit codes of the SIGTERMs received inside local_cluster (see _exit_on_sigterm)
_terminated: list[int] = []


class Progress(Protocol):
    """Told how many blocks are done (total given once at the start)."""

    def start(self, total: int) -> None: ...

    def advance(self, blocks: int) -> None: ...


def task_ranges(n_blocks: int, chunk_blocks: int) -> list[tuple[int, int]]:
    """Contiguous ``(start, stop)`` ranges of at most ``chunk_blocks`` blocks covering ``n_blocks``."""
    if chunk_blocks < 1:
        raise InputError(f"--chunk-blocks {chunk_blocks}: must be at least 1 block")
    return [(s, min(s + chunk_blocks, n_blocks)) for s in range(0, n_blocks, chunk_blocks)]


def default_chunk_blocks(n_blocks: int, workers: int) -> int:
    """About four tasks per worker (load balance without much per-task overhead)."""
    return max(1, -(-n_blocks // (4 * max(workers, 1))))


def n_workers(client: Any) -> int:
    if client is None:
        return 1
    return max(1, len(client.scheduler_info().get("workers", {})))


def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity where the system reports one (Linux),
    else the machine's count."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def resolve_jobs(jobs: int | None) -> int:
    """Local processes to run blocks on: ``jobs``, or when None every usable core where
    processes fork (elsewhere a spawned process re-imports the caller's script, which a script
    without a ``__main__`` guard does not survive: there the default is this process)."""
    if jobs is None:
        return usable_cores() if start_method() == "fork" else 1
    if not 1 <= jobs <= MAX_WORKERS:
        raise InputError(f"--jobs {jobs}: must be between 1 and {MAX_WORKERS}")
    return int(jobs)


@dataclass(frozen=True)
class Work:
    """Blocks of one job for :func:`run_works`: ``fn(job, start, stop)`` over ``n_blocks`` blocks.

    ``pieces``: cuts the job into jobs that compute disjoint results of the same blocks (e.g. a
    few models each), so that few large blocks still keep every process busy; each block's
    results are the union of its pieces'. ``cost(piece, start, stop)``: a rough estimate of a
    task's CPU seconds; the tasks of every work go out costliest first (it orders, it never
    changes a number). ``ready``: see below.
    """

    fn: Callable[[Any, int, int], Any]
    job: Any
    n_blocks: int
    pieces: Callable[[Any], Sequence[Any]] | None = None
    cost: Callable[[Any, int, int], float] | None = None
    ready: Callable[[Chunk], None] | None = None
    """Called in this process with a piece's results over every block as soon as they are in,
    while the processes run the other tasks (e.g. a design's estimates, model by model); not
    called where the work runs in this process."""
    here: Callable[[Any, int, int], bool] | None = None
    """``here(piece, start, stop)``: whether a task needs nothing the workers load ahead (no
    compiled kernels): this process runs such tasks itself while every worker is busy (e.g.
    while the first one still loads numba), cheapest first, where ``cost`` puts them within
    :data:`HERE_SECONDS`."""
    preload: Callable[[], Any] | None = None
    """Loads what every process running the tasks needs (e.g. a module): called here before
    workers are forked from this process, so that they inherit it and it is paid once (workers
    started ahead load it in their warm-up instead; in this process the tasks load it)."""


def run_blocks(
    fn: Callable[[Any, int, int], Chunk],
    job: Any,
    n_blocks: int,
    *,
    client: Any = None,
    jobs: int | None = 1,
    chunk_blocks: int | None = None,
    progress: Progress | None = None,
    pieces: Callable[[Any], Sequence[Any]] | None = None,
) -> Chunk:
    """Evaluate ``fn`` over all blocks and concatenate the results in block order.

    ``client``: a Dask client to run the tasks on; else ``jobs`` local processes (None: every
    usable core; 1: this process), started only when there are two tasks or more. ``pieces``:
    for local processes, cuts the job into jobs that compute disjoint results of the same
    blocks (e.g. a few models each), costliest first, so that few large blocks still keep every
    process busy; each block's results are the union of its pieces'.
    """
    if client is None:
        work = Work(fn, job, n_blocks, pieces)
        return run_works([work], jobs=jobs, chunk_blocks=chunk_blocks, progress=progress)[0]
    if chunk_blocks is None:
        chunk_blocks = default_chunk_blocks(n_blocks, n_workers(client))
    ranges = task_ranges(n_blocks, chunk_blocks)
    if progress is not None:
        progress.start(n_blocks)
    parts: dict[int, Chunk] = {}
    as_completed = _distributed().as_completed

    [shared] = client.scatter([job], broadcast=True, hash=False)
    futures = {client.submit(fn, shared, start, stop, pure=False): (start, stop) for start, stop in ranges}
    try:
        done = as_completed(list(futures))
        while not done.is_empty():
            # poll rather than block: a blocked main thread would run a SIGTERM handler only
            # when the next task ends, which may be minutes away
            batch = done.next_batch(block=False)
            if not batch:
                _exit_if_terminated()
                time.sleep(POLL_SECONDS)
            for fut in batch:
                start, stop = futures[fut]
                parts[start] = fut.result()
                if progress is not None:
                    progress.advance(stop - start)
    finally:
        client.cancel(list(futures))
    return _joined([parts[s] for s, _ in ranges])


def _joined(ordered: list[Chunk]) -> Chunk:
    """The blocks' results concatenated in block order."""
    if not ordered:
        return {}
    return {key: np.concatenate([p[key] for p in ordered], axis=0) for key in ordered[0]}


def run_works(
    works: Sequence[Work],
    *,
    jobs: int | None = 1,
    chunk_blocks: int | None = None,
    progress: Progress | None = None,
    started: LocalProcesses | None = None,
) -> list[Chunk]:
    """Each work's blocks evaluated and concatenated in block order, every work on one set of
    ``jobs`` local processes (None: every usable core; 1: this process, work after work), or on
    the processes ``started`` ahead (:func:`early_processes`, started for these ``jobs``).

    One pool for all: the tasks of every work (piece x range of blocks) go out costliest first,
    so that a long task of one work (a sensitivity design's ensemble) runs beside the short
    tasks of another (the Monte Carlo blocks) and no process waits for a second pool. The
    processes start only for two tasks or more. ``chunk_blocks``: blocks per task (default 1).
    """
    ranges = [task_ranges(w.n_blocks, chunk_blocks or 1) for w in works]
    if progress is not None:
        progress.start(sum(w.n_blocks for w in works))
    wanted = resolve_jobs(jobs)
    cut = [list(w.pieces(w.job)) if w.pieces is not None and wanted > 1 else [w.job] for w in works]
    tasks = [
        (w, k, start, stop)
        for w in range(len(works))
        for k in range(len(cut[w]))
        for start, stop in ranges[w]
    ]
    processes = min(wanted, len(tasks), len(started.workers) if started is not None else wanted)
    parts: list[dict[int, Chunk]] = [{} for _ in works]
    if processes <= 1:
        for w, work in enumerate(works):
            for start, stop in ranges[w]:
                parts[w][start] = work.fn(work.job, start, stop)
                if progress is not None:
                    progress.advance(stop - start)
        return [_joined([parts[w][s] for s, _ in ranges[w]]) for w in range(len(works))]

    def cost(task: tuple[int, int, int, int]) -> float:
        w, k, start, stop = task
        estimate = works[w].cost
        return estimate(cut[w][k], start, stop) if estimate is not None else 1.0

    tasks.sort(key=lambda t: -cost(t))  # stable: equal costs keep work, piece, block order
    if started is None and start_method() == "fork":
        for work in works:
            if work.preload is not None:
                work.preload()
    units = [(works[w].fn, piece) for w in range(len(works)) for piece in cut[w]]
    first_unit = [sum(len(c) for c in cut[:w]) for w in range(len(works))]
    waiting = {(w, start): len(cut[w]) for w in range(len(works)) for start, _ in ranges[w]}
    unit_tasks = [(first_unit[w] + k, start, stop) for w, k, start, stop in tasks]
    # only short ones: while this process runs a task, a worker that finishes waits for its next
    here = [_here(works[t[0]], cut[t[0]][t[1]], t[2], t[3]) and cost(t) <= HERE_SECONDS for t in tasks]
    piece_parts: dict[int, dict[int, Chunk]] = {}  # a piece's blocks, kept where its work has ready
    for unit, start, stop, part in local_processes(units, unit_tasks, processes, started, here):
        w, _ = _unit_of(unit, first_unit)
        parts[w].setdefault(start, {}).update(part)
        waiting[w, start] -= 1
        if progress is not None and not waiting[w, start]:
            progress.advance(stop - start)
        ready = works[w].ready
        if ready is not None:
            blocks = piece_parts.setdefault(unit, {})
            blocks[start] = part
            if len(blocks) == len(ranges[w]):
                ready(_joined([blocks.pop(s) for s, _ in ranges[w]]))
    return [_joined([parts[w][s] for s, _ in ranges[w]]) for w in range(len(works))]


def _here(work: Work, piece: Any, start: int, stop: int) -> bool:
    return work.here is not None and work.here(piece, start, stop)


def _unit_of(unit: int, first_unit: list[int]) -> tuple[int, int]:
    """(work, piece) of a unit numbered work after work."""
    w = max(k for k, first in enumerate(first_unit) if first <= unit)
    return w, unit - first_unit[w]


def start_method() -> str:
    """``fork`` where the system has it (the workers inherit the job and the loaded modules, so
    they start in milliseconds), but on macOS, where forking a process that has loaded system
    frameworks is unsafe; ``spawn`` there and on Windows."""
    import multiprocessing

    if sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "spawn"


def _worker(
    conn: Any,
    units: Sequence[tuple[Callable[[Any, int, int], Any], Any]] | None,
    warm: Callable[[], None] | None = None,
    parent: int | None = None,
    siblings: Sequence[Any] = (),
) -> None:
    """A local worker process: runs the tasks ``(unit, start, stop)`` it receives (``fn(job,
    start, stop)`` of ``units[unit] = (fn, job)``) and sends back ``(unit, start, stop, result,
    error)`` until it reads None or its pipe closes. A worker started ahead of its work
    (:func:`early_processes`) runs ``warm`` first, then forks one worker for each pipe in
    ``siblings`` (so they share what ``warm`` loaded, paid once), and every one of them reads
    its ``units`` from its pipe.

    SIGTERM ends it (it inherited this process's handler, which only notes the signal), SIGINT
    is ignored (Ctrl-C reaches the whole process group; the parent ends its workers), and on
    Linux it ends with the parent even if that is killed outright.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # a progress display may have replaced the streams with proxies whose locks its refresh
    # thread held at the fork: a worker writes (a warning) to the real ones
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    # the processes already fill the cores: BLAS threads of their own only contend (OpenBLAS's
    # two threads per worker cost 15% more CPU on the 8 x 4 case, the same numbers either way)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if parent is not None and os.getppid() != parent:  # the parent ended before prctl took hold
        return
    if warm is not None:
        try:
            warm()
        except Exception:  # a warm-up only saves time; the tasks pay whatever it did not
            pass
    forked = [_fork_sibling(conn, sibling, siblings) for sibling in siblings]
    for sibling in siblings:
        sibling.close()
    try:
        _serve(conn, units)
    finally:
        for pid in forked:  # a sibling ends on its own None, or with this process
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _fork_sibling(conn: Any, sibling: Any, siblings: Sequence[Any]) -> int:
    """Fork a worker on pipe ``sibling`` from this worker (``conn``); its process id."""
    me = os.getpid()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            for other in (conn, *siblings):
                if other is not sibling:
                    other.close()
            _worker(sibling, None, None, me)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    return pid


def _serve(conn: Any, units: Sequence[tuple[Callable[[Any, int, int], Any], Any]] | None) -> None:
    """A worker's loop: its units (read from ``conn`` where None), then its tasks until None."""
    if units is None:
        try:
            units = conn.recv()
        except (EOFError, OSError):
            return
        if units is None:
            return
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        unit, start, stop = task
        fn, job = units[unit]
        reply: tuple[int, int, int, Any, Exception | None]
        try:
            reply = (unit, start, stop, fn(job, start, stop), None)
        except Exception as exc:
            reply = (unit, start, stop, None, _portable(exc))
        try:
            conn.send(reply)
        except Exception as exc:  # a result that does not pickle: its error's text does
            conn.send((unit, start, stop, None, RuntimeError(f"{type(exc).__name__}: {exc}")))


def _portable(exc: Exception) -> Exception:
    """``exc`` if it survives the pipe (pickled here, rebuilt there), else its type and text."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__} in a worker process: {exc}")
    return exc


def _lost(worker: Any) -> InputError:
    """The error for a worker whose pipe broke: it ended (killed, out of memory) mid-task."""
    worker.join(0.5)  # reaped, so its exit code is known
    code = worker.exitcode
    if code is None:
        how = "a worker forked by another"
    else:
        how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
    return InputError(f"a worker process ended unexpectedly ({how}; out of memory?): try fewer --jobs")


class LocalProcesses:
    """Local worker processes started ahead of their work (:func:`early_processes`), handed to
    :func:`run_works` (``started=``): each reads its units when the work is planned."""

    def __init__(self, workers: list[tuple[Any, Any]]) -> None:
        self.workers = workers


class _Sibling:
    """A worker forked by the first worker (``first``), seen from this process: it ends with
    ``first`` (its parent; on Linux by ``PR_SET_PDEATHSIG``, elsewhere on its pipe's close), and
    a failure shows as its pipe closing."""

    exitcode = None  # its parent, not this process, reaps it

    def __init__(self, first: Any) -> None:
        self.first = first

    @property
    def pid(self) -> int | None:
        return self.first.pid

    @property
    def sentinel(self) -> Any:
        return self.first.sentinel

    def is_alive(self) -> bool:
        return bool(self.first.is_alive())

    def terminate(self) -> None:
        self.first.terminate()

    def kill(self) -> None:
        self.first.kill()

    def join(self, timeout: float | None = None) -> None:
        self.first.join(timeout)


def _start_workers(
    processes: int,
    units: Sequence[tuple[Callable[[Any, int, int], Any], Any]] | None,
    warm: Callable[[], None] | None,
    workers: list[tuple[Any, Any]],
) -> None:
    """Start ``processes`` workers, each appended to ``workers`` (worker, pipe) before it starts,
    so that the caller's clean-up ends whatever started."""
    import multiprocessing

    context: Any = multiprocessing.get_context(start_method())
    for _ in range(processes):
        mine, theirs = context.Pipe()
        worker = context.Process(
            target=_worker,
            args=(theirs, None if units is None else list(units), warm, os.getpid()),
            daemon=True,
        )
        workers.append((worker, mine))
        worker.start()
        theirs.close()


def _end_workers(workers: list[tuple[Any, Any]], finished: bool = False) -> None:
    """Terminate (then kill) the workers still running, reap them, close their pipes.
    ``finished``: every worker was told to end; give them a moment to (a first worker reaps
    the ones it forked, so that their CPU time is counted as this process's children's)."""
    started = [(worker, conn) for worker, conn in workers if worker.pid is not None]
    deadline = time.monotonic() + (1.0 if finished else 0.0)
    for worker, _ in started:
        worker.join(max(0.0, deadline - time.monotonic()))
    for worker, _ in started:
        if worker.is_alive():
            worker.terminate()
    deadline = time.monotonic() + 3.0
    for worker, _ in started:
        worker.join(max(0.0, deadline - time.monotonic()))
        if worker.is_alive():
            worker.kill()
            worker.join()
    for _, conn in workers:
        conn.close()


@contextmanager
def early_processes(
    jobs: int | None, warm: Callable[[], None] | None = None
) -> Iterator[LocalProcesses | None]:
    """``jobs`` local worker processes (None: every usable core) started now, before their work
    is planned, for :func:`run_works` (``started=``): they start and run ``warm`` (e.g. numba's
    load) while this process plans. None (nothing started) for one job or where processes do not
    fork (a spawned worker would receive the units at its start anyway). No worker outlives the
    block; SIGTERM meanwhile ends the command as in :func:`local_processes`."""
    wanted = resolve_jobs(jobs)
    if wanted <= 1 or start_method() != "fork":
        yield None
        return
    import multiprocessing

    context: Any = multiprocessing.get_context("fork")
    previous = _exit_on_sigterm()
    workers: list[tuple[Any, Any]] = []
    pipes = [context.Pipe() for _ in range(wanted)]
    try:
        # one process warms up, then forks the others: what warm loads is paid once
        first = context.Process(
            target=_worker,
            args=(pipes[0][1], None, warm, os.getpid(), [p[1] for p in pipes[1:]]),
            daemon=True,
        )
        workers.append((first, pipes[0][0]))
        workers.extend((_Sibling(first), mine) for mine, _ in pipes[1:])
        first.start()
        for _, theirs in pipes:
            theirs.close()
        yield LocalProcesses(workers)
    finally:
        _end_workers(workers)
        for _, theirs in pipes:
            theirs.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    _exit_if_terminated()


def local_processes(
    units: Sequence[tuple[Callable[[Any, int, int], Any], Any]],
    tasks: Sequence[tuple[int, int, int]],
    processes: int,
    started: LocalProcesses | None = None,
    here: Sequence[bool] = (),
) -> Iterator[tuple[int, int, int, Any]]:
    """``(unit, start, stop, fn(job, start, stop))`` for every task ``(unit, start, stop)``, with
    ``(fn, job) = units[unit]``, as ``processes`` local worker processes finish them (in any
    order; handed out in the order given, so the first tasks should be the costliest). The
    workers inherit the units (forked), receive them once (spawned), or, where ``started`` gives
    workers already running (:func:`early_processes`), receive them now (the first
    ``processes`` of them; the others are told to end). ``here[t]``: task ``t`` may run in this
    process, which takes such tasks from the end of the list (the cheapest) whenever every
    worker is busy and no result is in.

    Each worker has a pipe to this process and no helper thread runs here, so nothing waits on
    a worker at exit. No worker outlives the call: they are ended in ``finally`` (normal end, an
    error, Ctrl-C, or a plain ``kill``: SIGTERM is noted, as in :func:`local_cluster`, and turned
    into ``SystemExit`` within :data:`POLL_SECONDS`).
    """
    from collections import deque
    from multiprocessing.connection import wait

    queue = deque(range(len(tasks)))
    # tasks this process may run, cheapest (last) first; each leaves the queue when taken
    mine = [t for t in range(len(tasks)) if t < len(here) and here[t]]
    previous = _exit_on_sigterm()
    workers: list[tuple[Any, Any]] = []
    busy: dict[Any, Any] = {}  # pipe -> its worker, while a task is out
    finished = False

    def send(conn: Any, worker: Any, message: Any) -> None:
        try:
            conn.send(message)
        except OSError:  # the pipe broke: the worker is gone
            raise _lost(worker) from None

    try:
        if started is None:
            _start_workers(processes, units, None, workers)
        else:
            workers = started.workers
            for worker, conn in workers[processes:]:
                send(conn, worker, None)
            workers = workers[:processes]
            for worker, conn in workers:
                send(conn, worker, list(units))
        for worker, conn in workers:
            if queue:
                send(conn, worker, tasks[queue.popleft()])
                busy[conn] = worker
        while busy:
            if mine and (not queue or mine[-1] < queue[0]):
                mine.clear()  # the workers took them (they take the queue from its front)
            # (forked siblings share their parent's sentinel: each once)
            ready = wait([*busy, *{w.sentinel for w in busy.values()}], timeout=0 if mine else POLL_SECONDS)
            _exit_if_terminated()
            if not ready and mine:
                t = mine.pop()
                queue.remove(t)
                unit, start, stop = tasks[t]
                fn, job = units[unit]
                yield unit, start, stop, fn(job, start, stop)
                continue
            for conn, worker in list(busy.items()):
                if conn not in ready and worker.sentinel not in ready:
                    continue
                try:
                    unit, start, stop, part, error = conn.recv()
                except (EOFError, OSError):
                    raise _lost(worker) from None
                if error is not None:
                    raise error
                if queue:
                    send(conn, worker, tasks[queue.popleft()])
                else:
                    del busy[conn]
                    send(conn, worker, None)
                yield unit, start, stop, part
        finished = True
    finally:
        _end_workers(workers if started is None else started.workers, finished)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if finished:  # a SIGTERM that came during the last task or the clean-up ends the command
            _exit_if_terminated()


def _distributed() -> Any:
    """Dask's ``distributed`` package: an optional extra (``pip install 'accord[distributed]'``)."""
    try:
        import distributed
    except ImportError:
        raise InputError(
            "--workers/--scheduler need Dask: pip install 'accord[distributed]' (make setup installs it)"
        ) from None
    return distributed


@contextmanager
def local_cluster(workers: int) -> Iterator[Any]:
    """A Dask client on a LocalCluster of ``workers`` single-threaded processes; closed on exit.

    No worker outlives the block: client and cluster close in ``finally`` (their own shutdown
    errors are not the user's), SIGTERM is turned into ``SystemExit`` meanwhile so that the
    ``finally`` runs on a plain ``kill`` too, and any worker process still there at the end is
    terminated.
    """
    if workers < 1:
        raise InputError(f"--workers {workers}: must be at least 1")
    distributed = _distributed()
    import dask
    import psutil

    Client, LocalCluster = distributed.Client, distributed.LocalCluster

    me = psutil.Process()
    before = {c.pid for c in me.children(recursive=True)}
    _terminated.clear()
    previous = _exit_on_sigterm()
    try:
        # Dask sets MALLOC_TRIM_THRESHOLD_ in its workers, which turns off glibc's adaptive mmap
        # threshold: every block-sized NumPy temporary is then mapped and unmapped afresh and
        # the draws run about 3-5 times slower than in-process (measured). Workers here keep
        # glibc's defaults, like this process.
        with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=50,  # logging.CRITICAL: shutdown races log tracebacks that are not errors
            )
        try:
            client = Client(cluster)
            try:
                _exit_if_terminated()
                yield client
            finally:
                _quietly(client.close)
        finally:
            _quietly(cluster.close)
    finally:
        _reap(me, before)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if _terminated:
            # a SIGTERM that lands inside Dask's start-up can leave its event-loop thread alive,
            # and the interpreter would wait for it at exit: end now, the workers are gone
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(_terminated[0])


def _exit_on_sigterm() -> Any:
    """Note a SIGTERM's exit code (143) in ``_terminated``, where the main thread's loops turn it
    into SystemExit; the previous handler. The handler itself raises nothing: it may run inside
    Dask's garbage-collection callback, which would swallow the exception and print it."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum: int, frame: Any) -> None:
        _terminated.append(128 + signum)

    return signal.signal(signal.SIGTERM, stop)


def _exit_if_terminated() -> None:
    if _terminated:
        raise SystemExit(_terminated[0])


def _quietly(close: Callable[[], Any]) -> None:
    """Run a Dask close; a failure to shut down cleanly is not the user's error."""
    try:
        close()
    except Exception:  # e.g. a worker killed mid-start fails Dask's own assertions
        pass


def _reap(me: Any, before: set[int], grace: float = 3.0) -> None:
    """Terminate (then kill) this process's children started since ``before`` (the workers),
    but for multiprocessing's resource tracker, which ends with this process."""
    import psutil

    try:
        late = [
            c
            for c in me.children(recursive=True)
            if c.pid not in before and "resource_tracker" not in " ".join(c.cmdline())
        ]
    except psutil.Error:
        return
    for c in late:
        try:
            c.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(late, timeout=grace)
    for c in alive:
        try:
            c.kill()
        except psutil.Error:
            pass


@contextmanager
def connect(address: str, timeout: float = 10.0) -> Iterator[Any]:
    """A Dask client on the existing scheduler at ``address`` (e.g. ``tcp://host:8786``)."""
    client_type = _distributed().Client
    try:
        client = client_type(address, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise InputError(f"--scheduler {address}: cannot connect ({exc})") from None
    try:
        yield client
    finally:
        client.close()


class RichProgress:
    """A Rich progress bar on stderr, counting blocks of draws."""

    def __init__(self, description: str, enabled: bool | None = None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        console = Console(stderr=True)
        self.enabled = console.is_terminal if enabled is None else enabled
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("blocks"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not self.enabled,
        )
        self.description = description
        self._task: Any = None

    def __enter__(self) -> RichProgress:
        self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.__exit__(None, None, None)
        sys.stderr.flush()

    def start(self, total: int) -> None:
        self._task = self._bar.add_task(self.description, total=total)

    def advance(self, blocks: int) -> None:
        if self._task is not None:
            self._bar.advance(self._task, blocks)
