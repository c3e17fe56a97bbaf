"""Who is asking, and may they: passwords (argon2), session cookies, API tokens, CSRF tokens,
login rate limiting and workspace roles.

Sessions live in the database (the cookie holds a random token, the table its SHA-256), so a
logout or a restart with the same database behaves as expected. The CSRF token of a session is an
HMAC of its token under the server's secret key: pages put it in a hidden form field, scripts in
the ``X-CSRF-Token`` header; requests authenticated by an API token need none.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import deque
from datetime import timedelta
from typing import Any

from fastapi import Depends, HTTPException, Request, Response
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from accord.errors import InputError
from accord.server.db import write
from accord.server.deps import db as db_dep
from accord.server.models import ROLES, ApiToken, LoginSession, User, utcnow
from accord.server.store import audit, role_of

COOKIE = "accord_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
TOKEN_PREFIX = "acc_"
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


class LoginFailed(HTTPException):
    """Wrong user name or password (HTTP 401); the message does not say which."""

    def __init__(self) -> None:
        super().__init__(401, "wrong user name or password")


class TooManyAttempts(HTTPException):
    """Too many failed logins from this address or for this user (HTTP 429)."""

    def __init__(self, retry_after: float) -> None:
        wait = max(1, int(retry_after + 0.999))
        super().__init__(
            429, f"too many failed logins; try again in {wait} s", headers={"Retry-After": str(wait)}
        )


def valid_username(name: str) -> str:
    """A user name: 1-64 letters, digits, ``_ . @ -``, starting with a letter or digit."""
    if not _USERNAME.match(name):
        raise InputError(
            f"username {name!r}: use 1-64 letters, digits, '_', '.', '@' or '-', "
            "starting with a letter or digit"
        )
    return name


_HASHER: Any = None


def _hasher() -> Any:
    """argon2id with argon2-cffi's defaults (RFC 9106's second recommended option, low memory)."""
    global _HASHER
    if _HASHER is None:
        from argon2 import PasswordHasher

        _HASHER = PasswordHasher()
    return _HASHER


def hash_password(password: str) -> str:
    """The argon2id hash of a password."""
    return str(_hasher().hash(password))


def verify_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches the stored argon2 hash."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


# a valid hash to verify against when the user does not exist, so timing does not tell
_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
    return _DUMMY_HASH


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class RateLimiter:
    """Failed attempts per key in a sliding window (in memory, per server process)."""

    def __init__(self, attempts: int, window_s: float) -> None:
        self.attempts, self.window_s = attempts, window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self.window_s:
            q.popleft()
        return q

    def retry_after(self, *keys: str) -> float:
        """Seconds until a key may try again (0: it may now)."""
        now = time.monotonic()
        with self._lock:
            waits = [
                q[0] + self.window_s - now
                for q in (self._recent(k, now) for k in keys)
                if len(q) >= self.attempts
            ]
        return max(waits, default=0.0)

    def fail(self, *keys: str) -> None:
        """Count a failed attempt against every key."""
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)
            if len(self._failures) > 100_000:  # bound the memory an attacker can make us hold
                self._failures = {k: q for k, q in self._failures.items() if q}

    def clear(self, *keys: str) -> None:
        """Forget a key's failures (after a successful login)."""
        with self._lock:
            for k in keys:
                self._failures.pop(k, None)


def _limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.login_limiter
    return limiter


def client_address(request: Request) -> str:
    """The client's address (the proxy must pass it: uvicorn's ``--forwarded-allow-ips``)."""
    return request.client.host if request.client else "unknown"


