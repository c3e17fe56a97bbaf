"""Analysis runs off the request path: a process pool (spawn) that runs the case analysis of a
stored version and writes progress, result and timings into the run's row.

A run's life: ``queued`` (row written by the request) -> ``running`` (claimed by a worker with a
compare-and-set, so it runs once) -> ``done`` or ``failed`` (with the reason). On start the server
looks for runs left ``running`` by a crash: each is queued again until it has been tried
``Settings.max_attempts`` times, then marked failed with the reason; queued runs are submitted.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from accord.errors import InputError
from accord.scenario.model import Scenario
from accord.server.db import Store, write
from accord.server.models import Report, Run, User, Version, utcnow

log = logging.getLogger("accord.server.jobs")

Progress = Callable[[float, str], None]


# ----------------------------------------------------------------------------------------------
# the one adapter onto accord's case analysis
# ----------------------------------------------------------------------------------------------


def analyze(
    scenario: Scenario,
    *,
    seed: int = 0,
    draws: int = 0,
    models: bool = True,
    progress: Progress | None = None,
    client: Any = None,
) -> dict[str, Any]:
    """The case analysis of ``scenario`` as JSON (``CaseAnalysis.to_dict()``, summary first): the
    only place the server calls :mod:`accord.case`. ``draws`` > 0 adds the Monte Carlo
    probabilities, drawn on the Dask ``client`` (every model, through
    :func:`accord.uncertainty.simulation.simulate`) when one is given; ``models`` False skips the
    forecasting models (the what-if path: acceptance, zone, mediator proposals).
    ``progress(fraction, stage)`` is told how far it got."""
    from accord.case import DEFAULT_NOISE, analyze_case

    say = progress or (lambda _f, _s: None)
    say(0.02, "forecasts and the zone of agreement")
    blocks = _BlockProgress(say, 0.3, 0.98, f"Monte Carlo: {draws} draws")
    simulation = None
    if draws > 0 and client is not None:
        from accord.uncertainty.simulation import simulate

        simulation = simulate(scenario, draws, seed=seed, noise=DEFAULT_NOISE, client=client, progress=blocks)
    case = analyze_case(
        scenario,
        draws=draws,
        seed=seed,
        forecasts=None if models else {},
        simulation=simulation,
        progress=blocks,
    )
    say(1.0, "done")
    result: dict[str, Any] = clean(case.to_dict())
    return result


class _BlockProgress:
    """accord's block-progress protocol (``start(total)``, ``advance(blocks)``) onto a fraction."""

    def __init__(self, say: Progress, lo: float, hi: float, stage: str) -> None:
        self.say, self.lo, self.hi, self.stage = say, lo, hi, stage
        self.total, self.done = 1, 0

    def start(self, total: int) -> None:
        self.total = max(1, total)

    def advance(self, blocks: int) -> None:
        self.done += blocks
        self.say(self.lo + (self.hi - self.lo) * min(1.0, self.done / self.total), self.stage)


def clean(value: Any) -> Any:
    """JSON-ready data with every NaN or infinity replaced by None (JSON has neither)."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item") and callable(value.item):  # NumPy scalars
        return clean(value.item())
    return value


def analyze_now(scenario: Scenario, *, seed: int = 0) -> dict[str, Any]:
    """The analysis without Monte Carlo or forecasting models, in the caller's thread (the what-if
    path: the verdict, the zone and its maximin point, the proposals' acceptance)."""
    return analyze(scenario, seed=seed, draws=0, models=False)


def render_report(scenario: Scenario, *, seed: int, draws: int) -> str:
    """The self-contained HTML report of a scenario (as ``accord report`` writes it)."""
    from accord.report.html import collect, render

    data = collect(scenario, seed=seed, draws=draws, sensitivity_draws=0)
    html, _ = render(data)
    return html


# ----------------------------------------------------------------------------------------------
# the worker side (runs in a pool process)
# ----------------------------------------------------------------------------------------------

_STORES: dict[str, Store] = {}


def _store(url: str) -> Store:
    if url not in _STORES:
        _STORES[url] = Store(url)
    return _STORES[url]


def _set(db: Session, run_id: int, **values: Any) -> None:
    write(db)
    db.execute(update(Run).where(Run.id == run_id).values(**values))
    db.commit()


