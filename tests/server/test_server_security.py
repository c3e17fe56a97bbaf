"""Trying to break in: every route for every role, a stranger and an anonymous client; CSRF;
login rate limiting; oversized bodies; no stack trace in any error; cookie flags."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from accord.server import auth, store
from accord.server.models import Report, Run

PASSWORD = "correct horse battery"
ROLES = ("viewer", "editor", "owner")

# every API route and who may use it: anyone, user (signed in), admin, or a workspace role
ACCESS: dict[str, str] = {
    "GET /api/health": "anyone",
    "POST /api/session": "anyone",
    "DELETE /api/session": "user",
    "GET /api/me": "user",
    "POST /api/validate": "user",
    "POST /api/users": "admin",
    "GET /api/tokens": "user",
    "POST /api/tokens": "user",
    "DELETE /api/tokens/{token_id}": "user",
    "GET /api/workspaces": "user",
    "POST /api/workspaces": "user",
    "GET /api/workspaces/{workspace_id}": "viewer",
    "GET /api/workspaces/{workspace_id}/members": "viewer",
    "PUT /api/workspaces/{workspace_id}/members/{username}": "owner",
    "DELETE /api/workspaces/{workspace_id}/members/{username}": "owner",
    "GET /api/workspaces/{workspace_id}/audit": "owner",
    "GET /api/workspaces/{workspace_id}/cases": "viewer",
    "POST /api/workspaces/{workspace_id}/cases": "editor",
    "POST /api/workspaces/{workspace_id}/cases/upload": "editor",
    "GET /api/cases/{case_id}": "viewer",
    "PATCH /api/cases/{case_id}": "owner",
    "DELETE /api/cases/{case_id}": "owner",
    "GET /api/cases/{case_id}/versions": "viewer",
    "POST /api/cases/{case_id}/versions": "editor",
    "POST /api/cases/{case_id}/versions/upload": "editor",
    "GET /api/cases/{case_id}/versions/{number}": "viewer",
    "GET /api/cases/{case_id}/versions/{number}/download": "viewer",
    "GET /api/cases/{case_id}/diff": "viewer",
    "POST /api/cases/{case_id}/whatif": "viewer",
    "POST /api/cases/{case_id}/runs": "editor",
    "GET /api/cases/{case_id}/runs": "viewer",
    "GET /api/runs/{run_id}": "viewer",
    "GET /api/runs/{run_id}/report": "viewer",
    "GET /api/runs/{run_id}/events": "viewer",
}
STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
NO_CSRF = {"POST /api/session", "POST /api/validate"}  # signing in; checking (changes nothing)


class World:
    """A workspace with a case, a finished run with a report, and one client per identity."""

    def __init__(self, env: Any, gaza_text: str) -> None:
        self.env, self.app, self.gaza = env, env.app, gaza_text
        owner = env.user("owner")
        self.ws = env.workspace(owner, "Desk")
        for role in ("viewer", "editor"):
            env.member(self.ws, env.user(role), role)
        env.user("stranger")
        env.user("admin", admin=True)
        env.member(env.workspace(env.user("other"), "Other desk"), env.user("target"), "viewer")
        self.clients = {name: env.login(name) for name in (*ROLES, "stranger", "admin")}
        self.clients["anonymous"] = TestClient(self.app, raise_server_exceptions=False)
        r = self.clients["owner"].post(
            f"/api/workspaces/{self.ws}/cases", json={"name": "Secret case", "text": gaza_text}
        )
        self.case = r.json()["id"]
        with self.app.state.store.session() as db:
            version = store.get_version(db, self.case, 1)
            run = store.create_run(
                db, self.case, version, db.get(store.User, 1), seed=0, draws=0, report=True
            )
            db.get(Run, run.id).status = "done"
            db.add(Report(run_id=run.id, html="<p>report</p>"))
            db.commit()
            self.run = run.id
        self.app.state.jobs.submit = lambda run_id: None  # the walk checks access, not analyses

    def latest(self) -> int:
        with self.app.state.store.session() as db:
            return store.get_case(db, self.case).latest_version

    def throwaway_case(self) -> int:
        with self.app.state.store.session() as db:
            owner = store.get_user(db, "owner")
            scenario = store.version_scenario(store.get_version(db, self.case, 1))
            return int(store.create_case(db, self.ws, "throwaway", scenario, owner).id)

    def request(self, who: str, key: str) -> Any:
        """Send the route's request (with valid parameters and body) as ``who``."""
        method, path = key.split(" ")
        client = self.clients[who]
        if key == "DELETE /api/session" and who != "anonymous":
            client = self.env.login(who)  # signing out must not sign the walk's client out
        if key == "POST /api/session":
            client = TestClient(self.app, raise_server_exceptions=False)  # nor signing in change it
        values: dict[str, Any] = {
            "workspace_id": self.ws,
            "case_id": self.case,
            "run_id": self.run,
            "number": 1,
        }
        kwargs: dict[str, Any] = {}
        if key == "DELETE /api/cases/{case_id}":
            values["case_id"] = self.throwaway_case()
        if "{username}" in path:
            values["username"] = "target"
            if method == "DELETE":
                self.env.member(self.ws, self._user("target"), "viewer")
        if "{token_id}" in path:
            values["token_id"] = self._token(who)
        body = {
            "POST /api/session": {"username": "viewer", "password": PASSWORD},
            "POST /api/validate": {"text": self.gaza},
            "POST /api/users": {"username": f"new{abs(hash((who, key))) % 10**8}", "password": PASSWORD},
            "POST /api/tokens": {"name": "t"},
            "POST /api/workspaces": {"name": "Another"},
            "PUT /api/workspaces/{workspace_id}/members/{username}": {"role": "viewer"},
            "POST /api/workspaces/{workspace_id}/cases": {"name": "New", "text": self.gaza},
            "PATCH /api/cases/{case_id}": {"name": "Renamed"},
            "POST /api/cases/{case_id}/versions": {"base_version": self.latest(), "text": self.gaza},
            "POST /api/cases/{case_id}/whatif": {"text": self.gaza},
            "POST /api/cases/{case_id}/runs": {"draws": 0},
        }.get(key)
        if body is not None:
            kwargs["json"] = body
        if key.endswith("/upload"):
            kwargs["files"] = {"file": ("gaza.yaml", self.gaza.encode())}
            if "versions" in key:
                kwargs["data"] = {"base_version": str(self.latest())}
        if key == "GET /api/cases/{case_id}/diff":
            kwargs["params"] = {"from": 1, "to": 1}
        return client.request(method, path.format(**values), **kwargs)

    def _user(self, name: str) -> Any:
        with self.app.state.store.session() as db:
            return store.get_user(db, name)

    def _token(self, who: str) -> int:
        if who == "anonymous":
            return 1
        with self.app.state.store.session() as db:
            row, _ = auth.create_api_token(db, store.get_user(db, who), "walk")
            return int(row.id)


