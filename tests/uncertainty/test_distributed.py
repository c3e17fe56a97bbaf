"""Tasks on a real Dask LocalCluster give the same numbers as in-process, with 1 or 2 workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from accord.errors import InputError
from accord.scenario import validate
from accord.scenario.formats.native import to_data
from accord.uncertainty import simulation as unc_simulation
from accord.uncertainty.distributed import default_chunk_blocks, local_cluster, run_blocks, task_ranges
from accord.uncertainty.sensitivity import sensitivity
from accord.uncertainty.simulation import simulate


def scenario():
    actors = [
        {
            "id": f"a{k}",
            "capability": 1 + k,
            "veto": k < 2,
            "positions": {
                "x": {"position": 20 * k, "salience": 0.5, "uncertainty": {"position": {"sd": 10}}},
                "y": {"position": 100 - 25 * k, "salience": 0.8},
            },
        }
        for k in range(4)
    ]
    issues = [{"id": "x", "status_quo": 50}, {"id": "y", "status_quo": 30}]
    proposals = [{"id": "p", "point": {"x": 40, "y": 60}}]
    return validate({"name": "d", "actors": actors, "issues": issues, "proposals": proposals}, "d")


def test_task_ranges_cover_every_block_once() -> None:
    assert task_ranges(7, 3) == [(0, 3), (3, 6), (6, 7)]
    assert task_ranges(0, 2) == []
    assert default_chunk_blocks(10, 2) == 2 and default_chunk_blocks(1, 8) == 1
    with pytest.raises(InputError):
        task_ranges(3, 0)


def _parts(job, start, stop):
    return {"block": np.arange(start, stop)}


class _Count:
    def __init__(self) -> None:
        self.total, self.done = 0, 0

    def start(self, total: int) -> None:
        self.total = total

    def advance(self, blocks: int) -> None:
        self.done += blocks


def test_results_come_back_in_block_order_and_progress_counts_blocks() -> None:
    bar = _Count()
    out = run_blocks(_parts, None, 7, chunk_blocks=3, progress=bar)
    assert np.array_equal(out["block"], np.arange(7))
    assert (bar.total, bar.done) == (7, 7)


def test_one_and_two_workers_give_the_in_process_numbers() -> None:
    s = scenario()
    kw = {"seed": 8, "noise": 0.05, "block_size": 50}
    ref = simulate(s, 300, ["compromise", "nbs"], **kw)
    ref_sens = sensitivity(s, 64, ["compromise"], seed=8, noise=0.05, block_size=16)
    with local_cluster(2) as client:
        cluster = client.cluster
        assert len(client.scheduler_info()["workers"]) == 2
        workers = _worker_processes()
        assert len(workers) >= 2
        two = simulate(s, 300, ["compromise", "nbs"], client=client, chunk_blocks=1, **kw)
        bar = _Count()
        two_sens = sensitivity(
            s, 64, ["compromise"], seed=8, noise=0.05, block_size=16, client=client, progress=bar
        )
        cluster.scale(1)  # retiring a worker is quicker than starting a second cluster
        deadline = time.monotonic() + 60
        while len(client.scheduler_info()["workers"]) != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(client.scheduler_info()["workers"]) == 1
        one = simulate(s, 300, ["compromise", "nbs"], client=client, **kw)
    assert cluster.status.name == "closed"
    assert _still_running(workers) == []
    for run in (one, two):
        for name in ref.outcomes:
            assert np.array_equal(run.outcomes[name], ref.outcomes[name])
        assert np.array_equal(run.proposal_accepted, ref.proposal_accepted)
        assert np.array_equal(run.point_acceptable, ref.point_acceptable)
    assert np.array_equal(two_sens.total["compromise"], ref_sens.total["compromise"])
    assert np.array_equal(two_sens.first["compromise"], ref_sens.first["compromise"])
    assert bar.done == bar.total == 4


def _worker_processes(parent: psutil.Process | None = None) -> list[psutil.Process]:
    """The process's children but multiprocessing's resource tracker (which ends with it)."""
    kids = (parent or psutil.Process()).children(recursive=True)
    return [c for c in kids if "resource_tracker" not in " ".join(c.cmdline())]


def _still_running(procs: list[psutil.Process]) -> list[int]:
    return [p.pid for p in procs if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_no_worker_outlives_a_terminated_simulate(tmp_path: Path) -> None:
    # a plain `kill` (SIGTERM) of `accord simulate --workers` used to leave its workers running
    path = tmp_path / "d.yaml"
    path.write_text(json.dumps(to_data(scenario())))
    cmd = [sys.executable, "-m", "accord", "simulate", str(path), "-n", "10000000", "-m", "compromise"]
    proc = subprocess.Popen([*cmd, "--workers", "1", "--no-progress"], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        workers: list[psutil.Process] = []
        while time.monotonic() < deadline and proc.poll() is None:
            workers = _worker_processes(psutil.Process(proc.pid))
            if workers:
                break
            time.sleep(0.2)
        assert workers, "the worker never started"
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 128 + signal.SIGTERM
        psutil.wait_procs(workers, timeout=10)
        assert _still_running(workers) == []
    finally:
        if proc.poll() is None:
            proc.kill()


def test_rich_progress_counts_blocks_off_the_terminal() -> None:
    from accord.uncertainty.distributed import RichProgress

    with RichProgress("draws", enabled=False) as bar:
        out = run_blocks(_parts, None, 5, chunk_blocks=2, progress=bar)
        task = bar._bar.tasks[0]
        assert (task.total, task.completed) == (5, 5)
    assert len(out["block"]) == 5


# ---- local processes (no Dask) ----


def test_local_processes_give_the_in_process_numbers_for_any_count() -> None:
    import multiprocessing

    s = scenario()
    kw = {"seed": 8, "noise": 0.05, "block_size": 50}
    # pieces of a block run apart: the ensemble with the EUM and exchange outcomes it takes, the rest
    models = ["compromise", "nbs", "eum", "exchange", "ensemble"]
    ref = simulate(s, 300, models, jobs=1, **kw)
    ref_sens = sensitivity(s, 64, ["compromise", "eum"], seed=8, noise=0.05, block_size=16, jobs=1)
    assert [len(p.models) for p in unc_simulation.monte_carlo_pieces(_job(s, models))] == [3, 1, 1]
    for jobs in (2, 3):
        bar = _Count()
        run = simulate(s, 300, models, jobs=jobs, progress=bar, **kw)
        assert (bar.total, bar.done) == (6, 6)
        for name in ref.outcomes:
            assert np.array_equal(run.outcomes[name], ref.outcomes[name])
        assert np.array_equal(run.proposal_accepted, ref.proposal_accepted)
        assert np.array_equal(run.point_acceptable, ref.point_acceptable)
        assert np.array_equal(run.zone_exists, ref.zone_exists, equal_nan=True)
        sens = sensitivity(s, 64, ["compromise", "eum"], seed=8, noise=0.05, block_size=16, jobs=jobs)
        for name in ("compromise", "eum"):
            assert np.array_equal(sens.total[name], ref_sens.total[name], equal_nan=True)
            assert np.array_equal(sens.first_conf[name], ref_sens.first_conf[name], equal_nan=True)
        assert multiprocessing.active_children() == []


def _job(s, models):
    from accord.problem import to_problem

    runs, _ = unc_simulation.select_models(to_problem(s), models, None)
    return unc_simulation.MonteCarloJob(
        problem=to_problem(s),
        inputs=None,
        models=tuple(runs),
        seed=0,
        n=1,
        block_size=1,
        proposals=np.zeros((0, 2)),
        points=np.zeros((0, 2)),
        loss="quadratic",
        zone=False,
    )


def _fails_in_block_two(job, start, stop):
    if start == 2:
        raise ValueError("block two")
    return {"block": np.arange(start, stop)}


def test_an_error_in_a_local_worker_reaches_the_caller_and_no_worker_remains() -> None:
    import multiprocessing

    with pytest.raises(ValueError, match="block two"):
        run_blocks(_fails_in_block_two, None, 6, jobs=2)
    assert multiprocessing.active_children() == []
    out = run_blocks(_parts, None, 7, jobs=3, chunk_blocks=2)
    assert np.array_equal(out["block"], np.arange(7))


def test_no_pool_for_a_single_task(monkeypatch: pytest.MonkeyPatch) -> None:
    # analyze's default 500 draws are one block: they must not pay for starting processes
    from accord.uncertainty import distributed

    def refuse(*args, **kwargs):
        raise AssertionError("a pool was started for one task")

    monkeypatch.setattr(distributed, "local_processes", refuse)
    assert np.array_equal(run_blocks(_parts, None, 1, jobs=8)["block"], [0])
    assert np.array_equal(run_blocks(_parts, None, 4, jobs=8, chunk_blocks=4)["block"], np.arange(4))
    assert np.array_equal(run_blocks(_parts, None, 4, jobs=1)["block"], np.arange(4))
    with pytest.raises(AssertionError, match="a pool was started"):
        run_blocks(_parts, None, 2, jobs=2)


def test_jobs_default_to_the_usable_cores() -> None:
    from accord.limits import MAX_WORKERS
    from accord.uncertainty.distributed import resolve_jobs, start_method, usable_cores

    assert resolve_jobs(None) == (usable_cores() if start_method() == "fork" else 1) >= 1
    assert resolve_jobs(3) == 3
    with pytest.raises(InputError, match="--jobs 0"):
        resolve_jobs(0)
    with pytest.raises(InputError, match=f"between 1 and {MAX_WORKERS}"):
        resolve_jobs(MAX_WORKERS + 1)


def _dies_in_block_one(job, start, stop):
    if start == 1:
        os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would
    return {"block": np.arange(start, stop)}


def test_a_worker_killed_mid_task_is_a_clear_error_and_no_worker_remains() -> None:
    import multiprocessing

    for _ in range(3):  # the pipe can break before or after the parent sees the process end
        with pytest.raises(InputError, match="ended unexpectedly .killed by signal 9"):
            run_blocks(_dies_in_block_one, None, 4, jobs=2)
        assert multiprocessing.active_children() == []


class _Unrebuildable(Exception):
    def __init__(self, message: str, *, code: int) -> None:
        super().__init__(message)
        self.code = code


def _fails_unrebuildably(job, start, stop):
    raise _Unrebuildable("no way back", code=3)


def test_an_error_that_cannot_cross_the_pipe_arrives_as_its_text() -> None:
    import pickle

    try:  # Dask (an earlier test) installs tblib, which lets such an error cross whole
        pickle.loads(pickle.dumps(_Unrebuildable("x", code=1)))
        expected: type[Exception] = _Unrebuildable
    except TypeError:
        expected = RuntimeError
    with pytest.raises(expected, match="no way back"):
        run_blocks(_fails_unrebuildably, None, 2, jobs=2)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_no_local_worker_outlives_a_terminated_or_interrupted_simulate(tmp_path: Path, sig: int) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(json.dumps(to_data(scenario())))
    cmd = [sys.executable, "-m", "accord", "simulate", str(path), "-n", "10000000", "-m", "eum"]
    proc = subprocess.Popen(
        [*cmd, "--jobs", "2", "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 120
        workers: list[psutil.Process] = []
        while time.monotonic() < deadline and proc.poll() is None:
            workers = _worker_processes(psutil.Process(proc.pid))
            if len(workers) >= 2:
                break
            time.sleep(0.1)
        assert len(workers) >= 2, "the workers never started"
        time.sleep(0.5)
        proc.send_signal(sig)
        code = proc.wait(timeout=60)
        assert code == (128 + signal.SIGTERM if sig == signal.SIGTERM else 130)
        psutil.wait_procs(workers, timeout=10)
        assert _still_running(workers) == []
        assert b"Traceback" not in proc.stderr.read()  # type: ignore[union-attr]
    finally:
        if proc.poll() is None:
            proc.kill()


# ---- one pool for several works ----


def _tenfold(job, start, stop):
    return {"value": job * np.arange(start, stop)}


def test_one_pool_for_several_works_gives_each_its_blocks_in_order() -> None:
    import multiprocessing

    from accord.uncertainty.distributed import Work, run_works

    works = [
        Work(_parts, None, 5),
        # the second work's tasks claim to cost more: they go out first, the numbers stay
        Work(_tenfold, 10, 3, cost=lambda job, start, stop: 5.0 + start),
    ]
    for jobs in (1, 2, 3):
        bar = _Count()
        first, second = run_works(works, jobs=jobs, progress=bar)
        assert np.array_equal(first["block"], np.arange(5))
        assert np.array_equal(second["value"], 10 * np.arange(3))
        assert (bar.total, bar.done) == (8, 8)
        assert multiprocessing.active_children() == []


_preloaded: list[int] = []


def _preload() -> None:
    _preloaded.append(os.getpid())


def _saw_preload(job, start, stop):
    return {"preloaded": np.array([os.getpid() != _preloaded[0] if _preloaded else False] * (stop - start))}


@pytest.mark.skipif(
    "fork" not in __import__("multiprocessing").get_all_start_methods() or sys.platform == "darwin",
    reason="workers inherit the preload only where they fork",
)
def test_a_work_s_preload_runs_once_here_before_the_workers_fork() -> None:
    from accord.uncertainty.distributed import Work, early_processes, run_works

    _preloaded.clear()
    work = Work(_saw_preload, None, 4, preload=_preload)
    (alone,) = run_works([work], jobs=1)
    assert _preloaded == [] and not alone["preloaded"].any()  # in this process: the tasks load it
    (pooled,) = run_works([work], jobs=2)
    assert _preloaded == [os.getpid()] and pooled["preloaded"].all()  # inherited, paid once
    _preloaded.clear()
    with early_processes(2) as started:  # processes started ahead load it in their warm-up
        run_works([work], jobs=2, started=started)
    assert _preloaded == []


def _pid(job, start, stop):
    return {"pid": np.full(stop - start, os.getpid())}


def _slow_warmup() -> None:
    time.sleep(2.0)


@pytest.mark.skipif(
    "fork" not in __import__("multiprocessing").get_all_start_methods() or sys.platform == "darwin",
    reason="processes start ahead only where they fork",
)
def test_this_process_runs_the_tasks_it_may_while_the_workers_are_busy() -> None:
    from accord.uncertainty.distributed import Work, early_processes, run_works

    # the odd blocks may run here and go out last (cheapest): the workers are sent the first two
    # at once, and while they warm up (2 s) this process runs all the odd ones but block 5,
    # whose cost is above what it takes on
    work = Work(
        _pid,
        None,
        6,
        cost=lambda job, start, stop: {0: 1.0, 1: 0.1, 2: 1.0, 3: 0.1, 4: 1.0, 5: 0.5}[start],
        here=lambda job, start, stop: start % 2 == 1,
    )
    with early_processes(2, _slow_warmup) as started:
        (out,) = run_works([work], jobs=2, started=started)
    here = out["pid"] == os.getpid()
    assert np.array_equal(here, np.isin(np.arange(6), [1, 3]))
    (alone,) = run_works([Work(_parts, None, 6, here=lambda job, start, stop: True)], jobs=2)
    assert np.array_equal(alone["block"], np.arange(6))


def test_the_models_whose_tasks_may_run_here_load_no_compiled_kernel() -> None:
    from accord.uncertainty.simulation import NO_KERNELS

    code = f"""
