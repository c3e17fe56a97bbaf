"""The database connection: engine, sessions, and the Alembic migrations run on start.

SQLite runs in WAL mode with a busy timeout, and every writing transaction starts with
``BEGIN IMMEDIATE`` (see :func:`write`), so concurrent saves queue for the lock instead of failing
with "database is locked" when a reader upgrades to a writer.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from accord.errors import InputError

MIGRATIONS = Path(__file__).with_name("migrations")
_IMMEDIATE = "accord_immediate"


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``); makes a SQLite
    file's folder."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(f"--db {url!r}: not a database URL (e.g. sqlite:///accord.db)") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise InputError(f"--db {url!r}: accord stores cases in SQLite or PostgreSQL, not {backend}")
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        lock = _writer_lock(parsed.database)
        engine = create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": 30, "factory": _connection_class(lock)},
        )
        _sqlite_pragmas(engine)
        return engine
    return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20)


# Writers of one SQLite file queue on a lock before BEGIN IMMEDIATE: a thread lock within the
# process, then an advisory file lock between processes (several web workers, the analysis
# workers). Without it, concurrent saves wait in SQLite's busy handler, which sleeps 1, 2, 5, ...
# up to 100 ms between tries: the save that loses a few races waits hundreds of milliseconds for
# a lock held a few. With it they queue and go the moment the lock is free.
_LOCK_WAIT_S = 30.0  # as the busy timeout: past it, BEGIN IMMEDIATE waits in SQLite as before


class WriterLock:
    """The write turn on one SQLite file: ``acquire`` blocks until this thread may write (or
    ``_LOCK_WAIT_S`` passed: False), ``release`` hands it on."""

    def __init__(self, path: str | None) -> None:
        self.path = path  # the lock file beside the database (None: in memory, this process only)
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int | None:
        if self.path is None or sys.platform == "win32":  # no flock there: this process only
            return None
        if self._fd is None or self._pid != os.getpid():
            self._fd, self._pid = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
        return self._fd

    def acquire(self) -> bool:
        if not self._thread_lock.acquire(timeout=_LOCK_WAIT_S):
            return False
        try:
            fd = self._file()
            if fd is not None:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX)  # other processes' writers: each holds it briefly
        except BaseException:
            self._thread_lock.release()
            raise
        return True

    def release(self) -> None:
        try:
            if self._fd is not None and self._pid == os.getpid():
                import fcntl

                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()


_WRITER_LOCKS: dict[str, WriterLock] = {}
_LOCKS_LOCK = threading.Lock()


def _writer_lock(database: str | None) -> WriterLock:
    on_disk = database not in (None, "", ":memory:")
    key = str(Path(database).resolve()) if on_disk and database else ":memory:"
    with _LOCKS_LOCK:
        if key not in _WRITER_LOCKS:
            _WRITER_LOCKS[key] = WriterLock(key + "-writer" if on_disk else None)
        return _WRITER_LOCKS[key]


def _connection_class(lock: WriterLock) -> type[sqlite3.Connection]:
    class Connection(sqlite3.Connection):
        """A sqlite3 connection that holds ``lock`` from BEGIN IMMEDIATE to the end of the
        transaction (commit, rollback or close, in whichever thread that happens)."""

        holds_write_lock = False

        def take_write_lock(self) -> None:
            self.holds_write_lock = lock.acquire()

        def _release(self) -> None:
            if self.holds_write_lock:
                self.holds_write_lock = False
                lock.release()

        def commit(self) -> None:
            try:
                super().commit()
            finally:
                self._release()

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                self._release()

        def close(self) -> None:
            try:
                super().close()
            finally:
                self._release()

    return Connection


SYNCHRONOUS = {"full": "FULL", "normal": "NORMAL"}
"""``ACCORD_SQLITE_SYNCHRONOUS``: ``full`` (the default) syncs the log to disk at every commit, so an
acknowledged save survives a crash of the process, the operating system or the power; ``normal``
syncs only at checkpoints: an acknowledged save survives the server process being killed (the
log is in the operating system's hands), not a power cut or a kernel crash, which may lose the
last saves (never corrupt the database). ``normal`` takes the disk's sync (about 7 ms on the
development machine) out of every save's hold on the write lock."""


def _synchronous() -> str:
    value = os.environ.get("ACCORD_SQLITE_SYNCHRONOUS", "full").strip().lower()
    if value not in SYNCHRONOUS:
        raise InputError(f"$ACCORD_SQLITE_SYNCHRONOUS={value!r}: full or normal")
    return SYNCHRONOUS[value]


def _sqlite_pragmas(engine: Engine) -> None:
    synchronous = _synchronous()

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        if immediate:
            conn.connection.dbapi_connection.take_write_lock()
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                conn.connection.dbapi_connection.rollback()  # lets the lock go
                raise
        else:
            conn.exec_driver_sql("BEGIN")


def write(db: Session) -> None:
    """Start the session's writing transaction (on SQLite: take the write lock now).

    Call it before the first read of a transaction that writes; a read transaction in progress
    is ended first (it holds nothing the caller still needs: objects stay loaded)."""
    if db.in_transaction():
        db.commit()
    db.connection(execution_options={_IMMEDIATE: True})


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (Alembic, programmatic)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Store:
    """The database of one server: an engine and its session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> None:
        """Create or upgrade the schema."""
        migrate(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session; rolled back on an error, closed at the end (store functions commit)."""
        db = self.sessions()
        try:
            yield db
        except BaseException:
            db.rollback()
            raise
        finally:
            db.close()

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()
