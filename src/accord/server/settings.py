"""The server's settings: database URL, secret key, limits; from arguments or the environment."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from accord.errors import InputError

MIB = 1024 * 1024


def data_dir() -> Path:
    """The user's data directory for accord (``$ACCORD_DATA_DIR`` or the platform's default)."""
    env = os.environ.get("ACCORD_DATA_DIR")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("accord", appauthor=False))


def default_db_url() -> str:
    """A SQLite file in the user's data directory (created on first start)."""
    return f"sqlite:///{data_dir() / 'accord.db'}"


def _secret_key(db_url: str) -> str:
    """A secret key kept beside a SQLite database (so sessions survive a restart), else a fresh one."""
    if db_url.startswith("sqlite:///") and db_url != "sqlite:///:memory:":
        path = Path(db_url[len("sqlite:///") :]).with_suffix(".secret")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                key = path.read_text(encoding="utf-8").strip()
                if key:
                    return key
            key = secrets.token_urlsafe(48)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(key)
            return key
        except OSError as exc:
            raise InputError(
                f"cannot keep the secret key beside the database: {exc}", source=str(path)
            ) from None
    return secrets.token_urlsafe(48)


@dataclass
class Settings:
    """What the server needs to run. ``secret_key`` signs CSRF tokens; give the same one to every
    instance behind a load balancer (``ACCORD_SECRET_KEY``)."""

    db_url: str = field(default_factory=default_db_url)
    secret_key: str = ""
    workers: int = 1
    """Processes in the analysis pool."""
    dask_scheduler: str | None = None
    """Address of a Dask scheduler for the Monte Carlo draws (None: in the pool's process)."""
    max_body_bytes: int = 10 * MIB
    secure_cookies: bool = False
    """Mark cookies Secure (set it when the server sits behind TLS)."""
    login_attempts: int = 5
    """Failed logins allowed per client address and per user name within ``login_window_s``."""
    login_window_s: float = 300.0
    session_days: float = 14.0
    max_attempts: int = 2
    """How often a run cut off by a crash is started again before it is marked failed."""
    http_workers: int = 1
    """Processes that answer requests (uvicorn workers); with more than one, the main process
    runs the analysis pool and the web workers leave their runs queued for it."""
    job_runner: bool = True
    """Whether this process runs the analysis pool (False in the web workers of a multi-process
    server; set through ``ACCORD_JOB_RUNNER=0`` by ``accord serve``)."""

    def __post_init__(self) -> None:
        if not self.secret_key:
            self.secret_key = _secret_key(self.db_url)
        if self.workers < 1:
            raise InputError(f"--workers {self.workers}: must be at least 1")
        if self.http_workers < 1:
            raise InputError(f"--http-workers {self.http_workers}: must be at least 1")
        if self.max_body_bytes < 1024:
            raise InputError(f"max body size {self.max_body_bytes} bytes: must be at least 1024")

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from ``ACCORD_DB``, ``ACCORD_SECRET_KEY``, ``ACCORD_WORKERS``, ``ACCORD_HTTP_WORKERS``,
        ``ACCORD_DASK_SCHEDULER``, ``ACCORD_MAX_BODY_MB``, ``ACCORD_SECURE_COOKIES`` and
        ``ACCORD_JOB_RUNNER``; ``overrides`` (not None) win."""
        env = os.environ
        values: dict[str, object] = {}
        if env.get("ACCORD_DB"):
            values["db_url"] = env["ACCORD_DB"]
        if env.get("ACCORD_SECRET_KEY"):
            values["secret_key"] = env["ACCORD_SECRET_KEY"]
        if env.get("ACCORD_DASK_SCHEDULER"):
            values["dask_scheduler"] = env["ACCORD_DASK_SCHEDULER"]
        for name, key, conv in (
            ("workers", "ACCORD_WORKERS", int),
            ("http_workers", "ACCORD_HTTP_WORKERS", int),
            ("max_body_bytes", "ACCORD_MAX_BODY_MB", lambda v: int(float(v) * MIB)),
        ):
            if env.get(key):
                try:
                    values[name] = conv(env[key])
                except ValueError:
                    raise InputError(f"${key}={env[key]!r}: not a number") from None
        if env.get("ACCORD_SECURE_COOKIES"):
            values["secure_cookies"] = env["ACCORD_SECURE_COOKIES"].lower() in ("1", "true", "yes")
        if env.get("ACCORD_JOB_RUNNER"):
            values["job_runner"] = env["ACCORD_JOB_RUNNER"].lower() in ("1", "true", "yes")
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def to_env(settings: Settings) -> dict[str, str]:
    """The environment that gives :meth:`Settings.from_env` these settings (for the web workers
    of a multi-process server, which build their app from it)."""
    env = {
        "ACCORD_DB": settings.db_url,
        "ACCORD_SECRET_KEY": settings.secret_key,
        "ACCORD_WORKERS": str(settings.workers),
        "ACCORD_HTTP_WORKERS": str(settings.http_workers),
        "ACCORD_MAX_BODY_MB": repr(settings.max_body_bytes / MIB),
        "ACCORD_SECURE_COOKIES": "1" if settings.secure_cookies else "0",
        "ACCORD_JOB_RUNNER": "1" if settings.job_runner else "0",
    }
    if settings.dask_scheduler:
        env["ACCORD_DASK_SCHEDULER"] = settings.dask_scheduler
    return env