def login(request: Request, response: Response, db: Session, username: str, password: str) -> User:
    """Check the password, start a session and set its cookie on ``response``."""
    settings = request.app.state.settings
    keys = (f"ip:{client_address(request)}", f"user:{username.lower()[:64]}")
    limiter = _limiter(request)
    wait = limiter.retry_after(*keys)
    if wait > 0:
        raise TooManyAttempts(wait)
    user = db.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else _dummy_hash(), password)
    if user is None or not ok:
        limiter.fail(*keys)
        raise LoginFailed()
    limiter.clear(keys[1])
    token = secrets.token_urlsafe(32)
    write(db)
    now = utcnow()
    db.execute(delete(LoginSession).where(LoginSession.expires_at < now))
    db.add(
        LoginSession(
            token_hash=_sha(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(days=settings.session_days),
        )
    )
    audit(db, user, "login", target=user.username)
    db.commit()
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(settings.session_days * 86400),
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    request.state.session_token = token
    request.state.user = user
    return user


def logout(request: Request, response: Response, db: Session) -> None:
    """End the request's session and delete its cookie."""
    token = request.cookies.get(COOKIE)
    if token:
        write(db)
        db.execute(delete(LoginSession).where(LoginSession.token_hash == _sha(token)))
        db.commit()
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")


# built once: the session (or API token) and its user in one query, on every request
_SESSION_USER = (
    select(User)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(LoginSession.token_hash == bindparam("token_hash"), LoginSession.expires_at >= bindparam("now"))
)
_TOKEN_USER = (
    select(User)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def _session_user(db: Session, token: str) -> User | None:
    user: User | None = db.scalar(_SESSION_USER, {"token_hash": _sha(token), "now": utcnow()})
    return user


def _token_user(db: Session, token: str) -> User | None:
    user: User | None = db.scalar(_TOKEN_USER, {"token_hash": _sha(token)})
    return user


def current_user(request: Request, db: Session) -> User | None:
    """The user of the request's API token (``Authorization: Bearer``) or session cookie, else None."""
    if "user" in request.state._state:
        cached: User | None = request.state.user
        return cached
    user: User | None = None
    request.state.via_token = False
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        user = _token_user(db, header[7:].strip())
        request.state.via_token = user is not None
    else:
        token = request.cookies.get(COOKIE)
        if token:
            user = _session_user(db, token)
            if user is not None:
                request.state.session_token = token
    request.state.user = user
    return user


def require_user(request: Request, db: Session = Depends(db_dep)) -> User:
    """FastAPI dependency: the signed-in user, or 401."""
    user = current_user(request, db)
    if user is None:
        raise HTTPException(401, "sign in first (session cookie or Authorization: Bearer <API token>)")
    return user


def csrf_token(request: Request) -> str:
    """The CSRF token of the request's session ("" when there is no session)."""
    token = getattr(request.state, "session_token", None) or request.cookies.get(COOKIE)
    if not token:
        return ""
    key = request.app.state.settings.secret_key.encode("utf-8")
    return hmac.new(key, b"csrf:" + token.encode("utf-8"), hashlib.sha256).hexdigest()


def check_csrf(request: Request, token: str | None) -> None:
    """403 unless ``token`` is the session's CSRF token (requests with an API token pass)."""
    if getattr(request.state, "via_token", False):
        return
    expected = csrf_token(request)
    if not expected or not token or not hmac.compare_digest(expected, token):
        raise HTTPException(403, f"missing or wrong CSRF token (send the {CSRF_HEADER} header)")


def csrf_protect(request: Request, user: User = Depends(require_user)) -> User:
    """FastAPI dependency for state-changing API routes: the signed-in user, after the CSRF check."""
    check_csrf(request, request.headers.get(CSRF_HEADER))
    return user


def require_role(db: Session, user: User, workspace_id: int, need: str) -> str:
    """The user's role in the workspace: 404 when not a member, 403 when below ``need``."""
    return check_role(role_of(db, user.id, workspace_id), need)


def check_role(role: str | None, need: str) -> str:
    """``role`` when it is at least ``need``: 404 when None (not a member), 403 when below."""
    if role is None:
        raise HTTPException(404, "not found")
    if ROLES.index(role) < ROLES.index(need):
        raise HTTPException(403, f"this needs the {need} role in the workspace; you are {role}")
    return role


def role_in(db: Session, user: User | None, workspace_id: int) -> str | None:
    """The user's role in the workspace, or None."""
    return role_of(db, user.id, workspace_id) if user is not None else None


def create_api_token(db: Session, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new API token for ``user``: the row and the secret (shown once, never stored)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    write(db)
    row = ApiToken(user_id=user.id, name=name[:200], token_hash=_sha(secret))
    db.add(row)
    audit(db, user, "token.create", target=name[:200])
    db.commit()
    return row, secret