import sys
from accord.models import get
from accord.problem import to_problem
from accord.scenario.io import load
from accord.uncertainty.draws import MONTE_CARLO, draw_uniforms, uncertain_inputs
s = load({str(Path(__file__).resolve().parents[2] / "examples" / "gaza_ceasefire_2024.yaml")!r})
inputs = uncertain_inputs(s, 0.05)
batch = inputs.apply(to_problem(s), inputs.ppf(draw_uniforms(0, MONTE_CARLO, 0, inputs.k, 4000, 4000)))
for name in {sorted(NO_KERNELS)!r}:
    get(name).run(batch, {{}}, seed=0)
    assert "numba" not in sys.modules, name
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_simulation_and_sensitivity_in_one_pool_give_the_numbers_of_the_two_calls() -> None:
    import multiprocessing

    from accord.uncertainty.sensitivity import simulate_with_sensitivity

    s = scenario()
    models = ["compromise", "nbs", "eum", "exchange"]
    kw = {"seed": 8, "noise": 0.05}
    ref = simulate(s, 300, models, jobs=1, block_size=100, **kw)
    ref_sens = sensitivity(s, 24, [m.name for m in ref.models], jobs=1, **kw)
    for jobs in (1, 2, 3):
        bar = _Count()
        run, sens = simulate_with_sensitivity(
            s, 300, 24, models, jobs=jobs, progress=bar, block_size=100, **kw
        )
        # 3 blocks of draws, 1 block of the design, the swings of 4 models
        assert (bar.total, bar.done) == (8, 8)
        assert run.to_json() == ref.to_json() and sens.to_json() == ref_sens.to_json()
        for name in ref.outcomes:
            assert np.array_equal(run.outcomes[name], ref.outcomes[name])
            assert np.array_equal(run.point[name], ref.point[name])
            for field in ("first", "total", "first_conf", "total_conf", "low", "high", "point"):
                got, want = getattr(sens, field)[name], getattr(ref_sens, field)[name]
                assert np.array_equal(got, want, equal_nan=True)
        assert np.array_equal(run.point_acceptable, ref.point_acceptable)
        assert np.array_equal(run.zone_exists, ref.zone_exists, equal_nan=True)
        assert np.array_equal(sens.input_low, ref_sens.input_low)
        assert multiprocessing.active_children() == []


