"""The ASGI app: the JSON API under ``/api``, the browser pages, request limits, error handling.

No exception ever reaches a client as a stack trace: bad input is a 422 with field errors, a
missing or forbidden object a 404/403, anything unexpected a 500 whose body holds only an error id
(the traceback goes to the server log under that id).
"""

from __future__ import annotations

import importlib.util
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord import __version__
from accord.errors import InputError
from accord.server.auth import RateLimiter
from accord.server.db import Store
from accord.server.jobs import JobRunner, RunsElsewhere
from accord.server.scenarios import ScenarioInvalid
from accord.server.settings import Settings, to_env
from accord.server.store import NotFound, VersionConflict

log = logging.getLogger("accord.server")


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes gets 413 before the app sees it
    (by its Content-Length, or by counting a chunked body as it arrives)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _plain(send, 400, "bad Content-Length header")
                return
            if declared > self.limit:
                await _too_large(send, self.limit)
                return
            await self.app(scope, receive, send)
            return
        # no length given: read the body (up to the limit) before the app starts
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.limit:
                await _too_large(send, self.limit)
                return
            chunks.append(body)
            more = message.get("more_body", False)
        replay: list[Message] = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def replay_receive() -> Message:
            return replay.pop() if replay else await receive()

        await self.app(scope, replay_receive, send)


async def _plain(
    send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    import json

    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            + (headers or []),
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _too_large(send: Send, limit: int) -> None:
    await _plain(
        send, 413, f"request body too large: the limit is {limit // 1024} KiB", [(b"connection", b"close")]
    )


class SecurityHeaders:
    """ASGI middleware: headers that keep browsers from sniffing, framing or leaking referrers."""

    HEADERS = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
    ]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    h for h in self.HEADERS if h[0] not in names
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _errors_of(exc: RequestValidationError) -> list[dict[str, str]]:
    out = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path")]
        out.append({"field": ".".join(loc), "message": str(err.get("msg", "invalid"))})
    return out


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ScenarioInvalid)
    async def _scenario_invalid(_r: Request, exc: ScenarioInvalid) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "errors": exc.errors}, status_code=422)

    @app.exception_handler(InputError)
    async def _input_error(_r: Request, exc: InputError) -> JSONResponse:
        text = str(exc)
        # the source is the uploaded file or the format, not a field of the scenario
        rest = text[len(exc.source) + 2 :] if exc.source and text.startswith(exc.source + ": ") else text
        field, _, message = rest.partition(": ")
        errors = [{"field": field, "message": message}] if message else [{"field": "", "message": rest}]
        return JSONResponse({"detail": text, "errors": errors}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _validation(_r: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _errors_of(exc)
        first = errors[0] if errors else {"field": "", "message": "invalid request"}
        detail = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
        return JSONResponse({"detail": detail, "errors": errors}, status_code=422)

    @app.exception_handler(NotFound)
    async def _not_found(_r: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": "not found"}, status_code=404)

    @app.exception_handler(VersionConflict)
    async def _conflict(_r: Request, exc: VersionConflict) -> JSONResponse:
        return JSONResponse(
            {
                "detail": str(exc),
                "base_version": exc.base,
                "latest_version": exc.latest,
                "changes": exc.changes,
            },
            status_code=409,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_r: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        error_id = secrets.token_hex(6)
        log.error("error %s on %s %s", error_id, request.method, request.url.path, exc_info=exc)
        return JSONResponse(
            {"detail": "internal server error; the server log has the details", "error_id": error_id},
            status_code=500,
        )


# Threads that run the requests' Python work (anyio's default is 40). The GIL runs one at a time
# whatever their number; more threads only share it finer, so that a save holding the database's
# write lock waits for the GIL behind dozens of others and every writer queues behind it. A few
# threads keep I/O waits (fsync, the write lock) overlapped; the rest of the requests wait their
# turn in the event loop, in order.
REQUEST_THREADS = 8


def create_app(settings: Settings | None = None, *, db_url: str | None = None) -> FastAPI:
    """The accord server app. ``db_url`` overrides ``settings.db_url``; the database is migrated
    and the job pool started when the app starts (its lifespan)."""
    if settings is None:
        settings = Settings.from_env(db_url=db_url)
    elif db_url is not None:
        settings.db_url = db_url
    store = Store(settings.db_url)
    jobs: JobRunner | RunsElsewhere = (
        JobRunner(store, settings.workers, settings.dask_scheduler, settings.max_attempts)
        if settings.job_runner
        else RunsElsewhere()
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        import anyio.to_thread
        from starlette.concurrency import run_in_threadpool

        anyio.to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
        await run_in_threadpool(store.migrate)
        await run_in_threadpool(jobs.recover)
        try:
            yield
        finally:
            jobs.close()
            store.close()

    app = FastAPI(
        title="accord",
        version=__version__,
        description="Cases, scenario versions and analysis runs of multi-party negotiations.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.jobs = jobs
    app.state.login_limiter = RateLimiter(settings.login_attempts, settings.login_window_s)
    _install_error_handlers(app)

    from accord.server.api import router as api_router

    app.include_router(api_router)
    if importlib.util.find_spec("accord.server.pages") is not None:
        from accord.server import pages

        app.include_router(pages.router)
        mount: Any = getattr(pages, "mount", None)
        if callable(mount):
            mount(app)  # e.g. static files
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    return app


def app_from_env() -> FastAPI:
    """The app of one web worker of a multi-process server (uvicorn's factory): its settings
    come from the environment that :func:`run_server` sets."""
    return create_app(Settings.from_env())


def run_server(settings: Settings, *, host: str, port: int) -> None:
    """Serve the app with uvicorn until stopped. With ``settings.http_workers`` > 1, that many
    web worker processes answer the requests while this process runs the analysis pool for them
    all: it migrates the database and re-queues a crash's runs once, then takes the runs the
    workers queue (:meth:`JobRunner.watch`)."""
    import uvicorn

    if settings.http_workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info", proxy_headers=True)
        return
    import dataclasses
    import os

    store = Store(settings.db_url)
    store.migrate()
    runner = JobRunner(store, settings.workers, settings.dask_scheduler, settings.max_attempts)
    runner.recover()
    runner.watch()
    # the workers are fresh processes: they build their settings, the same secret key included,
    # from the environment
    os.environ.update(to_env(dataclasses.replace(settings, job_runner=False)))
    try:
        uvicorn.run(
            "accord.server.app:app_from_env",
            factory=True,
            workers=settings.http_workers,
            host=host,
            port=port,
            log_level="info",
            proxy_headers=True,
        )
    finally:
        runner.close()
        store.close()
