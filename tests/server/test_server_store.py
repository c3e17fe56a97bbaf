"""The store on SQLite and PostgreSQL: migrations, versions, optimistic concurrency, diffs."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from accord.errors import InputError
from accord.scenario import load
from accord.server import store
from accord.server.db import Store
from accord.server.diff import diff_scenarios
from accord.server.scenarios import to_data

PASSWORD = "correct horse battery"


@pytest.fixture
def st(db_url: str) -> Any:
    s = Store(db_url)
    s.migrate()
    yield s
    s.close()


@pytest.fixture(scope="module")
def gaza() -> Any:
    from pathlib import Path

    return load(Path(__file__).resolve().parents[2] / "examples" / "gaza_ceasefire_2024.yaml")


def test_migrations_match_the_models(st: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from accord.server.models import Base

    with st.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    st.migrate()  # idempotent


def test_versions_are_numbered_immutable_and_diffable(st: Store, gaza: Any) -> None:
    with st.session() as db:
        alice = store.create_user(db, "alice", PASSWORD)
        ws = store.create_workspace(db, "Gaza desk", alice)
        case = store.create_case(db, ws.id, "Gaza", gaza, alice, "first")
        edited = gaza.with_reservation("hamas", utility=0.2) if hasattr(gaza, "with_reservation") else None
        data = to_data(gaza)
        data["actors"][1]["capability"] = 42.0
        from accord.server.scenarios import from_data

        v2 = store.save_version(
            db, case.id, edited or from_data(data), alice, base_version=1, message="harder"
        )
        assert v2.number == 2 and v2.message == "harder" and v2.author_id == alice.id
        assert [v.number for v in store.list_versions(db, case.id)] == [1, 2]
        assert store.get_version(db, case.id, 1).data == to_data(gaza)  # version 1 untouched
        changes = store.diff_versions(db, case.id, 1, 2)
        assert changes and all({"path", "old", "new"} == set(c) for c in changes)
        assert store.diff_versions(db, case.id, 2, 2) == []
        rows = store.list_cases(db, ws.id)
        assert [r.latest.number for r in rows if r.latest] == [2]
        actions = [e.action for e in store.list_audit(db, ws.id)]
        assert actions[:2] == ["version.save", "case.create"]


def test_a_stale_save_conflicts_and_writes_nothing(st: Store, gaza: Any) -> None:
    with st.session() as db:
        alice = store.create_user(db, "alice", PASSWORD)
        ws = store.create_workspace(db, "W", alice)
        case = store.create_case(db, ws.id, "Gaza", gaza, alice)
        data = to_data(gaza)
        data["actors"][0]["capability"] = 7.0
        from accord.server.scenarios import from_data

        store.save_version(db, case.id, from_data(data), alice, base_version=1)
        with pytest.raises(store.VersionConflict) as info:
            store.save_version(db, case.id, gaza, alice, base_version=1, message="stale")
        assert info.value.latest == 2
        assert info.value.changes[0]["new"] == 7.0
        assert [v.number for v in store.list_versions(db, case.id)] == [1, 2]


def test_concurrent_saves_from_one_base_let_exactly_one_win(st: Store, gaza: Any) -> None:
    with st.session() as db:
        alice = store.create_user(db, "alice", PASSWORD)
        ws = store.create_workspace(db, "W", alice)
        case_id = store.create_case(db, ws.id, "Gaza", gaza, alice).id
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def save(k: int) -> None:
        with st.session() as db:
            barrier.wait()
            try:
                store.save_version(db, case_id, gaza, alice, base_version=1, message=f"editor {k}")
                outcomes.append("saved")
            except store.VersionConflict:
                outcomes.append("conflict")

    threads = [threading.Thread(target=save, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 5 + ["saved"]
    with st.session() as db:
        assert [v.number for v in store.list_versions(db, case_id)] == [1, 2]
        assert store.get_case(db, case_id).latest_version == 2


def test_accounts_and_roles(st: Store) -> None:
    with st.session() as db:
        alice = store.create_user(db, "alice", PASSWORD)
        bob = store.create_user(db, "bob", PASSWORD)
        with pytest.raises(InputError, match="taken"):
            store.create_user(db, "alice", PASSWORD)
        with pytest.raises(InputError, match="8 characters"):
            store.create_user(db, "carol", "short")
        with pytest.raises(InputError, match="username"):
            store.create_user(db, "<script>", PASSWORD)
        assert alice.password_hash.startswith("$argon2")
        ws = store.create_workspace(db, "W", alice)
        store.set_member(db, ws.id, bob, "viewer")
        assert store.role_of(db, bob.id, ws.id) == "viewer"
        with pytest.raises(InputError, match="at least one owner"):
            store.set_member(db, ws.id, alice, "editor")
        store.set_member(db, ws.id, bob, None)
        assert store.role_of(db, bob.id, ws.id) is None
        assert [r.role for r in store.list_workspaces(db, alice)] == ["owner"]


def test_diff_matches_list_items_by_id() -> None:
    old = {"name": "x", "actors": [{"id": "a", "capability": 1}, {"id": "b", "capability": 2}]}
    new = {"name": "x", "actors": [{"id": "b", "capability": 3}, {"id": "c", "capability": 1}]}
    changes = diff_scenarios(old, new)
    assert {"path": "actors[b].capability", "old": 2, "new": 3} in changes
    assert {"path": "actors[c]", "old": None, "new": {"id": "c", "capability": 1}} in changes
    assert {"path": "actors[a]", "old": {"id": "a", "capability": 1}, "new": None} in changes
    assert diff_scenarios({"v": 1}, {"v": 1.0}) == []
    assert diff_scenarios({"v": [1, 2]}, {"v": [1, 3]}) == [{"path": "v", "old": [1, 2], "new": [1, 3]}]
    assert diff_scenarios(old, old) == []


def test_sqlite_synchronous_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for value, expected in ((None, 2), ("normal", 1), ("FULL", 2)):  # PRAGMA synchronous: 2 FULL, 1 NORMAL
        if value is None:
            monkeypatch.delenv("ACCORD_SQLITE_SYNCHRONOUS", raising=False)
        else:
            monkeypatch.setenv("ACCORD_SQLITE_SYNCHRONOUS", value)
        st = Store(f"sqlite:///{tmp_path / f'{value}.db'}")
        try:
            with st.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == expected
        finally:
            st.close()
    monkeypatch.setenv("ACCORD_SQLITE_SYNCHRONOUS", "off")
    with pytest.raises(InputError, match="full or normal"):
        Store(f"sqlite:///{tmp_path / 'off.db'}")