@pytest.fixture
def world(env: Any, gaza_text: str) -> World:
    return World(env, gaza_text)


def expected(level: str, who: str) -> Callable[[int], bool]:
    if level == "anyone":
        return lambda s: s < 400
    if who == "anonymous":
        return lambda s: s == 401
    if level == "user":
        return lambda s: s < 400
    if level == "admin":
        return (lambda s: s < 400) if who == "admin" else (lambda s: s == 403)
    if who in ("stranger", "admin"):
        return lambda s: s == 404  # a stranger learns nothing, not even that it exists
    return (lambda s: s < 400) if ROLES.index(who) >= ROLES.index(level) else (lambda s: s == 403)


def test_every_route_for_every_role_and_a_stranger(world: World) -> None:
    schema = world.app.openapi()["paths"]
    routes = {f"{m.upper()} {p}" for p, ops in schema.items() for m in ops}
    assert routes == set(ACCESS), "classify every new route in ACCESS"
    failures = []
    for key, level in ACCESS.items():
        for who in ("anonymous", "stranger", "admin", *ROLES):
            r = world.request(who, key)
            if not expected(level, who)(r.status_code):
                failures.append(f"{key} as {who}: {r.status_code} {r.text[:120]}")
            if who in ("anonymous", "stranger") and level not in ("anyone", "user"):
                assert "Secret case" not in r.text
    assert not failures, "\n".join(failures)


def test_pages_show_strangers_nothing(world: World) -> None:
    try:
        from accord.server import pages
    except ImportError:
        pytest.skip("no browser pages in this build")
    ids = {"workspace_id": world.ws, "case_id": world.case, "run_id": world.run}
    checked = 0
    for route in pages.router.routes:
        path = getattr(route, "path", "")
        names = re.findall(r"{(\w+)(?::\w+)?}", path)
        if not any(n in ids for n in names):
            continue
        url = re.sub(r"{(\w+)(?::\w+)?}", lambda m: str(ids.get(m.group(1), 1)), path)
        for method in sorted(getattr(route, "methods", {"GET"}) - {"HEAD"}):
            for who in ("anonymous", "stranger"):
                client = world.clients[who]
                r = client.request(method, url, follow_redirects=False)
                assert r.status_code != 200 and r.status_code < 500, (method, url, who, r.status_code)
                assert "Secret case" not in r.text, (method, url, who)
                checked += 1
    assert checked > 0