# ---- processes started ahead of their work ----


def _raise_in_warmup() -> None:
    raise RuntimeError("a warm-up that fails only costs its time")


needs_fork = pytest.mark.skipif(
    "fork" not in __import__("multiprocessing").get_all_start_methods() or sys.platform == "darwin",
    reason="processes start ahead only where they fork",
)


@needs_fork
@pytest.mark.parametrize("warm", [None, _raise_in_warmup])
def test_processes_started_ahead_run_the_works_with_the_same_numbers(warm) -> None:
    import multiprocessing

    from accord.uncertainty.distributed import Work, early_processes, run_works

    works = [Work(_parts, None, 5), Work(_tenfold, 10, 3, cost=lambda job, start, stop: 5.0 + start)]
    for jobs in (2, 3):
        with early_processes(jobs, warm) as started:
            assert started is not None and len(started.workers) == jobs
            # the first process forks the others once warm: one child here, the rest its children
            assert len(multiprocessing.active_children()) == 1
            bar = _Count()
            first, second = run_works(works, jobs=jobs, progress=bar, started=started)
        assert np.array_equal(first["block"], np.arange(5))
        assert np.array_equal(second["value"], 10 * np.arange(3))
        assert (bar.total, bar.done) == (8, 8)
        assert multiprocessing.active_children() == []
        assert _still_running(_worker_processes()) == []
    # more processes started than there are tasks: the others end
    with early_processes(3) as started:
        (only,) = run_works([Work(_parts, None, 2)], jobs=3, started=started)
    assert np.array_equal(only["block"], np.arange(2))
    assert multiprocessing.active_children() == []
    with early_processes(1) as started:
        assert started is None and multiprocessing.active_children() == []


