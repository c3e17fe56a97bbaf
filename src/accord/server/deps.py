"""FastAPI dependencies shared by the API and the pages."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session


def db(request: Request) -> Iterator[Session]:
    """One database session per request."""
    with request.app.state.store.session() as session:
        yield session
