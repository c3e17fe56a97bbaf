"""Fixtures of the server tests: the same tests run against SQLite and a real PostgreSQL server.

PostgreSQL: ``$ACCORD_TEST_PG`` (a server URL such as ``postgresql+psycopg://postgres@127.0.0.1:5432``)
or, by default, a throwaway server started here from Debian's ``postgresql`` package (``make test``
installs it when missing): initdb in a temporary folder, pg_ctl start on a free loopback port, as the
``postgres`` user when we are root. Each test gets its own database, created from a migrated template
and dropped afterwards. Without PostgreSQL the PostgreSQL cases skip, except under CI (``CI=true``),
where they fail.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


def _reexport_top_conftest() -> None:
    """Test modules elsewhere do ``from conftest import ROOT, need, ...``; pytest leaves the last
    conftest it imported under that name, which may be this one: so it carries the top-level
    conftest's names too (its constants and helpers; its fixtures stay registered there)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "conftest.py"
    spec = importlib.util.spec_from_file_location("_accord_tests_top_conftest", path)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, value in vars(module).items():
        fixture = type(value).__name__.startswith("Fixture") or hasattr(value, "_pytestfixturefunction")
        if name.startswith("_") or name in globals() or fixture:
            continue
        if getattr(value, "__module__", None) == module.__name__ or not callable(value):
            globals()[name] = value


_reexport_top_conftest()

PASSWORD = "correct horse battery"
TEMPLATE = "accord_template"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin() -> Path | None:
    env = os.environ.get("ACCORD_PG_BIN")
    if env:
        return Path(env)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


class PgServer:
    """A throwaway PostgreSQL server in a temporary folder."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.tmp = Path(tempfile.mkdtemp(prefix="accord-pg-"))
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            # initdb refuses to run as root
            shutil.chown(self.tmp, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        data = self.tmp / "data"
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        )
        opts = (
            f"-p {self.port} -k {self.tmp} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            opts,
            "-w",
            "-t",
            "60",
            "-l",
            str(self.tmp / "log"),
            "start",
        )
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.tmp / "data"), "-m", "immediate", "stop")
        except (subprocess.SubprocessError, OSError):
            pass
        shutil.rmtree(self.tmp, ignore_errors=True)


def _admin(base: str, sql: str) -> None:
    import psycopg

    url = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="session")
def pg_base() -> Iterator[str]:
    """The URL (without database) of a PostgreSQL server with a migrated template database."""
    from accord.server.db import Store

    url = os.environ.get("ACCORD_TEST_PG")
    server = None
    if not url:
        bindir = _pg_bin()
        if bindir is None or not (bindir / "initdb").exists():
            _missing("no initdb/pg_ctl found (apt-get install postgresql, or set ACCORD_TEST_PG)")
        server = PgServer(bindir)  # type: ignore[arg-type]
        try:
            url = server.start()
        except (subprocess.SubprocessError, OSError) as exc:
            log = server.tmp / "log"
            detail = log.read_text()[-500:] if log.exists() else ""
            server.stop()
            _missing(f"could not start a server: {exc} {getattr(exc, 'stderr', b'')!r} {detail}")
    assert url is not None
    template = f"{TEMPLATE}_{uuid.uuid4().hex[:8]}"
    _admin(url, f'CREATE DATABASE "{template}"')
    store = Store(f"{url}/{template}")
    store.migrate()
    store.close()
    yield f"{url}|{template}"
    try:
        _admin(url, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
    finally:
        if server is not None:
            server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database that tests copy (migrating takes a second or two)."""
    from accord.server.db import Store

    path = tmp_path_factory.mktemp("template") / "accord.db"
    store = Store(f"sqlite:///{path}")
    store.migrate()
    store.close()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url")
        return
    base, template = request.getfixturevalue("pg_base").split("|")
    name = f"t_{uuid.uuid4().hex[:12]}"
    _admin(base, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield f"{base}/{name}"
    _admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh, migrated SQLite database."""
    shutil.copy(sqlite_template, tmp_path / "accord.db")
    return f"sqlite:///{tmp_path / 'accord.db'}"


@dataclass
class Env:
    """A running app (in-process) with helpers to make users and signed-in clients."""

    app: Any
    client: Any  # the anonymous client (it also runs the app's lifespan)

    def user(self, name: str, *, admin: bool = False) -> Any:
        from accord.server import store

        with self.app.state.store.session() as db:
            return store.create_user(db, name, PASSWORD, admin=admin)

    def login(self, name: str) -> Any:
        """A new client signed in as ``name``, with its CSRF header set."""
        from fastapi.testclient import TestClient

        c = TestClient(self.app, raise_server_exceptions=False)
        r = c.post("/api/session", json={"username": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        return c

    def workspace(self, owner: Any, name: str = "Desk") -> int:
        from accord.server import store

        with self.app.state.store.session() as db:
            return int(store.create_workspace(db, name, owner).id)

    def member(self, workspace_id: int, user: Any, role: str) -> None:
        from accord.server import store

        with self.app.state.store.session() as db:
            store.set_member(db, workspace_id, user, role)


@contextmanager
def make_env(db_url: str, **settings: Any) -> Iterator[Env]:
    from fastapi.testclient import TestClient

    from accord.server.app import create_app
    from accord.server.settings import Settings

    app = create_app(Settings(db_url=db_url, secret_key="test-secret", **settings))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Env(app, client)


@pytest.fixture
def env(db_url: str) -> Iterator[Env]:
    """The app on SQLite and on PostgreSQL."""
    with make_env(db_url) as e:
        yield e


@pytest.fixture
def sqlite_env(sqlite_url: str) -> Iterator[Env]:
    """The app on SQLite only (for tests whose subject is not the database)."""
    with make_env(sqlite_url) as e:
        yield e


@pytest.fixture
def env_with(sqlite_url: str) -> Any:
    """``env_with(**settings)``: a context manager giving the app on SQLite with these settings."""
    return lambda **settings: make_env(sqlite_url, **settings)


@pytest.fixture(scope="session")
def gaza_text() -> str:
    return (Path(__file__).resolve().parents[2] / "examples" / "gaza_ceasefire_2024.yaml").read_text()


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at its lowest cost in-process: the tests check the flow, not the hash's strength."""
    from argon2 import PasswordHasher

    from accord.server import auth

    monkeypatch.setattr(auth, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    monkeypatch.setattr(auth, "_DUMMY_HASH", None)