def execute_run(db_url: str, run_id: int, dask_scheduler: str | None = None) -> str:
    """Run one queued run to its end (in a pool process); returns its final status."""
    store = _store(db_url)
    with store.session() as db:
        write(db)
        claimed = db.execute(
            update(Run)
            .where(Run.id == run_id, Run.status == "queued")
            .values(status="running", started_at=utcnow(), attempts=Run.attempts + 1, stage="starting")
        ).rowcount  # type: ignore[attr-defined]
        db.commit()
        if claimed != 1:
            return "skipped"
        run = db.get(Run, run_id)
        version = db.get(Version, run.version_id) if run is not None else None
        if run is None or version is None:
            return "skipped"
        seed, draws, want_report, data = run.seed, run.draws, run.want_report, version.data
        queued_s = (run.started_at - run.created_at).total_seconds() if run.started_at else None
    from accord import __version__

    last = [0.0]

    def progress(fraction: float, stage: str) -> None:
        now = time.monotonic()
        if now - last[0] < 0.25 and fraction < 1.0:
            return  # a row update per quarter second is plenty for a progress bar
        last[0] = now
        with store.session() as s:
            _set(s, run_id, progress=round(min(max(fraction, 0.0), 1.0), 4), stage=stage[:200])

    t0 = time.perf_counter()
    try:
        from accord.server.scenarios import from_data

        scenario = from_data(data)
        if dask_scheduler:
            from accord.uncertainty.distributed import connect

            with connect(dask_scheduler) as client:
                result = analyze(scenario, seed=seed, draws=draws, progress=progress, client=client)
        else:
            result = analyze(scenario, seed=seed, draws=draws, progress=progress)
        analysis_s = time.perf_counter() - t0
        html = None
        if want_report:
            progress(0.99, "report")
            html = render_report(scenario, seed=seed, draws=draws)
        timings = {"queued_s": queued_s, "analysis_s": round(analysis_s, 4)}
        if html is not None:
            timings["report_s"] = round(time.perf_counter() - t0 - analysis_s, 4)
        with store.session() as db:
            write(db)
            if html is not None:
                db.merge(Report(run_id=run_id, html=html))
            db.execute(
                update(Run)
                .where(Run.id == run_id)
                .values(
                    status="done",
                    progress=1.0,
                    stage="done",
                    result=result,
                    accord_version=__version__,
                    timings=timings,
                    finished_at=utcnow(),
                )
            )
            db.commit()
        return "done"
    except InputError as exc:
        reason = str(exc)
    except Exception as exc:  # noqa: BLE001 - any failure ends the run with its reason, never a hang
        log.error("run %s failed:\n%s", run_id, traceback.format_exc())
        reason = f"internal error in the analysis ({type(exc).__name__}); the server log has the details"
    with store.session() as db:
        _set(
            db,
            run_id,
            status="failed",
            error=reason,
            stage="failed",
            accord_version=__version__,
            timings={"queued_s": queued_s, "analysis_s": round(time.perf_counter() - t0, 4)},
            finished_at=utcnow(),
        )
    return "failed"


JOB_NICENESS = 10  # the pool's workers run below the request handlers


def _warm(server_pid: int) -> None:
    """Pool initialiser: die with the server, so a crashed server leaves no orphan writing into
    the runs it was running (a watchdog thread; PR_SET_PDEATHSIG would fire when the thread that
    spawned the worker ends, not the server); and import the analysis once, not in a run's time."""

    def watch() -> None:
        while os.getppid() == server_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="accord-watchdog", daemon=True).start()
    # analyses are batch work: requests (reads, saves) get the CPU first on a small machine
    try:
        os.nice(JOB_NICENESS)
    except OSError:  # pragma: no cover - a platform without nice
        pass
    import accord.case  # noqa: F401


# ----------------------------------------------------------------------------------------------
# the server side
# ----------------------------------------------------------------------------------------------


