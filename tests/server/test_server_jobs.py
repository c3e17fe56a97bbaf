"""Analysis runs in the process pool: progress, results, failures with their reason, recovery of
runs a crash left running, server-sent events."""

from __future__ import annotations

import time
from typing import Any

from accord.server import store
from accord.server.jobs import JobRunner
from accord.server.models import Run


def _case(env: Any, text: str) -> tuple[Any, int]:
    alice = env.user("alice")
    ws = env.workspace(alice)
    c = env.login("alice")
    return c, c.post(f"/api/workspaces/{ws}/cases", json={"name": "Gaza", "text": text}).json()["id"]


def _wait(c: Any, run_id: int, timeout: float = 120.0) -> dict[str, Any]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        run = c.get(f"/api/runs/{run_id}").json()
        if run["status"] in ("done", "failed"):
            return dict(run)
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not finish in {timeout} s: {run}")


def test_a_run_reports_progress_and_stores_the_case_analysis(env: Any, gaza_text: str) -> None:
    c, cid = _case(env, gaza_text)
    r = c.post(f"/api/cases/{cid}/runs", json={"draws": 40, "seed": 3})
    assert r.status_code == 202 and r.json()["status"] == "queued"
    run_id = r.json()["id"]
    # server-sent events: progress until the run ends
    events = []
    with c.stream("GET", f"/api/runs/{run_id}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line.startswith("data: "):
                events.append(line)
    assert '"status": "done"' in events[-1]
    run = _wait(c, run_id)
    assert run["status"] == "done" and run["progress"] == 1.0 and run["error"] is None
    assert run["seed"] == 3 and run["draws"] == 40 and run["attempts"] == 1 and run["accord_version"]
    assert run["timings"]["analysis_s"] > 0
    result = run["result"]
    assert list(result)[0] == "summary" and result["summary"]["verdict"]
    assert result["summary"]["draws"] == 40 and result["summary"]["seed"] == 3
    from accord.case import CaseAnalysis

    assert CaseAnalysis.from_dict(result).summary.verdict == result["summary"]["verdict"]
    listing = c.get(f"/api/cases/{cid}/runs").json()
    assert [x["id"] for x in listing] == [run_id] and "result" not in listing[0]
    latest = c.get(f"/api/workspaces/{c.get(f'/api/cases/{cid}').json()['workspace_id']}/cases").json()[0]
    assert latest["latest_run"]["verdict"] == result["summary"]["verdict"]
    assert latest["latest_run"]["p_zone"] == result["summary"]["p_zone"] is not None


def test_a_failing_analysis_ends_failed_with_its_reason_and_a_report_is_stored(
    sqlite_env: Any, gaza_text: str
) -> None:
    c, cid = _case(sqlite_env, gaza_text)
    # a version stored by an older accord that this one no longer reads: the run fails, saying why
    data = c.get(f"/api/cases/{cid}/versions/1").json()["scenario"]
    assert c.post(f"/api/cases/{cid}/versions", json={"base_version": 1, "scenario": data}).status_code == 201
    with sqlite_env.app.state.store.session() as db:
        row = store.get_version(db, cid, 2)
        row.data = {**data, "actors": data["actors"][:1]}
        db.commit()
    run_id = c.post(f"/api/cases/{cid}/runs", json={"draws": 0}).json()["id"]
    run = _wait(c, run_id)
    assert run["status"] == "failed" and "at least 2 actors" in run["error"], run["error"]
    assert run["result"] is None and "Traceback" not in run["error"]
    # the first version still runs, and can store the HTML report
    run_id = c.post(f"/api/cases/{cid}/runs", json={"draws": 0, "version": 1, "report": True}).json()["id"]
    run = _wait(c, run_id, 180)
    assert run["status"] == "done" and run["version"] == 1, run["error"]
    r = c.get(f"/api/runs/{run_id}/report")
    assert r.status_code == 200 and r.text.lstrip().lower().startswith("<!doctype html")
    assert "default-src 'none'" in r.headers["content-security-policy"]


def test_runs_cut_off_by_a_crash_are_requeued_then_failed(sqlite_env: Any, gaza_text: str) -> None:
    env = sqlite_env
    c, cid = _case(env, gaza_text)
    st = env.app.state.store
    with st.session() as db:
        user = store.get_user(db, "alice")
        version = store.get_version(db, cid, 1)
        ids = []
        for attempts in (1, 2):
            run = store.create_run(db, cid, version, user, seed=0, draws=0, report=False)
            row = db.get(Run, run.id)
            row.status, row.attempts = "running", attempts
            db.commit()
            ids.append(run.id)
    submitted: list[int] = []
    runner = JobRunner(st, max_attempts=2)
    runner.submit = submitted.append  # type: ignore[method-assign]
    assert runner.recover() == [ids[0]] == submitted
    with st.session() as db:
        again, dead = db.get(Run, ids[0]), db.get(Run, ids[1])
        assert again.status == "queued" and "after a server restart" in again.stage
        assert (
            dead.status == "failed"
            and "the server stopped while this run was running (2 attempts)" in dead.error
        )
        assert dead.finished_at is not None
