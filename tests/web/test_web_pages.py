"""The pages in-process (no browser): who may see and change what, CSRF, escaping, conflicts, assets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import EXAMPLES

GAZA = EXAMPLES / "gaza_ceasefire_2024.yaml"
PASSWORD = "correct horse battery staple"
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from fastapi.testclient import TestClient

    from accord.scenario import load
    from accord.server import store
    from accord.server.app import create_app

    tmp: Path = tmp_path_factory.mktemp("pages")
    app = create_app(db_url=f"sqlite:///{tmp / 'accord.db'}")
    with TestClient(app) as boot:
        boot.get("/login")
        with app.state.store.session() as db:
            alice = store.create_user(db, "alice", PASSWORD)
            vera = store.create_user(db, "vera", PASSWORD)
            mallory = store.create_user(db, "mallory", PASSWORD)
            desk = store.create_workspace(db, "Gaza desk", alice)
            store.set_member(db, desk.id, vera, "viewer")
            store.create_workspace(db, "Other desk", mallory)
            data = yaml.safe_load(GAZA.read_text(encoding="utf-8"))
            data["actors"][1]["name"] = "Hamas " + EVIL
            data["proposals"][0]["name"] = "Bridging " + EVIL
            path = tmp / "evil.yaml"
            path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
            case = store.create_case(db, desk.id, "Case " + EVIL, load(path), alice, message="first " + EVIL)
            ids = {"desk": desk.id, "case": case.id}
        clients = {}
        for name in ("alice", "vera", "mallory"):
            c = TestClient(app)  # the boot client's lifespan migrated the database
            got = c.post("/login", data={"username": name, "password": PASSWORD}, follow_redirects=False)
            assert got.status_code == 303, got.text
            clients[name] = c
        clients["anonymous"] = TestClient(app)
        yield {"app": app, "clients": clients, **ids}
        for c in clients.values():
            c.close()


def token(client: Any, path: str = "/workspaces") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, "no CSRF token on the page"
    return found.group(1)


def pages(site: dict[str, Any]) -> list[str]:
    case = site["case"]
    return [
        f"/w/{site['desk']}",
        f"/cases/{case}",
        f"/cases/{case}/timeline",
        f"/cases/{case}/diff?a=1&b=1",
        f"/cases/{case}/scenario.yaml",
    ]


def test_anonymous_is_sent_to_sign_in(site: dict[str, Any]) -> None:
    c = site["clients"]["anonymous"]
    for path in ["/workspaces", *pages(site), f"/cases/{site['case']}/edit"]:
        got = c.get(path, follow_redirects=False)
        assert got.status_code == 303 and got.headers["location"].startswith("/login?next="), path


def test_a_stranger_gets_404_everywhere(site: dict[str, Any]) -> None:
    c = site["clients"]["mallory"]
    assert "Gaza desk" not in c.get("/workspaces").text
    for path in [*pages(site), f"/cases/{site['case']}/edit", f"/cases/{site['case']}/yaml"]:
        got = c.get(path)
        assert got.status_code == 404, path
        assert "Gaza" not in got.text and "Case" not in got.text.split("<main")[1], path
    t = token(c)
    for path in ("/edit", "/run", "/preview", "/yaml"):
        got = c.post(f"/cases/{site['case']}{path}", data={"csrf_token": t, "message": "x"})
        assert got.status_code == 404, path


def test_a_viewer_reads_but_cannot_change(site: dict[str, Any]) -> None:
    c = site["clients"]["vera"]
    for path in pages(site):
        assert c.get(path).status_code == 200, path
    page = c.get(f"/cases/{site['case']}").text
    assert 'action="/cases/' not in page.replace(f'action="/cases/{site["case"]}/diff"', "")
    assert "Edit in the grid" not in page and "Run the analysis" not in page
    assert c.get(f"/cases/{site['case']}/edit").status_code == 403
    t = token(c)
    form = {"csrf_token": t, "expected_version": "1", "a1.r2": "70", "message": "forged"}
    for path in ("/edit", "/run", "/preview"):
        assert c.post(f"/cases/{site['case']}{path}", data=form).status_code == 403, path
    assert (
        c.post(
            f"/w/{site['desk']}/cases", data={"csrf_token": t}, files={"file": ("g.yaml", b"x")}
        ).status_code
        == 403
    )


def test_every_post_needs_the_csrf_token(site: dict[str, Any]) -> None:
    c = site["clients"]["alice"]
    form = {"expected_version": "1", "a1.r2": "70", "message": "no token"}
    for path in ("/edit", "/run", "/preview", "/yaml"):
        assert c.post(f"/cases/{site['case']}{path}", data=form).status_code == 403, path
    assert c.post(f"/cases/{site['case']}/edit", data={**form, "csrf_token": "wrong"}).status_code == 403


def test_markup_in_names_is_escaped(site: dict[str, Any]) -> None:
    c = site["clients"]["alice"]
    case = site["case"]
    for path in [*pages(site)[:4], f"/cases/{case}/edit", f"/cases/{case}/yaml", "/workspaces"]:
        html = c.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html, path
    assert "&lt;script&gt;alert" in c.get(f"/cases/{case}").text
    t = token(c)
    got = c.post(f"/cases/{case}/preview", data={"csrf_token": t, "a1.r2": "70"})
    assert got.status_code == 200 and "<script>alert" not in got.json()["html"]


def test_what_if_answers_and_flags_fields(site: dict[str, Any]) -> None:
    c = site["clients"]["alice"]
    t = token(c)
    got = c.post(f"/cases/{site['case']}/preview", data={"csrf_token": t, "a1.r2": "70"}).json()
    assert got["ok"] and got["verdict"] == "deal possible" and len(got["maximin"]) == 3
    assert got["elapsed_ms"] > 0
    got = c.post(
        f"/cases/{site['case']}/preview", data={"csrf_token": t, "a1.r2": "x", "a0.capability": "-1"}
    ).json()
    assert not got["ok"]
    assert {e["field"]: e["message"] for e in got["errors"]} == {
        "a1.r2": "'x' is not a number",
        "a0.capability": "must be >= 0, got -1",
    }


def test_a_stale_save_gets_409_and_writes_nothing(site: dict[str, Any]) -> None:
    from accord.scenario import load
    from accord.server import store

    app = site["app"]
    with app.state.store.session() as db:
        alice = store.get_user(db, "alice")
        case = store.create_case(db, site["desk"], "Conflicts", load(GAZA), alice)
        cid = case.id
    c = site["clients"]["alice"]
    t = token(c)
    first = {"csrf_token": t, "expected_version": "1", "a1.r2": "60", "message": "first editor"}
    got = c.post(f"/cases/{cid}/edit", data=first, follow_redirects=False)
    assert got.status_code == 303 and got.headers["location"] == f"/cases/{cid}?saved=2"
    second = {**first, "a1.r2": "65", "message": "second editor"}
    got = c.post(f"/cases/{cid}/edit", data=second)
    assert got.status_code == 409 and "someone saved version 2" in got.text
    assert "end_of_war" in got.text  # what the other editor changed
    with app.state.store.session() as db:
        assert [v.number for v in store.list_versions(db, cid)] == [1, 2]
    bad = {**first, "expected_version": "2", "a1.r2": "170"}
    got = c.post(f"/cases/{cid}/edit", data=bad)
    assert got.status_code == 422 and "170 is outside the scale 0..100" in got.text


def test_sign_in_only_follows_local_paths(site: dict[str, Any]) -> None:
    from fastapi.testclient import TestClient

    c = TestClient(site["app"])
    for target, expected in (
        ("https://evil.example/", "/workspaces"),
        ("//evil", "/workspaces"),
        (f"/cases/{site['case']}", f"/cases/{site['case']}"),
    ):
        data = {"username": "alice", "password": PASSWORD, "next": target}
        got = c.post("/login", data=data, follow_redirects=False)
        assert got.headers["location"] == expected
    got = c.post("/login", data={"username": "alice", "password": "wrong"})
    assert got.status_code == 401 and "wrong" in got.text


def test_static_assets(site: dict[str, Any]) -> None:
    c = site["clients"]["anonymous"]
    css = c.get("/static/app.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert c.get("/static/app.js").headers["content-type"].startswith("text/javascript")
    for bad in ("/static/..%2F__init__.py", "/static/forms.py", "/static/.hidden.css", "/static/nothing.css"):
        assert c.get(bad).status_code == 404, bad


def test_a_proposal_added_in_the_grid_is_saved(site: dict[str, Any]) -> None:
    from accord.scenario import load
    from accord.server import store

    app = site["app"]
    with app.state.store.session() as db:
        case = store.create_case(db, site["desk"], "New proposal", load(GAZA), store.get_user(db, "alice"))
        cid = case.id
    c = site["clients"]["alice"]
    t = token(c)
    page = c.post(
        f"/cases/{cid}/edit", data={"csrf_token": t, "expected_version": "1", "action": "add_proposal"}
    )
    assert page.status_code == 200 and "proposal_3" in page.text
    draft = re.search(r'name="draft" value="([^"]+)"', page.text)
    assert draft
    import html

    form = {
        "csrf_token": t,
        "expected_version": "1",
        "draft": html.unescape(draft.group(1)),
        "p2.name": "Egypt's text",
        "p2.i0": "40",
        "action": "save",
        "message": "Egypt tables a text",
    }
    got = c.post(f"/cases/{cid}/edit", data=form, follow_redirects=False)
    assert got.status_code == 303, got.text[-2000:]
    with app.state.store.session() as db:
        saved = store.version_scenario(store.get_version(db, cid, 2))
    assert saved.proposals[2].name == "Egypt's text" and saved.proposals[2].point == {"presence": 40}


def test_workspaces_and_members_from_the_pages(site: dict[str, Any]) -> None:
    alice, vera, mallory = (site["clients"][n] for n in ("alice", "vera", "mallory"))
    t = token(alice)
    got = alice.post("/workspaces", data={"csrf_token": t, "name": "Sudan desk"}, follow_redirects=False)
    assert got.status_code == 303
    ws = got.headers["location"]
    assert "Sudan desk" in alice.get("/workspaces").text
    assert "Set the role" in alice.get(ws).text  # the owner manages members
    form = {"csrf_token": t, "username": "vera", "role": "editor"}
    got = alice.post(ws + "/members", data=form, follow_redirects=False)
    assert got.status_code == 303 and "vera%20is%20now%20editor" in got.headers["location"]
    page = vera.get(ws).text
    assert "Create case" in page and "Set the role" not in page  # an editor uploads, only owners manage
    tv = token(vera)
    assert vera.post(ws + "/members", data={**form, "csrf_token": tv, "role": "owner"}).status_code == 403
    tm = token(mallory)
    assert mallory.post(ws + "/members", data={**form, "csrf_token": tm}).status_code == 404
    got = alice.post(ws + "/members", data={**form, "username": "nobody"}, follow_redirects=False)
    assert "there%20is%20no%20user" in got.headers["location"]
    got = alice.post("/workspaces", data={"csrf_token": t, "name": ""}, follow_redirects=False)
    assert got.headers["location"].startswith("/workspaces?error=")
    assert alice.post("/workspaces", data={"name": "no token"}).status_code == 403