@needs_fork
def test_processes_started_ahead_end_when_the_planning_fails() -> None:
    import multiprocessing

    from accord.uncertainty.distributed import early_processes

    seen: list[psutil.Process] = []
    with pytest.raises(ValueError, match="planning"), early_processes(3):
        deadline = time.monotonic() + 30
        while len(seen) < 3 and time.monotonic() < deadline:  # the first forks the others
            time.sleep(0.05)
            seen = _worker_processes()
        assert len(seen) == 3
        raise ValueError("planning failed")
    assert multiprocessing.active_children() == []
    psutil.wait_procs(seen, timeout=10)  # the forked ones are no longer this process's descendants
    assert _still_running(seen) == []


def _dies_in_block_three(job, start, stop):
    if start == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return {"block": np.arange(start, stop)}


@needs_fork
def test_a_forked_sibling_killed_mid_task_is_a_clear_error_and_no_worker_remains() -> None:
    from accord.uncertainty.distributed import Work, early_processes, run_works

    for _ in range(4):  # whichever process gets the fatal block
        seen: list[psutil.Process] = []
        with pytest.raises(InputError, match="ended unexpectedly"), early_processes(2) as started:
            deadline = time.monotonic() + 30
            while len(seen) < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
                seen = _worker_processes()
            run_works([Work(_dies_in_block_three, None, 6)], jobs=2, started=started)
        psutil.wait_procs(seen, timeout=10)
        assert _still_running(seen) == []


def test_the_kernels_load_ahead_only_where_the_models_load_them() -> None:
    from accord.models.kernels import warm_up
    from accord.uncertainty.simulation import kernel_warmup

    s = scenario()  # 4 actors: 4^3 x rows reaches the SMP's compiled batch size from 4,096 rows
    assert kernel_warmup(s, None, 8192) is warm_up
    assert kernel_warmup(s, ["ensemble"], 8192) is warm_up
    assert kernel_warmup(s, None, 1000) is None
    assert kernel_warmup(s, ["compromise", "eum"], 8192) is None
