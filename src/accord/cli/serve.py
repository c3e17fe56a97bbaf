"""``accord serve``: the team server; ``accord push`` / ``accord pull``: scenarios to and from it."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer

from accord.cli import app
from accord.cli import options as opt
from accord.errors import InputError

TOKEN_ENV = "ACCORD_TOKEN"
SERVER_ENV = "ACCORD_SERVER"


@app.command()
def serve(
    db: str | None = typer.Option(
        None,
        "--db",
        help="Database URL: sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/NAME "
        "(default $ACCORD_DB, else a SQLite file in the user's data directory)",
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on"),
    port: int = opt.count(8000, "--port", low=1, high=65535, help="Port to listen on"),
    workers: int | None = opt.workers(help="Processes that run analyses (default 1)"),
    http_workers: int | None = typer.Option(
        None, "--http-workers", help="Processes that answer requests (default 1, or $ACCORD_HTTP_WORKERS)"
    ),
    dask_scheduler: str | None = typer.Option(
        None, "--dask-scheduler", help="Run the Monte Carlo draws on this Dask scheduler (tcp://HOST:PORT)"
    ),
    secure_cookies: bool = typer.Option(
        False, "--secure-cookies", help="Mark cookies Secure (when a TLS proxy sits in front)"
    ),
    add_user: str | None = typer.Option(
        None,
        "--add-user",
        help="Create this account (password from $ACCORD_PASSWORD or a prompt) and exit",
    ),
    admin: bool = typer.Option(False, "--admin", help="With --add-user: the account may create accounts"),
) -> None:
    """Start the accord server (API under /api, browser pages at /); migrates the database first."""
    try:
        from accord.server.settings import Settings
    except ModuleNotFoundError as exc:
        raise InputError(
            f"the server needs the 'server' extra: pip install 'accord[server]' ({exc.name})"
        ) from None
    if not 0 < port < 65536:
        raise InputError(f"--port {port}: must be between 1 and 65535")
    settings = Settings.from_env(
        db_url=db,
        workers=workers,
        http_workers=http_workers,
        dask_scheduler=dask_scheduler,
        secure_cookies=secure_cookies or None,
    )
    if add_user is not None:
        _add_user(settings.db_url, add_user, admin)
        return
    from accord.server.app import run_server

    typer.echo(f"accord server on http://{host}:{port}/ (database: {_safe_url(settings.db_url)})", err=True)
    run_server(settings, host=host, port=port)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for display
        return "(unparseable URL)"


def _add_user(db_url: str, username: str, admin: bool) -> None:
    from accord.server import store
    from accord.server.db import Store

    password = os.environ.get("ACCORD_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            raise InputError("--add-user: give the password in $ACCORD_PASSWORD (no terminal to prompt on)")
        password = typer.prompt(f"password for {username}", hide_input=True, confirmation_prompt=True)
    st = Store(db_url)
    try:
        st.migrate()
        with st.session() as s:
            store.create_user(s, username, password, admin=admin)
    finally:
        st.close()
    typer.echo(f"created user {username}{' (administrator)' if admin else ''}")


# ----------------------------------------------------------------------------------------------
# push / pull
# ----------------------------------------------------------------------------------------------

SERVER = typer.Option(None, "--server", help=f"Server URL (default ${SERVER_ENV})")
TOKEN = typer.Option(None, "--token", help=f"API token (default ${TOKEN_ENV}; create one at /api/tokens)")


def _client(server: str | None, token: str | None) -> Any:
    import httpx

    server = server or os.environ.get(SERVER_ENV)
    token = token or os.environ.get(TOKEN_ENV)
    if not server:
        raise InputError(f"--server: give the server's URL (or set ${SERVER_ENV})")
    if not token:
        raise InputError(f"--token: give an API token (or set ${TOKEN_ENV})")
    return httpx.Client(base_url=server.rstrip("/"), headers={"Authorization": f"Bearer {token}"}, timeout=60)


def _call(client: Any, method: str, path: str, **kwargs: Any) -> Any:
    import httpx

    try:
        r = client.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        raise InputError(f"cannot reach {client.base_url}: {exc}") from None
    if r.status_code >= 400:
        try:
            detail = r.json().get("detail", r.text)
        except ValueError:
            detail = r.text[:200]
        raise InputError(f"{method} {path}: {r.status_code} {detail}")
    return r


@app.command()
def push(
    file: Path = typer.Argument(..., help="Scenario file (any format accord reads)"),
    server: str | None = SERVER,
    token: str | None = TOKEN,
    workspace: int | None = typer.Option(
        None, "--workspace", help="Create a new case in this workspace (id)"
    ),
    case: int | None = typer.Option(None, "--case", help="Save a new version of this case (id)"),
    base: int | None = typer.Option(
        None, "--base", help="The version your edit started from (default: the case's latest)"
    ),
    message: str = typer.Option("", "--message", "-m", help="What changed"),
    name: str | None = typer.Option(None, "--name", help="Name of a new case (default: the scenario's)"),
) -> None:
    """Upload a scenario to the server: a new case (--workspace) or a new version of a case (--case)."""
    if (workspace is None) == (case is None):
        raise InputError("give either --workspace (a new case) or --case (a new version)")
    from accord.limits import read_input

    content = read_input(file, what="scenario file")
    files = {"file": (file.name, content)}
    with _client(server, token) as client:
        if workspace is not None:
            data = {"message": message} | ({"name": name} if name else {})
            body = _call(
                client, "POST", f"/api/workspaces/{workspace}/cases/upload", files=files, data=data
            ).json()
            typer.echo(f"pushed {file} as case {body['id']} version 1")
            return
        if base is None:
            base = _call(client, "GET", f"/api/cases/{case}").json()["latest_version"]
        data = {"base_version": str(base), "message": message}
        body = _call(client, "POST", f"/api/cases/{case}/versions/upload", files=files, data=data).json()
        typer.echo(f"pushed {file} as case {case} version {body['number']}")


@app.command()
def pull(
    case: int = typer.Argument(..., help="Case id"),
    server: str | None = SERVER,
    token: str | None = TOKEN,
    version: int | None = typer.Option(None, "--version", help="Version number (default: the latest)"),
    output: Path | None = typer.Option(None, "--output", "-o", help="File to write (default: stdout)"),
    output_format: str | None = typer.Option(
        None, "--format", help="yaml, json or csv (default: from the --output suffix, else yaml)"
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing --output file"),
) -> None:
    """Download a version of a case from the server as a scenario file."""
    fmt = output_format or {".json": "json", ".csv": "csv"}.get(
        output.suffix.lower() if output else "", "yaml"
    )
    if fmt not in ("yaml", "json", "csv"):
        raise InputError(f"--format {fmt!r}: one of yaml, json, csv")
    if output is not None:
        from accord.outputs import check_output

        check_output(output, force=force)
    with _client(server, token) as client:
        if version is None:
            version = _call(client, "GET", f"/api/cases/{case}").json()["latest_version"]
        r = _call(client, "GET", f"/api/cases/{case}/versions/{version}/download", params={"format": fmt})
    if output is None:
        sys.stdout.buffer.write(r.content)
        return
    from accord.outputs import write_output

    write_output(output, r.content, force=force)
    typer.echo(f"wrote case {case} version {version} to {output}", err=True)
