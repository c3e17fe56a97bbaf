"""The server as users run it: ``accord serve`` in a subprocess on loopback. push/pull from the
command line, a small load test (50 concurrent clients, zero errors expected), and kill -9 during
saves and during a running analysis."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from benchmarks.server_load import GAZA, LiveServer, run_load, signed_in

from accord.cli import main as accord


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the module (the kill tests restart it on the same database)."""
    tmp = tmp_path_factory.mktemp("live")
    s = LiveServer(f"sqlite:///{tmp / 'live.db'}", log=tmp / "server.log")
    s.add_user()
    s.start()
    yield s
    s.stop()


def test_push_and_pull(server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    c = signed_in(server.url)
    ws = c.post("/api/workspaces", json={"name": "desk"}).json()["id"]
    token = c.post("/api/tokens", json={"name": "cli"}).json()["token"]
    monkeypatch.setenv("ACCORD_SERVER", server.url)
    monkeypatch.setenv("ACCORD_TOKEN", token)
    assert accord(["push", str(GAZA), "--workspace", str(ws), "-m", "first"]) == 0
    case = c.get(f"/api/workspaces/{ws}/cases").json()[0]
    edited = tmp_path / "edited.yaml"
    edited.write_text(GAZA.read_text().replace("capability: 100", "capability: 90", 1))
    assert accord(["push", str(edited), "--case", str(case["id"]), "-m", "weaker"]) == 0
    assert [v["message"] for v in c.get(f"/api/cases/{case['id']}/versions").json()] == ["first", "weaker"]
    # a push from a stale base is refused with the server's message, exit code 2
    assert accord(["push", str(GAZA), "--case", str(case["id"]), "--base", "1"]) == 2
    out = tmp_path / "pulled.yaml"
    assert accord(["pull", str(case["id"]), "-o", str(out)]) == 0
    from accord.scenario import load

    assert load(out) == load(edited)
    assert accord(["pull", str(case["id"]), "-o", str(out)]) == 2  # exists: needs --force
    assert accord(["pull", "999", "-o", str(tmp_path / "x.yaml")]) == 2
    monkeypatch.setenv("ACCORD_TOKEN", "acc_wrong")
    assert accord(["pull", str(case["id"]), "-o", str(tmp_path / "y.yaml")]) == 2


def test_fifty_concurrent_clients_get_no_errors(server: LiveServer) -> None:
    stats = run_load(server.url, clients=50, rounds=1, run_every=10)
    summary = stats.summary()
    print("in-suite load:", summary)
    assert stats.errors == []
    assert summary["save version"]["n"] == 50 and summary["read case"]["n"] == 50
    assert summary["start run"]["n"] == 5


def test_kill_9_during_saves_loses_no_acknowledged_save(server: LiveServer) -> None:
    _kill_9_during_saves(server)


def test_kill_9_with_synchronous_normal_loses_no_acknowledged_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ACCORD_SQLITE_SYNCHRONOUS=normal`` (no sync at commit) still survives the process dying."""
    monkeypatch.setenv("ACCORD_SQLITE_SYNCHRONOUS", "normal")
    s = LiveServer(f"sqlite:///{tmp_path / 'normal.db'}", log=tmp_path / "server.log")
    s.add_user()
    s.start()
    try:
        _kill_9_during_saves(s)
    finally:
        s.stop()


def _kill_9_during_saves(server: LiveServer) -> None:
    setup = signed_in(server.url)
    ws = setup.post("/api/workspaces", json={"name": "desk"}).json()["id"]
    text = GAZA.read_text()
    cases = [
        setup.post(f"/api/workspaces/{ws}/cases", json={"name": f"c{k}", "text": text}).json()["id"]
        for k in range(6)
    ]
    scenario = setup.get(f"/api/cases/{cases[0]}/versions/1").json()["scenario"]
    acknowledged: list[tuple[int, int, float]] = []
    stop = threading.Event()

    def saver(case_id: int) -> None:
        c = signed_in(server.url)
        base = 1
        while not stop.is_set():
            data = dict(scenario)
            capability = 1 + base / 1000
            data["actors"] = [dict(a) for a in scenario["actors"]]
            data["actors"][0]["capability"] = capability
            try:
                r = c.post(f"/api/cases/{case_id}/versions", json={"base_version": base, "scenario": data})
            except Exception:  # noqa: BLE001 - the server died mid-request: not acknowledged
                return
            if r.status_code == 201:
                base = r.json()["number"]
                acknowledged.append((case_id, base, capability))

    threads = [threading.Thread(target=saver, args=(cid,)) for cid in cases]
    for t in threads:
        t.start()
    end = time.monotonic() + 60
    while len(acknowledged) < 12 and time.monotonic() < end:
        time.sleep(0.05)
    server.kill()
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert len(acknowledged) > 6, "the saves should have been going when the server died"
    server.start()
    c = signed_in(server.url)
    for cid in cases:
        versions = c.get(f"/api/cases/{cid}/versions").json()
        numbers = [v["number"] for v in versions]
        assert numbers == list(range(1, len(numbers) + 1))  # no gap, no half-written version
        assert c.get(f"/api/cases/{cid}").json()["latest_version"] == numbers[-1]
    for cid, number, capability in acknowledged:
        r = c.get(f"/api/cases/{cid}/versions/{number}")
        assert r.status_code == 200, (cid, number)
        assert r.json()["scenario"]["actors"][0]["capability"] == capability
    # every stored version is a valid scenario
    assert c.post("/api/validate", json={"scenario": r.json()["scenario"]}).json()["valid"]


def test_kill_9_during_a_run_requeues_it(server: LiveServer) -> None:
    c = signed_in(server.url)
    ws = c.post("/api/workspaces", json={"name": "desk"}).json()["id"]
    cid = c.post(f"/api/workspaces/{ws}/cases", json={"name": "g", "text": GAZA.read_text()}).json()["id"]
    run_id = c.post(f"/api/cases/{cid}/runs", json={"draws": 5000}).json()["id"]
    run: dict[str, Any] = {}
    end = time.monotonic() + 120
    while time.monotonic() < end:
        run = c.get(f"/api/runs/{run_id}").json()
        if run["status"] == "running":
            break
        time.sleep(0.2)
    assert run["status"] == "running" and run["attempts"] == 1
    server.kill()
    server.start()
    c = signed_in(server.url)
    end = time.monotonic() + 120
    while time.monotonic() < end:
        run = c.get(f"/api/runs/{run_id}").json()
        if run["attempts"] == 2 or run["status"] == "failed":
            break
        time.sleep(0.2)
    # queued again and picked up by the new server's pool (its second attempt)
    assert run["attempts"] == 2 and run["status"] in ("running", "done"), run


def test_two_web_workers_share_sessions_and_one_job_runner(tmp_path: Path) -> None:
    """``accord serve --http-workers 2``: a session signed in on one worker is valid on the other
    (one secret key), saves from both workers keep their numbers, and the runs the workers queue
    are run once by the main process's pool."""
    s = LiveServer(f"sqlite:///{tmp_path / 'multi.db'}", log=tmp_path / "server.log", http_workers=2)
    s.add_user()
    s.start()
    try:
        stats = run_load(s.url, clients=20, rounds=2, run_every=10)
        assert stats.errors == []
        assert stats.summary()["save version"]["n"] == 40
        c = signed_in(s.url)
        ws = c.post("/api/workspaces", json={"name": "desk"}).json()["id"]
        cid = c.post(f"/api/workspaces/{ws}/cases", json={"name": "g", "text": GAZA.read_text()}).json()["id"]
        runs = [c.post(f"/api/cases/{cid}/runs", json={"draws": 0}).json()["id"] for _ in range(3)]
        end = time.monotonic() + 180
        states: list[dict[str, Any]] = []
        while time.monotonic() < end:
            states = [c.get(f"/api/runs/{r}").json() for r in runs]
            if all(st["status"] in ("done", "failed") for st in states):
                break
            time.sleep(0.5)
        assert [st["status"] for st in states] == ["done"] * 3, states
        assert [st["attempts"] for st in states] == [1, 1, 1]  # each run claimed once
    finally:
        s.stop()
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert log.count("Started server process") >= 2, log[-2000:]  # two web workers answered
