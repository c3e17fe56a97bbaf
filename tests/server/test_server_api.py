"""The JSON API end to end, on SQLite and PostgreSQL: cases from uploads in accord's formats,
versions, 409 on a stale save, structured validation errors, downloads, tokens, the audit log."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from accord.scenario import load

ROOT = Path(__file__).resolve().parents[2]


def _desk(env: Any) -> tuple[Any, int]:
    alice = env.user("alice")
    ws = env.workspace(alice, "Gaza desk")
    return env.login("alice"), ws


def test_case_lifecycle(env: Any, gaza_text: str) -> None:
    c, ws = _desk(env)
    r = c.post(
        f"/api/workspaces/{ws}/cases", json={"name": "Gaza", "text": gaza_text, "message": "from the example"}
    )
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["latest_version"] == 1 and case["latest"]["as_of"] == "2024-08-20" and case["role"] == "owner"
    cid = case["id"]

    v1 = c.get(f"/api/cases/{cid}/versions/1").json()
    data = v1["scenario"]
    assert load(ROOT / "examples" / "gaza_ceasefire_2024.yaml").name == data["name"]
    hamas = next(a for a in data["actors"] if a["id"] == "hamas")
    hamas["capability"] = 12.5
    r = c.post(
        f"/api/cases/{cid}/versions",
        json={"base_version": 1, "scenario": data, "message": "Hamas weaker", "as_of": "2024-09-01"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["number"] == 2 and r.json()["as_of"] == "2024-09-01" and r.json()["author"] == "alice"

    # a second editor who started from version 1: 409, the changes since, nothing written
    r = c.post(f"/api/cases/{cid}/versions", json={"base_version": 1, "text": gaza_text, "message": "stale"})
    assert r.status_code == 409
    body = r.json()
    assert body["latest_version"] == 2
    assert "actors[hamas].capability" in {ch["path"] for ch in body["changes"]}
    assert [v["number"] for v in c.get(f"/api/cases/{cid}/versions").json()] == [1, 2]

    diff = c.get(f"/api/cases/{cid}/diff", params={"from": 1, "to": 2}).json()
    paths = {ch["path"] for ch in diff["changes"]}
    assert "actors[hamas].capability" in paths and "as_of" in paths

    listing = c.get(f"/api/workspaces/{ws}/cases").json()
    assert [(x["id"], x["latest"]["number"], x["latest_run"]) for x in listing] == [(cid, 2, None)]

    for fmt, head in (("yaml", b"name:"), ("json", b"{")):
        r = c.get(f"/api/cases/{cid}/versions/2/download", params={"format": fmt})
        assert r.status_code == 200 and r.content.lstrip().startswith(head)
        assert "attachment" in r.headers["content-disposition"]
    # the example holds more than a flat table can: the CLI's message, as a field error
    r = c.get(f"/api/cases/{cid}/versions/2/download", params={"format": "csv"})
    assert r.status_code == 422 and "flat table cannot hold" in r.json()["detail"]
    assert "/tmp" not in r.json()["detail"]

    r = c.patch(f"/api/cases/{cid}", json={"name": "Gaza talks"})
    assert r.status_code == 200 and r.json()["name"] == "Gaza talks"
    audit = c.get(f"/api/workspaces/{ws}/audit").json()
    assert [e["action"] for e in audit][:3] == ["case.rename", "version.save", "case.create"]
    assert all(e["user"] == "alice" for e in audit)
    assert c.delete(f"/api/cases/{cid}").status_code == 204
    assert c.get(f"/api/cases/{cid}").status_code == 404


def test_validation_errors_are_field_errors_in_the_clis_words(env: Any, gaza_text: str) -> None:
    c, ws = _desk(env)
    cid = c.post(f"/api/workspaces/{ws}/cases", json={"name": "G", "text": gaza_text}).json()["id"]
    data = c.get(f"/api/cases/{cid}/versions/1").json()["scenario"]
    data["actors"][0]["capability"] = -1
    data["issues"][0]["status_quo"] = 1e9
    r = c.post(f"/api/cases/{cid}/versions", json={"base_version": 1, "scenario": data})
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert {"field": "actors[0] (israel).capability", "message": "must be >= 0, got -1"} in errors
    assert len(errors) >= 2 and all(set(e) == {"field", "message"} for e in errors)
    assert [v["number"] for v in c.get(f"/api/cases/{cid}/versions").json()] == [1]

    r = c.post("/api/validate", json={"scenario": data})
    assert r.status_code == 200 and r.json()["valid"] is False and r.json()["errors"] == errors
    r = c.post("/api/validate", json={"text": "name: [unclosed", "format": "yaml"})
    assert r.json()["valid"] is False and "malformed YAML" in r.json()["errors"][0]["message"]
    assert c.post("/api/validate", json={"text": gaza_text}).json() == {"valid": True, "errors": []}
    r = c.post(f"/api/workspaces/{ws}/cases", json={"name": "G"})
    assert r.status_code == 422 and "either" in r.json()["detail"]


@pytest.mark.parametrize(
    "path",
    ["examples/gaza_ceasefire_2024.yaml", "examples/SOE-Policy.yaml", "examples/eu_emissions.yaml"],
)
def test_upload_in_accords_formats_and_round_trip(sqlite_env: Any, path: str, tmp_path: Path) -> None:
    from accord.scenario import save

    c, ws = _desk(sqlite_env)
    scenario = load(ROOT / path)
    # the same scenario as YAML, JSON and (when it fits a flat table) CSV
    files = []
    for suffix in (".yaml", ".json", ".csv"):
        out = tmp_path / f"s{suffix}"
        try:
            save(scenario, out)
        except Exception:  # noqa: BLE001 - a flat table cannot hold every scenario
            continue
        files.append(out)
    assert len(files) >= 2
    for f in files:
        r = c.post(
            f"/api/workspaces/{ws}/cases/upload",
            files={"file": (f.name, f.read_bytes())},
            data={"message": "m"},
        )
        assert r.status_code == 201, (f.name, r.text)
        cid = r.json()["id"]
        got = c.get(f"/api/cases/{cid}/versions/1/download", params={"format": "yaml"}).content
        back = tmp_path / "back.yaml"
        back.write_bytes(got)
        assert load(back) == load(f)
    r = c.post(f"/api/workspaces/{ws}/cases/upload", files={"file": ("x.yaml", b"actors: 3\n")})
    assert r.status_code == 422 and r.json()["errors"][0]["field"]
    r = c.post(f"/api/workspaces/{ws}/cases/upload", files={"file": ("x.bin", b"\x00\x01\x02")})
    assert r.status_code == 422


def test_xlsx_upload(sqlite_env: Any, tmp_path: Path) -> None:
    import openpyxl

    c, ws = _desk(sqlite_env)
    wb = openpyxl.Workbook()
    sheet = wb.active
    assert sheet is not None
    for row in (
        ["id", "capability", "veto", "tax.position", "tax.salience"],
        ["a", 1, "yes", 10, 0.5],
        ["b", 2, "yes", 90, 0.7],
    ):
        sheet.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    r = c.post(
        f"/api/workspaces/{ws}/cases/upload",
        files={"file": ("case.xlsx", buf.getvalue())},
        data={"name": "Tax"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "Tax"


def test_api_tokens_for_scripts(sqlite_env: Any, gaza_text: str) -> None:
    from fastapi.testclient import TestClient

    c, ws = _desk(sqlite_env)
    token = c.post("/api/tokens", json={"name": "laptop"}).json()["token"]
    assert token.startswith("acc_")
    script = TestClient(sqlite_env.app, raise_server_exceptions=False)
    script.headers["Authorization"] = f"Bearer {token}"
    # no cookie, no CSRF header: a bearer token is not ambient authority
    r = script.post(f"/api/workspaces/{ws}/cases", json={"name": "G", "text": gaza_text})
    assert r.status_code == 201, r.text
    assert [t["name"] for t in c.get("/api/tokens").json()] == ["laptop"]
    tid = c.get("/api/tokens").json()[0]["id"]
    assert c.delete(f"/api/tokens/{tid}").status_code == 204
    assert script.get("/api/workspaces").status_code == 401
    bad = TestClient(sqlite_env.app, raise_server_exceptions=False)
    assert bad.get("/api/workspaces", headers={"Authorization": "Bearer acc_nope"}).status_code == 401


def test_members_and_admin_accounts(sqlite_env: Any) -> None:
    env = sqlite_env
    env.user("root", admin=True)
    alice = env.user("alice")
    ws = env.workspace(alice)
    admin = env.login("root")
    r = admin.post("/api/users", json={"username": "bob", "password": "correct horse battery"})
    assert r.status_code == 201
    c = env.login("alice")
    assert c.post("/api/users", json={"username": "eve", "password": "long enough pw"}).status_code == 403
    assert c.put(f"/api/workspaces/{ws}/members/bob", json={"role": "editor"}).status_code == 200
    assert c.put(f"/api/workspaces/{ws}/members/nobody", json={"role": "editor"}).status_code == 404
    members = c.get(f"/api/workspaces/{ws}/members").json()
    assert {(m["username"], m["role"]) for m in members} == {("alice", "owner"), ("bob", "editor")}
    bob = env.login("bob")
    assert [w["role"] for w in bob.get("/api/workspaces").json()] == ["editor"]
    assert c.delete(f"/api/workspaces/{ws}/members/alice").status_code == 422  # the last owner stays
    assert c.delete(f"/api/workspaces/{ws}/members/bob").status_code == 204
    assert bob.get(f"/api/workspaces/{ws}").status_code == 404
    assert bob.delete("/api/session").status_code == 204
    assert bob.get("/api/me").status_code == 401


def test_serve_adds_users_and_refuses_a_bad_database(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from accord.cli import main
    from accord.server import store
    from accord.server.db import Store

    monkeypatch.setenv("ACCORD_PASSWORD", "correct horse battery")
    assert main(["serve", "--db", sqlite_url, "--add-user", "bob", "--admin"]) == 0
    st = Store(sqlite_url)
    with st.session() as db:
        assert store.get_user(db, "bob").is_admin
    st.close()
    assert main(["serve", "--db", sqlite_url, "--add-user", "bob"]) == 2  # taken
    assert main(["serve", "--db", "mysql://x@y/z", "--add-user", "carol"]) == 2
    assert main(["serve", "--db", "not a url", "--add-user", "carol"]) == 2
    assert "SQLite or PostgreSQL" in capsys.readouterr().err
    assert main(["serve", "--port", "0"]) == 2
