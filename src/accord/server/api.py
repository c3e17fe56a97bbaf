"""The JSON API under ``/api`` (OpenAPI at ``/api/openapi.json``, docs at ``/api/docs``).

Every route that reads a workspace's data checks the caller's role there (a stranger gets 404);
every route that changes state needs the CSRF header when the caller signed in with a cookie.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, Response, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from accord.errors import InputError
from accord.scenario.model import Scenario
from accord.server import auth, scenarios, store
from accord.server.deps import db as get_db
from accord.server.jobs import analyze_now, iso, run_json, submit_run
from accord.server.models import ApiToken, Case, User, Version

router = APIRouter(prefix="/api")

Role = Literal["viewer", "editor", "owner"]
MAX_INT = 2**31 - 1
MAX_UPLOAD_NAME = 255
Id = Annotated[int, PathParam(ge=1, le=MAX_INT)]
Username = Annotated[str, PathParam(min_length=1, max_length=64)]
T = TypeVar("T")


# ----------------------------------------------------------------------------------------------
# request bodies
# ----------------------------------------------------------------------------------------------


class Credentials(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=1000)


class NewUser(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(min_length=8, max_length=1000)
    display_name: str | None = Field(default=None, max_length=200)
    admin: bool = False


class NewToken(BaseModel):
    name: str = Field(default="", max_length=200)


class NewWorkspace(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class MemberRole(BaseModel):
    role: Role


class ScenarioIn(BaseModel):
    """A scenario as data (accord's native structure) or as text (YAML or JSON)."""

    scenario: dict[str, Any] | None = None
    text: str | None = Field(default=None, description="the scenario as YAML or JSON text")
    format: Literal["yaml", "json"] = "yaml"


class NewCase(ScenarioIn):
    name: str = Field(min_length=1, max_length=200)
    message: str = Field(default="", max_length=2000)
    as_of: date | None = None


class NewVersion(ScenarioIn):
    base_version: int = Field(ge=1, le=MAX_INT, description="the version this edit started from")
    message: str = Field(default="", max_length=2000)
    as_of: date | None = None


class CasePatch(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class NewRun(BaseModel):
    version: int | None = Field(default=None, ge=1, le=MAX_INT, description="default: the latest")
    seed: int = Field(default=0, ge=0, le=MAX_INT)
    draws: int = Field(default=1000, ge=0, le=100_000, description="Monte Carlo draws (0: none)")
    report: bool = Field(default=False, description="also render and store the HTML report")


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------


def _user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "admin": user.is_admin,
    }


def _version_meta(
    number: int, author: str | None, created_at: Any, as_of: date | None, message: str
) -> dict[str, Any]:
    return {
        "number": number,
        "author": author,
        "created_at": iso(created_at),
        "as_of": as_of.isoformat() if as_of else None,
        "message": message,
    }


def _version_json(v: Version, *, data: bool = False) -> dict[str, Any]:
    author = v.author.username if v.author is not None else None
    out = _version_meta(v.number, author, v.created_at, v.as_of, v.message)
    if data:
        out["scenario"] = v.data
    return out


def _case_meta(id: int, workspace_id: int, name: str, latest_version: int, created_at: Any) -> dict[str, Any]:
    return {
        "id": id,
        "workspace_id": workspace_id,
        "name": name,
        "latest_version": latest_version,
        "created_at": iso(created_at),
    }


def _case_json(case: Case, latest: Version | None = None, role: str | None = None) -> dict[str, Any]:
    out = _case_meta(case.id, case.workspace_id, case.name, case.latest_version, case.created_at)
    if latest is not None:
        out["latest"] = _version_json(latest)
    if role is not None:
        out["role"] = role
    return out


def _case_for(db: Session, user: User, case_id: Id, need: str) -> tuple[Case, str]:
    """The case and the caller's role, after the role check (404 for strangers and for no case)."""
    found = store.case_and_role(db, case_id, user.id)
    if found is None:
        raise HTTPException(404, "not found")
    return found[0], auth.check_role(found[1], need)


async def _signed_in(request: Request, work: Callable[[Session, User], T], *, csrf: bool = False) -> T:
    """``work(db, user)`` in one worker thread, after the sign-in check (401) and, for a request
    that changes state, the CSRF check (403). The busiest routes use it instead of ``Depends``:
    FastAPI runs each sync dependency in a thread hop of its own (the session's start and end,
    the user, the route: four), and on a loaded server the hops cost as much CPU as the work."""

    def run() -> T:
        with request.app.state.store.session() as db:
            user = auth.require_user(request, db)
            if csrf:
                auth.check_csrf(request, request.headers.get(auth.CSRF_HEADER))
            return work(db, user)

    return await run_in_threadpool(run)


def _scenario_of(body: ScenarioIn) -> Scenario:
    if (body.scenario is None) == (body.text is None):
        raise InputError(
            "give the scenario either as 'scenario' (data) or as 'text' (YAML or JSON), not both"
        )
    if body.scenario is not None:
        return scenarios.from_data(body.scenario)
    return scenarios.from_upload(f"scenario.{body.format}", (body.text or "").encode("utf-8"), body.format)


async def _read_upload(file: UploadFile) -> tuple[str, bytes]:
    name = (file.filename or "upload")[-MAX_UPLOAD_NAME:]
    return name, await file.read()


# ----------------------------------------------------------------------------------------------
# service
# ----------------------------------------------------------------------------------------------


@router.get("/health", tags=["service"])
def health(db: Session = Depends(get_db)) -> dict[str, Any]:
    """Whether the server and its database answer."""
    from sqlalchemy import text

    from accord import __version__

    db.execute(text("SELECT 1"))
    return {"status": "ok", "accord_version": __version__, "database": db.get_bind().dialect.name}


@router.post("/validate", tags=["scenarios"])
def validate(body: ScenarioIn, _user: User = Depends(auth.require_user)) -> dict[str, Any]:
    """Check a scenario without saving it: every field error, in the CLI's words (no CSRF needed:
    nothing changes)."""
    try:
        _scenario_of(body)
    except scenarios.ScenarioInvalid as exc:
        return {"valid": False, "errors": exc.errors}
    except InputError as exc:
        return {"valid": False, "errors": [{"field": "", "message": str(exc)}]}
    return {"valid": True, "errors": []}


# ----------------------------------------------------------------------------------------------
# accounts
# ----------------------------------------------------------------------------------------------


@router.post("/session", tags=["accounts"])
def sign_in(
    body: Credentials, request: Request, response: Response, db: Session = Depends(get_db)
) -> dict[str, Any]:
    """Sign in: sets the session cookie; returns the user and the CSRF token for later requests."""
    user = auth.login(request, response, db, body.username, body.password)
    return {"user": _user_json(user), "csrf_token": auth.csrf_token(request)}


@router.delete("/session", status_code=204, tags=["accounts"])
def sign_out(
    request: Request,
    response: Response,
    db: Session = Depends(get_db),
    _user: User = Depends(auth.csrf_protect),
) -> Response:
    """Sign out: ends the session."""
    auth.logout(request, response, db)
    response.status_code = 204
    return response


@router.get("/me", tags=["accounts"])
def me(request: Request, user: User = Depends(auth.require_user)) -> dict[str, Any]:
    """The signed-in user and the session's CSRF token."""
    return {"user": _user_json(user), "csrf_token": auth.csrf_token(request)}


@router.post("/users", status_code=201, tags=["accounts"])
def create_user(
    body: NewUser, db: Session = Depends(get_db), user: User = Depends(auth.csrf_protect)
) -> dict[str, Any]:
    """Create an account (administrators only)."""
    if not user.is_admin:
        raise HTTPException(403, "only an administrator creates accounts")
    new = store.create_user(
        db, body.username, body.password, display_name=body.display_name, admin=body.admin
    )
    return _user_json(new)


@router.get("/tokens", tags=["accounts"])
def list_tokens(
    db: Session = Depends(get_db), user: User = Depends(auth.require_user)
) -> list[dict[str, Any]]:
    """The caller's API tokens (names and dates; the secrets are not kept)."""
    rows = db.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    return [{"id": t.id, "name": t.name, "created_at": iso(t.created_at)} for t in rows]


@router.post("/tokens", status_code=201, tags=["accounts"])
def create_token(
    body: NewToken, db: Session = Depends(get_db), user: User = Depends(auth.csrf_protect)
) -> dict[str, Any]:
    """A new API token for scripts (``Authorization: Bearer <token>``); the secret is shown once."""
    row, secret = auth.create_api_token(db, user, body.name)
    return {"id": row.id, "name": row.name, "token": secret}


@router.delete("/tokens/{token_id}", status_code=204, tags=["accounts"])
def delete_token(
    token_id: Id, db: Session = Depends(get_db), user: User = Depends(auth.csrf_protect)
) -> Response:
    """Revoke one of the caller's API tokens."""
    from accord.server.db import write

    write(db)
    row = db.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        db.rollback()
        raise HTTPException(404, "not found")
    db.delete(row)
    store.audit(db, user, "token.delete", target=row.name)
    db.commit()
    return Response(status_code=204)


# ----------------------------------------------------------------------------------------------
# workspaces
# ----------------------------------------------------------------------------------------------


@router.get("/workspaces", tags=["workspaces"])
def list_workspaces(
    db: Session = Depends(get_db), user: User = Depends(auth.require_user)
) -> list[dict[str, Any]]:
    """The caller's workspaces with their role in each."""
    return [
        {"id": r.workspace.id, "name": r.workspace.name, "role": r.role}
        for r in store.list_workspaces(db, user)
    ]


@router.post("/workspaces", status_code=201, tags=["workspaces"])
def create_workspace(
    body: NewWorkspace, db: Session = Depends(get_db), user: User = Depends(auth.csrf_protect)
) -> dict[str, Any]:
    """A new workspace; the caller is its owner."""
    ws = store.create_workspace(db, body.name, user)
    return {"id": ws.id, "name": ws.name, "role": "owner"}


@router.get("/workspaces/{workspace_id}", tags=["workspaces"])
def get_workspace(
    workspace_id: Id, db: Session = Depends(get_db), user: User = Depends(auth.require_user)
) -> dict[str, Any]:
    """A workspace and the caller's role in it."""
    role = auth.require_role(db, user, workspace_id, "viewer")
    ws = store.get_workspace(db, workspace_id)
    return {"id": ws.id, "name": ws.name, "role": role}


@router.get("/workspaces/{workspace_id}/members", tags=["workspaces"])
def list_members(
    workspace_id: Id, db: Session = Depends(get_db), user: User = Depends(auth.require_user)
) -> list[dict[str, Any]]:
    """The workspace's members and their roles."""
    auth.require_role(db, user, workspace_id, "viewer")
    return [
        {"username": m.user.username, "display_name": m.user.display_name, "role": m.role}
        for m in store.list_members(db, workspace_id)
    ]


@router.put("/workspaces/{workspace_id}/members/{username}", tags=["workspaces"])
def set_member(
    workspace_id: Id,
    username: Username,
    body: MemberRole,
    db: Session = Depends(get_db),
    user: User = Depends(auth.csrf_protect),
) -> dict[str, Any]:
    """Give a user a role in the workspace (owners only)."""
    auth.require_role(db, user, workspace_id, "owner")
    member = store.get_user(db, username)
    store.set_member(db, workspace_id, member, body.role, by=user)
    return {"username": member.username, "role": body.role}


@router.delete("/workspaces/{workspace_id}/members/{username}", status_code=204, tags=["workspaces"])
def remove_member(
    workspace_id: Id,
    username: Username,
    db: Session = Depends(get_db),
    user: User = Depends(auth.csrf_protect),
) -> Response:
    """Remove a user from the workspace (owners only; the last owner stays)."""
    auth.require_role(db, user, workspace_id, "owner")
    store.set_member(db, workspace_id, store.get_user(db, username), None, by=user)
    return Response(status_code=204)


@router.get("/workspaces/{workspace_id}/audit", tags=["workspaces"])
def audit_log(
    workspace_id: Id,
    limit: int = Query(200, ge=1, le=1000),
    db: Session = Depends(get_db),
    user: User = Depends(auth.require_user),
) -> list[dict[str, Any]]:
    """The workspace's audit log, newest first (owners only)."""
    auth.require_role(db, user, workspace_id, "owner")
    names = {m.user_id: m.user.username for m in store.list_members(db, workspace_id)}
    out = []
    for e in store.list_audit(db, workspace_id, limit):
        who = names.get(e.user_id) if e.user_id is not None else None
        if who is None and e.user_id is not None:
            u = db.get(User, e.user_id)
            who = u.username if u else None
        out.append({"at": iso(e.at), "user": who, "action": e.action, "target": e.target, "detail": e.detail})
    return out


@router.get("/workspaces/{workspace_id}/cases", tags=["cases"])
def list_cases(
    workspace_id: Id, db: Session = Depends(get_db), user: User = Depends(auth.require_user)
) -> list[dict[str, Any]]:
    """The workspace's cases, latest saved first, with the latest version and finished run."""
    auth.require_role(db, user, workspace_id, "viewer")
    out = []
    for row in store.list_cases(db, workspace_id):
        item = _case_json(row.case, row.latest)
        item["latest_run"] = (
            None
            if row.run is None
            else {
                "id": row.run.id,
                "version": row.run.version_number,
                "verdict": row.verdict,
                "p_zone": row.p_zone,
            }
        )
        out.append(item)
    return out


@router.post("/workspaces/{workspace_id}/cases", status_code=201, tags=["cases"])
def create_case(
    workspace_id: Id, body: NewCase, db: Session = Depends(get_db), user: User = Depends(auth.csrf_protect)
) -> dict[str, Any]:
    """A new case from a scenario (its version 1)."""
    role = auth.require_role(db, user, workspace_id, "editor")
    case = store.create_case(db, workspace_id, body.name, _scenario_of(body), user, body.message, body.as_of)
    return _case_json(case, store.get_version(db, case.id, 1), role)


@router.post("/workspaces/{workspace_id}/cases/upload", status_code=201, tags=["cases"])
async def upload_case(
    workspace_id: Id,
    file: UploadFile = File(..., description="a scenario file in any format accord reads"),
    name: str | None = Form(None, max_length=200),
    message: str = Form("", max_length=2000),
    input_format: str | None = Form(None, alias="format", max_length=20),
    db: Session = Depends(get_db),
    user: User = Depends(auth.csrf_protect),
) -> dict[str, Any]:
    """A new case from an uploaded scenario file (YAML, JSON, CSV, XLSX, KTAB, BDM, Decide, DEU)."""
    role = auth.require_role(db, user, workspace_id, "editor")
    filename, content = await _read_upload(file)

    def work() -> dict[str, Any]:
        scenario = scenarios.from_upload(filename, content, input_format)
        case = store.create_case(
            db, workspace_id, name or scenario.name, scenario, user, message or f"uploaded {filename}"
        )
        return _case_json(case, store.get_version(db, case.id, 1), role)

    return await run_in_threadpool(work)


# ----------------------------------------------------------------------------------------------
# cases and versions
# ----------------------------------------------------------------------------------------------


# the busiest routes (a case, its versions, a save, a run) run in one thread hop (_signed_in);
# the reads answer with a JSONResponse as it is (their data is plain) and keep their schema in
# the OpenAPI document through response_model
@router.get("/cases/{case_id}", response_model=dict[str, Any], tags=["cases"])
async def get_case(case_id: Id, request: Request) -> JSONResponse:
    """A case, its latest version and the caller's role."""

    def work(db: Session, user: User) -> JSONResponse:
        row = store.read_case(db, case_id, user.id)
        if row is None:
            raise HTTPException(404, "not found")
        role = auth.check_role(row.role, "viewer")
        if row.number is None:
            raise store.NotFound(f"case {case_id} has no version {row.latest_version}")
        out = _case_meta(row.id, row.workspace_id, row.name, row.latest_version, row.created_at)
        out["latest"] = _version_meta(row.number, row.author, row.version_created_at, row.as_of, row.message)
        out["role"] = role
        return JSONResponse(out)

    return await _signed_in(request, work)


@router.patch("/cases/{case_id}", tags=["cases"])
def rename_case(
    case_id: Id, body: CasePatch, db: Session = Depends(get_db), user: User = Depends(auth.csrf_protect)
) -> dict[str, Any]:
    """Rename a case (owners only)."""
    _, role = _case_for(db, user, case_id, "owner")
    return _case_json(store.rename_case(db, case_id, body.name, user), role=role)


@router.delete("/cases/{case_id}", status_code=204, tags=["cases"])
def delete_case(
    case_id: Id, db: Session = Depends(get_db), user: User = Depends(auth.csrf_protect)
) -> Response:
    """Delete a case with its versions and runs (owners only; the audit log keeps the deletion)."""
    _case_for(db, user, case_id, "owner")
    store.delete_case(db, case_id, user)
    return Response(status_code=204)


@router.get("/cases/{case_id}/versions", response_model=list[dict[str, Any]], tags=["versions"])
async def list_versions(case_id: Id, request: Request) -> JSONResponse:
    """The case's versions, oldest first (without their scenarios)."""

    def work(db: Session, user: User) -> JSONResponse:
        _case_for(db, user, case_id, "viewer")
        return JSONResponse(
            [
                _version_meta(v.number, v.author, v.created_at, v.as_of, v.message)
                for v in store.read_versions(db, case_id)
            ]
        )

    return await _signed_in(request, work)


@router.post("/cases/{case_id}/versions", status_code=201, tags=["versions"])
async def save_version(case_id: Id, body: NewVersion, request: Request) -> dict[str, Any]:
    """Save a new version. ``base_version`` is the version the edit started from: when someone saved
    since, the answer is 409 with the changes since then, and nothing is written."""

    def work(db: Session, user: User) -> dict[str, Any]:
        # held, so that the store finds the case in the session (its identity map is weak)
        case, _ = _case_for(db, user, case_id, "editor")
        scenario = _scenario_of(body)
        v = store.save_version(
            db,
            case_id,
            scenario,
            user,
            base_version=body.base_version,
            message=body.message,
            as_of=body.as_of,
        )
        return _version_meta(v.number, user.username, v.created_at, v.as_of, v.message)

    return await _signed_in(request, work, csrf=True)


@router.post("/cases/{case_id}/versions/upload", status_code=201, tags=["versions"])
async def upload_version(
    case_id: Id,
    file: UploadFile = File(...),
    base_version: int = Form(..., ge=1, le=MAX_INT),
    message: str = Form("", max_length=2000),
    input_format: str | None = Form(None, alias="format", max_length=20),
    db: Session = Depends(get_db),
    user: User = Depends(auth.csrf_protect),
) -> dict[str, Any]:
    """Save a new version from an uploaded scenario file (any format accord reads)."""
    _case_for(db, user, case_id, "editor")
    filename, content = await _read_upload(file)

    def work() -> dict[str, Any]:
        scenario = scenarios.from_upload(filename, content, input_format)
        v = store.save_version(
            db, case_id, scenario, user, base_version=base_version, message=message or f"uploaded {filename}"
        )
        return _version_json(v)

    return await run_in_threadpool(work)


@router.get("/cases/{case_id}/versions/{number}", tags=["versions"])
def get_version(
    case_id: Id, number: Id, db: Session = Depends(get_db), user: User = Depends(auth.require_user)
) -> dict[str, Any]:
    """One version with its scenario (accord's native structure)."""
    _case_for(db, user, case_id, "viewer")
    return _version_json(store.get_version(db, case_id, number), data=True)


@router.get("/cases/{case_id}/versions/{number}/download", tags=["versions"])
def download_version(
    case_id: Id,
    number: Id,
    fmt: Literal["yaml", "json", "csv"] = Query("yaml", alias="format"),
    db: Session = Depends(get_db),
    user: User = Depends(auth.require_user),
) -> Response:
    """The version's scenario as a file: YAML, JSON or CSV (the flat table)."""
    case, _ = _case_for(db, user, case_id, "viewer")
    scenario = store.version_scenario(store.get_version(db, case_id, number))
    content, suffix, media = scenarios.render(scenario, fmt)
    filename = f"case{case.id}-v{number}{suffix}"
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/cases/{case_id}/diff", tags=["versions"])
def diff(
    case_id: Id,
    a: int = Query(..., alias="from", ge=1, le=MAX_INT),
    b: int = Query(..., alias="to", ge=1, le=MAX_INT),
    db: Session = Depends(get_db),
    user: User = Depends(auth.require_user),
) -> dict[str, Any]:
    """The fields that changed from version ``from`` to version ``to``."""
    _case_for(db, user, case_id, "viewer")
    return {"from": a, "to": b, "changes": store.diff_versions(db, case_id, a, b)}


@router.post("/cases/{case_id}/whatif", tags=["runs"])
def what_if(
    case_id: Id,
    body: ScenarioIn,
    seed: int = Query(0, ge=0, le=MAX_INT),
    db: Session = Depends(get_db),
    user: User = Depends(auth.csrf_protect),
) -> dict[str, Any]:
    """The analysis of an edited scenario without Monte Carlo, answered in the request; nothing is
    saved."""
    _case_for(db, user, case_id, "viewer")
    return analyze_now(_scenario_of(body), seed=seed)


# ----------------------------------------------------------------------------------------------
# runs
# ----------------------------------------------------------------------------------------------


@router.post("/cases/{case_id}/runs", status_code=202, tags=["runs"])
async def start_run(case_id: Id, body: NewRun, request: Request) -> dict[str, Any]:
    """Queue the case analysis of a version; poll ``/api/runs/{id}`` or stream its events."""

    def work(db: Session, user: User) -> dict[str, Any]:
        _case_for(db, user, case_id, "editor")
        run = submit_run(
            request.app, db, case_id, body.version, user, seed=body.seed, draws=body.draws, report=body.report
        )
        return run_json(run)

    return await _signed_in(request, work, csrf=True)


@router.get("/cases/{case_id}/runs", tags=["runs"])
def list_runs(
    case_id: Id, db: Session = Depends(get_db), user: User = Depends(auth.require_user)
) -> list[dict[str, Any]]:
    """The case's runs, newest first (without their results)."""
    _case_for(db, user, case_id, "viewer")
    return [run_json(r, result=False) for r in store.list_runs(db, case_id)]


def _run_for(db: Session, user: User, run_id: Id) -> Any:
    run = db.get(store.Run, run_id)
    if run is None:
        raise HTTPException(404, "not found")
    _case_for(db, user, run.case_id, "viewer")
    return run


@router.get("/runs/{run_id}", tags=["runs"])
def get_run(
    run_id: Id, db: Session = Depends(get_db), user: User = Depends(auth.require_user)
) -> dict[str, Any]:
    """A run: status, progress, and when done the case analysis as JSON."""
    return run_json(_run_for(db, user, run_id))


@router.get("/runs/{run_id}/report", response_class=HTMLResponse, tags=["runs"])
def get_report(
    run_id: Id, db: Session = Depends(get_db), user: User = Depends(auth.require_user)
) -> HTMLResponse:
    """The HTML report the run stored (runs started with ``report: true``)."""
    _run_for(db, user, run_id)
    html = store.get_report(db, run_id)
    if html is None:
        raise HTTPException(404, "this run stored no report (start a run with report: true)")
    return HTMLResponse(
        html,
        headers={"Content-Security-Policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'"},
    )


@router.get("/runs/{run_id}/events", tags=["runs"])
async def run_events(
    run_id: Id, request: Request, db: Session = Depends(get_db), user: User = Depends(auth.require_user)
) -> StreamingResponse:
    """Server-sent events: the run's status and progress as they change, until it ends."""
    await run_in_threadpool(_run_for, db, user, run_id)
    db.close()
    app_store = request.app.state.store

    def snapshot() -> dict[str, Any]:
        with app_store.session() as s:
            return run_json(store.get_run(s, run_id), result=False)

    async def stream() -> AsyncIterator[bytes]:
        last: Any = None
        for _ in range(7200):  # at most an hour of half-second polls
            state = await run_in_threadpool(snapshot)
            key = (state["status"], state["progress"], state["stage"])
            if key != last:
                last = key
                yield f"event: progress\ndata: {json.dumps(state)}\n\n".encode()
            if state["status"] in ("done", "failed") or await request.is_disconnected():
                return
            await asyncio.sleep(0.5)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