def test_state_changing_routes_need_the_csrf_token(world: World) -> None:
    owner = world.clients["owner"]
    token = owner.headers.pop("X-CSRF-Token")
    try:
        for key, level in ACCESS.items():
            method = key.split(" ")[0]
            if method not in STATE_CHANGING or key in NO_CSRF or level == "admin":
                continue
            for bad in (None, "0" * 64):
                if bad is not None:
                    owner.headers["X-CSRF-Token"] = bad
                r = (
                    world.request("owner", key)
                    if key != "DELETE /api/session"
                    else owner.delete("/api/session")
                )
                owner.headers.pop("X-CSRF-Token", None)
                assert r.status_code == 403 and "CSRF" in r.json()["detail"], (key, bad, r.status_code)
        assert world.latest() == 1
        with world.app.state.store.session() as db:
            names = {c.case.name for c in store.list_cases(db, world.ws)}
            assert "Secret case" in names and names <= {"Secret case", "throwaway"}  # none deleted or added
    finally:
        owner.headers["X-CSRF-Token"] = token
    # a token of another session does not do either
    viewer_token = world.clients["viewer"].headers["X-CSRF-Token"]
    r = owner.patch(f"/api/cases/{world.case}", json={"name": "x"}, headers={"X-CSRF-Token": viewer_token})
    assert r.status_code == 403


def test_login_is_rate_limited(sqlite_env: Any) -> None:
    sqlite_env.user("alice")
    c = sqlite_env.client
    # the same wording for an unknown user and a wrong password
    unknown = c.post("/api/session", json={"username": "nobody", "password": "x"}).json()
    assert unknown == c.post("/api/session", json={"username": "alice", "password": "x"}).json()
    for _ in range(3):
        assert c.post("/api/session", json={"username": "alice", "password": "wrong"}).status_code == 401
    r = c.post("/api/session", json={"username": "alice", "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


@pytest.fixture
def small_env(env_with: Any) -> Iterator[Any]:
    with env_with(max_body_bytes=64 * 1024) as e:
        yield e


def test_oversized_bodies_get_413(small_env: Any) -> None:
    small_env.user("alice")
    c = small_env.login("alice")
    big = b"x" * (65 * 1024)
    r = c.post("/api/validate", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "too large" in r.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer
        for _ in range(70):
            yield b"y" * 1024

    r = c.post("/api/validate", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    r = c.post("/api/workspaces/1/cases/upload", files={"file": ("big.yaml", big)})
    assert r.status_code == 413
    assert c.post("/api/validate", json={"text": "name: x"}).status_code == 200  # small ones pass


def test_cookies_and_headers(env_with: Any) -> None:
    with env_with(secure_cookies=True) as env:
        env.user("alice")
        r = env.client.post("/api/session", json={"username": "alice", "password": PASSWORD})
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie and "path=/" in cookie
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"


def test_no_stack_trace_reaches_a_client(sqlite_env: Any) -> None:
    app = sqlite_env.app

    def boom() -> None:
        raise RuntimeError("secret internals at /srv/accord/app.py line 42")

    app.add_api_route("/api/boom", boom)
    r = sqlite_env.client.get("/api/boom")
    assert r.status_code == 500
    body = r.text
    assert "Traceback" not in body and "secret internals" not in body and "app.py" not in body
    assert r.json()["error_id"]
    # malformed JSON, wrong types and absurd ids: 4xx with a message, never a trace
    sqlite_env.user("alice")
    c = sqlite_env.login("alice")
    for method, url, kwargs in (
        (
            "POST",
            "/api/workspaces",
            {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
        ),
        ("POST", "/api/workspaces", {"json": {"name": ["a"]}}),
        ("GET", "/api/cases/99999999999999999999", {}),
        ("GET", "/api/cases/-1/versions", {}),
        ("GET", "/api/cases/1/diff?from=a&to=b", {}),
        ("POST", "/api/cases/1/runs", {"json": {"draws": 10**9}}),
    ):
        r = c.request(method, url, **kwargs)
        assert 400 <= r.status_code < 500, (url, r.status_code)
        assert "Traceback" not in r.text and "detail" in r.json()