class JobRunner:
    """The pool that runs queued runs; created lazily on the first submission."""

    def __init__(
        self, store: Store, workers: int = 1, dask_scheduler: str | None = None, max_attempts: int = 2
    ):
        self.store, self.workers, self.dask_scheduler = store, workers, dask_scheduler
        self.max_attempts = max_attempts
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._submitted: set[int] = set()  # handed to the pool and not finished
        self._stop = threading.Event()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_warm,
                    initargs=(os.getpid(),),
                )
            return self._pool

    def submit(self, run_id: int) -> None:
        """Hand a queued run to the pool (once: a run already handed over is left there)."""
        with self._lock:
            if self._closed or run_id in self._submitted:
                return
            self._submitted.add(run_id)
        future = self._executor().submit(execute_run, self.store.url, run_id, self.dask_scheduler)
        future.add_done_callback(lambda f: self._finished(run_id, f))

    def watch(self, interval_s: float = 0.5) -> threading.Thread:
        """Submit the runs that other processes queue (the web workers of ``accord serve
        --http-workers N``): a thread that looks for queued runs every ``interval_s``."""

        def loop() -> None:
            while not self._stop.wait(interval_s):
                try:
                    with self.store.session() as db:
                        queued = list(
                            db.scalars(select(Run.id).where(Run.status == "queued").order_by(Run.id))
                        )
                    for run_id in queued:
                        self.submit(run_id)
                except Exception:  # noqa: BLE001 - a database hiccup must not end the watch
                    log.exception("looking for queued runs failed; trying again")

        thread = threading.Thread(target=loop, name="accord-run-watch", daemon=True)
        thread.start()
        return thread

    def _finished(self, run_id: int, future: Future[str]) -> None:
        with self._lock:
            self._submitted.discard(run_id)
        exc = None if future.cancelled() else future.exception()
        if exc is None:
            return
        # the worker process died (killed, out of memory) before it could record the end itself
        log.error("run %s: worker failed: %r", run_id, exc)
        from concurrent.futures.process import BrokenProcessPool

        if isinstance(exc, BrokenProcessPool):
            with self._lock:
                self._pool = None
        with self.store.session() as db:
            _set_if_unfinished(
                db, run_id, f"the analysis process stopped unexpectedly ({type(exc).__name__})"
            )

    def recover(self) -> list[int]:
        """Re-queue runs a crash left running (or fail them after ``max_attempts``) and submit every
        queued run; returns the ids submitted."""
        with self.store.session() as db:
            write(db)
            stuck = list(db.scalars(select(Run).where(Run.status == "running")))
            for run in stuck:
                if run.attempts >= self.max_attempts:
                    run.status, run.stage, run.finished_at = "failed", "failed", utcnow()
                    run.error = (
                        f"the server stopped while this run was running ({run.attempts} attempt"
                        f"{'s' if run.attempts != 1 else ''}); start it again"
                    )
                else:
                    run.status, run.progress = "queued", 0.0
                    run.stage = f"queued again after a server restart (attempt {run.attempts + 1})"
            db.commit()
            queued = _queued(db)
        for run_id in queued:
            self.submit(run_id)
        return queued

    def close(self) -> None:
        """Stop taking work; runs in progress are left to the next start's recovery."""
        self._closed = True
        self._stop.set()
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            # a spawned worker mid-analysis would keep the process alive: end it
            procs = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in procs:
                if proc.is_alive():
                    proc.terminate()


def _queued(db: Session) -> list[int]:
    return list(db.scalars(select(Run.id).where(Run.status == "queued").order_by(Run.id)))


class RunsElsewhere:
    """The jobs of a web worker of a multi-process server (``accord serve --http-workers N``):
    a run stays queued in the database, where the server's main process, which alone runs the
    pool and the recovery after a crash, takes it (:meth:`JobRunner.watch`)."""

    def submit(self, run_id: int) -> None:
        """Nothing to do: the queued row is the hand-over."""

    def recover(self) -> list[int]:
        """Nothing to do: the main process recovers, once."""
        return []

    def close(self) -> None:
        """Nothing to close."""


def _set_if_unfinished(db: Session, run_id: int, reason: str) -> None:
    write(db)
    db.execute(
        update(Run)
        .where(Run.id == run_id, Run.status.in_(("queued", "running")))
        .values(status="failed", stage="failed", error=reason, finished_at=utcnow())
    )
    db.commit()


def submit_run(
    app: Any,
    db: Session,
    case_id: int,
    version_number: int | None,
    user: User,
    *,
    seed: int = 0,
    draws: int = 1000,
    report: bool = False,
) -> Run:
    """Queue the case analysis of a version (None: the latest) and hand it to the pool."""
    from accord.server import store

    version = store.get_version(db, case_id, version_number, data=False)
    run = store.create_run(db, case_id, version, user, seed=seed, draws=draws, report=report)
    app.state.jobs.submit(run.id)
    return run


def run_json(run: Run, *, result: bool = True) -> dict[str, Any]:
    """A run as the API shows it."""
    out: dict[str, Any] = {
        "id": run.id,
        "case_id": run.case_id,
        "version": run.version_number,
        "status": run.status,
        "progress": run.progress,
        "stage": run.stage,
        "seed": run.seed,
        "draws": run.draws,
        "report": run.want_report,
        "accord_version": run.accord_version or None,
        "error": run.error,
        "attempts": run.attempts,
        "timings": run.timings,
        "created_at": iso(run.created_at),
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
    }
    if result:
        out["result"] = run.result
    return out


def iso(t: Any) -> str | None:
    """A naive-UTC time as ISO 8601 with ``Z``."""
    return None if t is None else t.isoformat(timespec="milliseconds") + "Z"
