"""The browser pages: sign in, workspaces, cases, the scenario editor, runs, the timeline and diffs.

Server-rendered Jinja2 pages (templates in :mod:`accord.web`) over the server's store, auth and
jobs (docs/server.md); a small script (``accord/web/static/app.js``) adds live validation, the
what-if preview and a progress bar, and every page works without it. Every route checks the
user's role in the case's workspace (a stranger gets 404, a viewer who posts an edit 403) and
every POST its CSRF token. Every scenario text is escaped by the templates.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from accord.errors import InputError
from accord.web import STATIC, STATIC_TYPES, charts, forms, render, view

router = APIRouter(include_in_schema=False)

Handler = Callable[..., Awaitable[Response]]
# versions without a finished run whose verdict the timeline computes on the fly (the newest ones)
QUICK_VERSIONS = 40
# Monte Carlo draws a run may ask for (0: the analysis alone, without probabilities)
RUN_DRAWS = {0: "none (no probabilities)", 100: "100 (rough)", 1000: "1000", 5000: "5000"}


# --- plumbing ------------------------------------------------------------------------------------


class _Redirect(Exception):
    def __init__(self, url: str) -> None:
        self.url = url


def page(fn: Handler) -> Handler:
    """Turn HTTP errors raised while building a page into an HTML error page with the same status."""

    @wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Response:
        from accord.server.store import NotFound

        request: Request = kwargs["request"]
        try:
            try:
                return await fn(*args, **kwargs)
            except NotFound:
                raise HTTPException(404, "not found") from None
        except _Redirect as r:
            return RedirectResponse(r.url, status_code=303)
        except HTTPException as exc:
            heading = {403: "Not allowed", 404: "Not found", 409: "Conflict", 413: "Too large"}.get(
                exc.status_code, "Something went wrong"
            )
            message = exc.detail if isinstance(exc.detail, str) else heading
            if exc.status_code == 404:
                message = "There is no such page, or you do not have access to it."
            html = render(
                "error.html", title=heading, heading=heading, message=message, user=_user_view(request)
            )
            return HTMLResponse(html, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    return wrapper


def _user_view(request: Request) -> dict[str, str] | None:
    """The signed-in user as the header shows it (plain data: it outlives the database session)."""
    user = getattr(request.state, "page_user", None)
    return dict(user) if user is not None else None


async def _db(request: Request, fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn(db, *args)`` in a worker thread with one database session (sync SQLAlchemy)."""

    def work() -> Any:
        with request.app.state.store.session() as db:
            return fn(db, *args)

    return await run_in_threadpool(work)


def _signed_in(request: Request, db: Any) -> Any:
    """The signed-in user, or a redirect to the sign-in page."""
    from accord.server import auth

    user = auth.current_user(request, db)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise _Redirect("/login?next=" + quote(target))
    request.state.page_user = {"name": user.display_name or user.username}
    return user


def _csrf(request: Request) -> str:
    from accord.server import auth

    try:
        return str(auth.csrf_token(request))
    except Exception:  # no session yet (the sign-in page)
        return ""


async def _form(request: Request) -> dict[str, str]:
    """The POSTed form as plain strings, after checking its CSRF token (403 otherwise)."""
    from accord.server import auth

    form = await request.form()
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    auth.check_csrf(request, data.get("csrf_token") or request.headers.get("x-csrf-token"))
    return data


def _ctx(request: Request, title: str, **extra: Any) -> dict[str, Any]:
    return {"title": title, "user": _user_view(request), "csrf": _csrf(request), **extra}


def _html(template: str, ctx: dict[str, Any], status: int = 200) -> HTMLResponse:
    return HTMLResponse(render(template, **ctx), status_code=status)


def _case_for(db: Any, user: Any, case_id: int, need: str = "viewer") -> tuple[Any, str]:
    """The case and the user's role in its workspace; 404 for a stranger, 403 below ``need``."""
    from accord.server import auth, store

    case = store.get_case(db, case_id)
    role = auth.require_role(db, user, case.workspace_id, need)
    return case, role


def _can_edit(role: str | None) -> bool:
    return role in ("editor", "owner")


def _date(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return str(value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "hour") else value.isoformat())
    return str(value)


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after signing in."""
    if not target:
        return "/workspaces"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/workspaces"
    return target


# --- static assets --------------------------------------------------------------------------------


@router.get("/static/{name}")
async def static(name: str) -> Response:
    """The stylesheet and the script (only the files named in ``STATIC_TYPES`` by suffix)."""
    path = STATIC / name
    media = STATIC_TYPES.get(Path(name).suffix)
    if media is None or "/" in name or "\\" in name or name.startswith(".") or not path.is_file():
        return Response("not found", status_code=404, media_type="text/plain")
    return Response(path.read_bytes(), media_type=media, headers={"Cache-Control": "public, max-age=86400"})


# --- sign in / out -------------------------------------------------------------------------------


@router.get("/")
@page
async def home(request: Request) -> Response:
    from accord.server import auth

    user = await _db(request, auth.current_user, request)
    return RedirectResponse("/workspaces" if user else "/login", status_code=303)


@router.get("/login")
@page
async def login_page(request: Request, next: str = "") -> Response:
    return _html("login.html", _ctx(request, "Sign in", next=_safe_next(next), username=""))


@router.post("/login")
@page
async def login_submit(request: Request) -> Response:
    from accord.server import auth

    form = await request.form()
    username = str(form.get("username") or "")
    password = str(form.get("password") or "")
    target = _safe_next(str(form.get("next") or ""))
    response = RedirectResponse(target, status_code=303)
    try:
        await _db(request, lambda db: auth.login(request, response, db, username, password))
    except HTTPException as exc:
        text = (
            "Too many attempts; wait a few minutes and try again."
            if exc.status_code == 429
            else "The user name or the password is wrong."
        )
        ctx = _ctx(request, "Sign in", next=target, username=username, flashes=[("error", text)])
        return _html("login.html", ctx, status=exc.status_code)
    return response


@router.post("/logout")
@page
async def logout(request: Request) -> Response:
    from accord.server import auth

    await _form(request)
    response = RedirectResponse("/login", status_code=303)
    await _db(request, lambda db: auth.logout(request, response, db))
    return response


# --- workspaces and cases ------------------------------------------------------------------------


@router.get("/workspaces")
@page
async def workspaces(request: Request) -> Response:
    from accord.server import store

    def load(db: Any) -> list[dict[str, Any]]:
        user = _signed_in(request, db)
        rows = []
        for row in store.list_workspaces(db, user):
            ws, role = _unpack_ws(row)
            rows.append(
                {"id": ws.id, "name": ws.name, "role": role, "cases": len(store.list_cases(db, ws.id))}
            )
        return rows

    rows = await _db(request, load)
    flashes = [("error", request.query_params["error"])] if "error" in request.query_params else []
    return _html("workspaces.html", _ctx(request, "Workspaces", workspaces=rows, flashes=flashes))


@router.post("/workspaces")
@page
async def create_workspace(request: Request) -> Response:
    """A new workspace; the signed-in user is its owner."""
    from accord.server import store

    form = await _form(request)

    def work(db: Any) -> int:
        user = _signed_in(request, db)
        return int(store.create_workspace(db, form.get("name", ""), user).id)

    try:
        ws_id = await _db(request, work)
    except InputError as exc:
        raise _Redirect("/workspaces?error=" + quote(f"Not created: {exc}")) from None
    return RedirectResponse(f"/w/{ws_id}", status_code=303)


@router.post("/w/{workspace_id}/members")
@page
async def set_member(request: Request, workspace_id: int) -> Response:
    """Give a user a role in the workspace, or remove them (owners only)."""
    from accord.server import auth, store

    form = await _form(request)
    role = form.get("role", "")

    def work(db: Any) -> str:
        user = _signed_in(request, db)
        auth.require_role(db, user, workspace_id, "owner")
        try:
            member = store.get_user(db, form.get("username", "").strip())
        except store.NotFound:
            raise InputError(f"there is no user {form.get('username', '').strip()!r}") from None
        store.set_member(db, workspace_id, member, role if role != "none" else None, by=user)
        return str(member.username)

    try:
        name = await _db(request, work)
    except InputError as exc:
        raise _Redirect(f"/w/{workspace_id}?error=" + quote(f"Not changed: {exc}")) from None
    done = "removed" if role == "none" else f"is now {role}"
    return RedirectResponse(f"/w/{workspace_id}?done=" + quote(f"{name} {done}."), status_code=303)


def _unpack_ws(row: Any) -> tuple[Any, str]:
    ws = getattr(row, "workspace", None)
    role = getattr(row, "role", None)
    if ws is None:
        ws, role = row[0], row[1]
    return ws, str(role)


def _case_row(db: Any, row: Any) -> dict[str, Any]:
    """One line of a workspace's case list: name, latest verdict, P(zone), dates."""
    case = getattr(row, "case", row)
    version = getattr(row, "version", None) or getattr(row, "latest", None)
    run = getattr(row, "run", None)
    result = (
        getattr(run, "result", None) if run is not None and getattr(run, "status", "") == "done" else None
    )
    return {
        "id": case.id,
        "name": case.name,
        "versions": case.latest_version,
        "as_of": _date(getattr(version, "as_of", None)),
        "saved": _date(getattr(version, "created_at", None)),
        "head": view.summary(result),
    }


@router.get("/w/{workspace_id}")
@page
async def workspace(request: Request, workspace_id: int) -> Response:
    from accord.server import auth, store
    from accord.server.models import Workspace

    def load(db: Any) -> dict[str, Any]:
        user = _signed_in(request, db)
        role = auth.require_role(db, user, workspace_id, "viewer")
        ws = db.get(Workspace, workspace_id)
        cases = [_case_row(db, row) for row in store.list_cases(db, workspace_id)]
        cases.sort(key=lambda c: c["saved"], reverse=True)
        members = [
            {"name": m.user.display_name or m.user.username, "username": m.user.username, "role": m.role}
            for m in store.list_members(db, workspace_id)
        ]
        return {
            "ws": {"id": ws.id, "name": ws.name},
            "role": role,
            "cases": cases,
            "can_edit": _can_edit(role),
            "members": members,
        }

    data = await _db(request, load)
    crumbs = [("Workspaces", "/workspaces"), (data["ws"]["name"], None)]
    flashes = [("error", request.query_params["error"])] if "error" in request.query_params else []
    if "done" in request.query_params:
        flashes.append(("ok", request.query_params["done"]))
    return _html("workspace.html", _ctx(request, data["ws"]["name"], crumbs=crumbs, flashes=flashes, **data))


def _read_upload(filename: str, content: bytes) -> Any:
    """A Scenario from an uploaded file, in any format accord reads (detected from content and suffix)."""
    from accord.scenario.io import load

    suffix = "".join(c for c in Path(filename or "upload").suffix.lower() if c.isalnum() or c == ".")[:8]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(content)
        try:
            return load(path)
        except InputError as exc:
            # name the user's file, not the temporary one
            raise InputError(str(exc).replace(str(path), filename or "the file")) from None


@router.post("/w/{workspace_id}/cases")
@page
async def create_case(request: Request, workspace_id: int) -> Response:
    from accord.server import auth, store

    form = await request.form()
    auth.check_csrf(request, str(form.get("csrf_token") or ""))
    upload = form.get("file")
    message = str(form.get("message") or "first version")
    if upload is None or isinstance(upload, str):
        raise _Redirect(f"/w/{workspace_id}?error=" + quote("Choose a scenario file to upload."))
    content = await upload.read()
    filename = Path(upload.filename or "scenario").name

    def work(db: Any) -> int:
        user = _signed_in(request, db)
        auth.require_role(db, user, workspace_id, "editor")
        scenario = _read_upload(filename, content)
        case = store.create_case(
            db, workspace_id, scenario.name, scenario, user, message=message, as_of=scenario.as_of
        )
        return int(case.id)

    try:
        case_id = await _db(request, work)
    except InputError as exc:
        raise _Redirect(f"/w/{workspace_id}?error=" + quote(f"Not created: {exc}")) from None
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


def _run_of(runs: list[Any], number: int) -> Any:
    """The newest run of a version, preferring a finished one."""
    mine = [r for r in runs if r.version_number == number]
    done = [r for r in mine if r.status == "done"]
    pick = done or mine
    return max(pick, key=lambda r: r.id) if pick else None


@router.get("/cases/{case_id}")
@page
async def case_page(request: Request, case_id: int, version: int | None = None) -> Response:
    from accord.server import store

    def load(db: Any) -> dict[str, Any]:
        user = _signed_in(request, db)
        case, role = _case_for(db, user, case_id)
        number = version or case.latest_version
        v = store.get_version(db, case_id, number)
        runs = store.list_runs(db, case_id)
        versions = []
        for row in sorted(store.list_versions(db, case_id), key=lambda x: x.number, reverse=True):
            r = _run_of(runs, row.number)
            versions.append(
                {
                    "number": row.number,
                    "as_of": _date(row.as_of),
                    "created": _date(row.created_at),
                    "author": _author(row),
                    "message": row.message,
                    "run_id": r.id if r is not None and r.status == "done" else None,
                    "head": view.summary(r.result if r is not None and r.status == "done" else None),
                }
            )
        run = _run_of(runs, number)
        return {
            "case": {"id": case.id, "name": case.name, "workspace_id": case.workspace_id},
            "ws_name": _ws_name(db, case.workspace_id),
            "role": role,
            "can_edit": _can_edit(role),
            "scenario": v.data,
            "version": {
                "number": v.number,
                "as_of": _date(v.as_of),
                "created": _date(v.created_at),
                "author": _author(v),
                "message": v.message,
            },
            "latest": case.latest_version,
            "versions": versions,
            "run": None if run is None else {"id": run.id, "status": run.status},
            "head": view.summary(run.result if run is not None and run.status == "done" else None),
        }

    data = await _db(request, load)
    flashes = []
    if "saved" in request.query_params:
        flashes.append(("ok", f"Saved version {request.query_params['saved']}."))
    return _html(
        "case.html",
        _ctx(
            request, data["case"]["name"], crumbs=_crumbs(data), flashes=flashes, run_draws=RUN_DRAWS, **data
        ),
    )


def _crumbs(data: Mapping[str, Any], *more: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    case = data["case"]
    out: list[tuple[str, str | None]] = [
        ("Workspaces", "/workspaces"),
        (data.get("ws_name") or "Workspace", f"/w/{case['workspace_id']}"),
        (case["name"], f"/cases/{case['id']}" if more else None),
    ]
    return out + list(more)


def _ws_name(db: Any, workspace_id: int) -> str:
    from accord.server.models import Workspace

    ws = db.get(Workspace, workspace_id)
    return str(ws.name) if ws is not None else ""


def _author(row: Any) -> str:
    a = getattr(row, "author", None)
    return "" if a is None else str(a.display_name or a.username)


@router.get("/cases/{case_id}/scenario.yaml")
@page
async def download_scenario(request: Request, case_id: int, version: int | None = None) -> Response:
    import yaml

    from accord.server import store

    def load(db: Any) -> tuple[str, dict[str, Any]]:
        user = _signed_in(request, db)
        case, _ = _case_for(db, user, case_id)
        v = store.get_version(db, case_id, version or case.latest_version)
        return f"case{case_id}-v{v.number}.yaml", dict(v.data)

    name, data = await _db(request, load)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return Response(
        text,
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- the editor and the what-if preview ----------------------------------------------------------


def _latest(db: Any, request: Request, case_id: int, need: str) -> tuple[Any, Any, Any, str]:
    from accord.server import store

    user = _signed_in(request, db)
    case, role = _case_for(db, user, case_id, need)
    return user, case, store.get_version(db, case_id, case.latest_version), role


def _preview_html(preview: dict[str, Any] | None) -> str:
    return render("_preview.html", preview=preview)


def _editor_ctx(
    request: Request,
    case: Any,
    ws_name: str,
    scenario: dict[str, Any],
    expected: int,
    errors: list[forms.FieldError],
    preview: dict[str, Any] | None,
    message: str,
) -> dict[str, Any]:
    data = {"case": {"id": case.id, "name": case.name, "workspace_id": case.workspace_id}, "ws_name": ws_name}
    return _ctx(
        request,
        f"Edit {case.name}",
        crumbs=_crumbs(data, ("Edit", None)),
        case=data["case"],
        scenario=scenario,
        expected_version=expected,
        errors=[e.to_dict() for e in errors],
        general_errors=[e.to_dict() for e in errors if e.field is None],
        preview=preview,
        message=message,
        roles=forms.ROLES,
        deal_flags=forms.DEAL_FLAGS,
        deal_choices=forms.DEAL_CHOICES,
        draft=json.dumps(scenario, ensure_ascii=False, default=str),
    )


@router.get("/cases/{case_id}/edit")
@page
async def edit_page(request: Request, case_id: int) -> Response:
    user, case, v, _ = await _db(request, lambda db: _latest(db, request, case_id, "editor"))
    ws_name = await _db(request, _ws_name, case.workspace_id)
    scenario, errors = forms.check(v.data)
    preview = await run_in_threadpool(view.preview_json, scenario) if scenario is not None else None
    ctx = _editor_ctx(request, case, ws_name, dict(v.data), v.number, errors, preview, "")
    return _html("edit.html", ctx)


def _from_form(
    base: Mapping[str, Any], form: Mapping[str, str]
) -> tuple[Any, list[forms.FieldError], dict[str, Any]]:
    """The scenario a submitted editor form describes: the YAML view, or the grid written over the
    scenario the grid was drawn from (the form's ``draft``, which holds rows added or removed since the
    stored version; else ``base``), after the form's row action (add or remove a row)."""
    if "yaml" in form:
        scenario, errors, data = forms.check_yaml(form["yaml"])
        return scenario, errors, data or {}
    try:
        draft = json.loads(form["draft"]) if form.get("draft") else None
    except ValueError:
        draft = None
    data = forms.apply_form(draft if isinstance(draft, dict) else base, form)
    action = form.get("action", "")
    if action.startswith(("add_", "remove_")):
        data = forms.edit_rows(data, action)
    scenario, errors = forms.check(data)
    return scenario, errors, data


@router.post("/cases/{case_id}/preview")
@page
async def preview(request: Request, case_id: int) -> Response:
    """The what-if: validate the editor's values and, when valid, the verdict and maximin deal
    of the analysis without Monte Carlo (JSON: ``errors``, ``html`` of the panel, the numbers)."""
    form = await _form(request)
    _, _, v, _ = await _db(request, lambda db: _latest(db, request, case_id, "editor"))
    scenario, errors, _ = _from_form(v.data, form)
    body: dict[str, Any] = {"ok": False, "errors": [e.to_dict() for e in errors]}
    if scenario is not None:
        try:
            body = {**await run_in_threadpool(view.preview_json, scenario), "errors": []}
        except InputError as exc:  # e.g. an actor with no stance left on any issue
            body = {"ok": False, "errors": [{"field": None, "path": "", "message": str(exc)}]}
    body["html"] = _preview_html(body if body.get("ok") else None)
    return JSONResponse(body)


async def _save(request: Request, case_id: int, template: str) -> Response:
    from accord.server import store

    form = await _form(request)
    user, case, v, _ = await _db(request, lambda db: _latest(db, request, case_id, "editor"))
    ws_name = await _db(request, _ws_name, case.workspace_id)
    scenario, errors, data = _from_form(v.data, form)
    message = form.get("message", "").strip()
    try:
        expected = int(form.get("expected_version", ""))
    except ValueError:
        expected = v.number

    def again(errs: list[forms.FieldError], status: int, flashes: list[tuple[str, str]]) -> Response:
        if template == "yaml.html":
            ctx = _ctx(
                request,
                f"Edit {case.name} as YAML",
                case={"id": case.id},
                name=case.name,
                text=form.get("yaml", ""),
                expected_version=expected,
                message=message,
                errors=[e.to_dict() for e in errs],
                preview=None,
                flashes=flashes,
                crumbs=_crumbs(
                    {
                        "case": {"id": case.id, "name": case.name, "workspace_id": case.workspace_id},
                        "ws_name": ws_name,
                    },
                    ("YAML", None),
                ),
            )
        else:
            ctx = _editor_ctx(request, case, ws_name, data, expected, errs, None, message)
            ctx["flashes"] = flashes
        return _html(template, ctx, status=status)

    action = form.get("action", "save")
    if template == "edit.html" and action != "save":
        # a row added or removed, or Enter pressed in a field: the grid again, nothing saved
        preview = None
        if scenario is not None:
            try:
                preview = await run_in_threadpool(view.preview_json, scenario)
            except InputError as exc:
                errors = [forms.FieldError(None, "", str(exc))]
        ctx = _editor_ctx(request, case, ws_name, data, expected, errors, preview, message)
        return _html(template, ctx)
    if scenario is None:
        return again(errors, 422, [("error", "Not saved: fix the highlighted values.")])
    if not message:
        return again(
            [forms.FieldError("message", "message", "say in a few words what changed")],
            422,
            [("error", "Not saved: say what changed.")],
        )

    def work(db: Any) -> int:
        saved = store.save_version(
            db, case_id, scenario, user, base_version=expected, message=message, as_of=scenario.as_of
        )
        return int(saved.number)

    try:
        number = await _db(request, work)
    except store.VersionConflict as exc:
        listed = "; ".join(str(c.get("path")) for c in exc.changes[:8])
        text = (
            f"Not saved: someone saved version {exc.latest} while you were editing; "
            f"it changed {listed or 'nothing'}. Open the case again to edit the latest version."
        )
        return again([], 409, [("error", text)])
    return RedirectResponse(f"/cases/{case_id}?saved={number}", status_code=303)


@router.post("/cases/{case_id}/edit")
@page
async def edit_save(request: Request, case_id: int) -> Response:
    return await _save(request, case_id, "edit.html")


@router.get("/cases/{case_id}/yaml")
@page
async def yaml_page(request: Request, case_id: int) -> Response:
    import yaml

    user, case, v, _ = await _db(request, lambda db: _latest(db, request, case_id, "editor"))
    ws_name = await _db(request, _ws_name, case.workspace_id)
    scenario, _ = forms.check(v.data)
    preview = await run_in_threadpool(view.preview_json, scenario) if scenario is not None else None
    data = {"case": {"id": case.id, "name": case.name, "workspace_id": case.workspace_id}, "ws_name": ws_name}
    ctx = _ctx(
        request,
        f"Edit {case.name} as YAML",
        crumbs=_crumbs(data, ("YAML", None)),
        case=data["case"],
        name=case.name,
        text=yaml.safe_dump(dict(v.data), sort_keys=False, allow_unicode=True),
        expected_version=v.number,
        message="",
        preview=preview,
    )
    return _html("yaml.html", ctx)


@router.post("/cases/{case_id}/yaml")
@page
async def yaml_save(request: Request, case_id: int) -> Response:
    return await _save(request, case_id, "yaml.html")


# --- runs ----------------------------------------------------------------------------------------


@router.post("/cases/{case_id}/run")
@page
async def start_run(request: Request, case_id: int) -> Response:
    from accord.server import jobs

    form = await _form(request)
    try:
        draws = int(form.get("draws") or 1000)
        number = int(form.get("version") or 0)
    except ValueError:
        raise HTTPException(422, "draws and version must be whole numbers") from None
    if draws not in RUN_DRAWS:
        raise HTTPException(422, f"draws must be one of {', '.join(map(str, RUN_DRAWS))}")
    want_report = form.get("report") == "yes"

    # submitted from the event loop's thread, which lives as long as the server: the job pool's
    # workers die with the thread that started them (see accord.server.jobs), and a threadpool
    # thread may end when idle
    with request.app.state.store.session() as db:
        user, case, v, _ = _latest(db, request, case_id, "editor")
        run = jobs.submit_run(
            request.app, db, case_id, number or v.number, user, draws=draws, report=want_report
        )
        run_id = int(run.id)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


def _run_for(db: Any, request: Request, run_id: int) -> tuple[Any, Any, str]:
    from accord.server import store

    user = _signed_in(request, db)
    run = store.get_run(db, run_id)
    case, role = _case_for(db, user, run.case_id)
    return run, case, role


@router.get("/runs/{run_id}/status")
@page
async def run_status(request: Request, run_id: int) -> Response:
    """The run's state for the progress bar (JSON)."""
    run, _, _ = await _db(request, lambda db: _run_for(db, request, run_id))
    return JSONResponse(
        {
            "id": run.id,
            "status": run.status,
            "progress": float(run.progress or 0.0),
            "message": run.stage or run.status,
        }
    )


def _strips(
    scenario: Mapping[str, Any], result: Mapping[str, Any], head: Mapping[str, Any]
) -> list[dict[str, str]]:
    """One scale strip per issue: actors, status quo, proposals, the maximin deal, the zone's extent."""
    out = []
    extent = view.extent(result)
    for issue in scenario.get("issues") or []:
        iid = issue.get("id")
        scale = issue.get("scale") or {}
        lo, hi = float(scale.get("min", 0.0)), float(scale.get("max", 100.0))
        marks: list[tuple[str, float, str]] = []
        for a in scenario.get("actors") or []:
            st = (a.get("positions") or {}).get(iid)
            if st and isinstance(st.get("position"), int | float):
                marks.append((a.get("id"), float(st["position"]), "actor"))
        if isinstance(issue.get("status_quo"), int | float):
            marks.append(("status quo", float(issue["status_quo"]), "status_quo"))
        for p in scenario.get("proposals") or []:
            x = (p.get("point") or {}).get(iid)
            if isinstance(x, int | float):
                marks.append((p.get("id"), float(x), "proposal"))
        m = (head.get("maximin") or {}).get(iid)
        if isinstance(m, int | float):
            marks.append(("maximin deal", float(m), "maximin"))
        band = extent.get(iid)
        name = issue.get("name") or iid
        svg = charts.scale_strip(
            title=f"{name}: positions, proposals and the maximin deal on the issue's scale",
            lo=lo,
            hi=hi,
            min_label=str(scale.get("min_label", "min")),
            max_label=str(scale.get("max_label", "max")),
            marks=marks,
            band=band,
        )
        caption = f"{name}" + (f" ({scale.get('unit')})" if scale.get("unit") else "")
        out.append({"svg": svg, "caption": caption})
    return out


def _forecast_table(scenario: Mapping[str, Any], head: Mapping[str, Any]) -> dict[str, Any]:
    issues = [
        (i.get("id"), i.get("name") or i.get("id"), (i.get("scale") or {}).get("unit", ""))
        for i in scenario.get("issues") or []
    ]
    return {"issues": issues, "rows": list((head.get("forecasts") or {}).items())}


@router.get("/runs/{run_id}")
@page
async def run_page(request: Request, run_id: int) -> Response:
    from accord.server import store

    def load(db: Any) -> dict[str, Any]:
        run, case, role = _run_for(db, request, run_id)
        v = store.get_version(db, case.id, run.version_number)
        return {
            "run": {
                "id": run.id,
                "status": run.status,
                "progress": run.progress,
                "message": run.stage,
                "version": run.version_number,
                "seed": run.seed,
                "draws": run.draws,
                "accord_version": run.accord_version,
                "error": run.error,
                "elapsed_s": (run.timings or {}).get("analysis_s"),
            },
            "result": run.result if run.status == "done" else None,
            "scenario": dict(v.data),
            "case": {"id": case.id, "name": case.name, "workspace_id": case.workspace_id},
            "ws_name": _ws_name(db, case.workspace_id),
            "can_edit": _can_edit(role),
            "has_report": run.status == "done" and store.get_report(db, run.id) is not None,
        }

    data = await _db(request, load)
    result = data.pop("result") or {}
    head = view.summary(result or None)
    ctx = _ctx(
        request,
        f"Run {run_id}: {data['case']['name']}",
        crumbs=_crumbs(data, (f"Run {run_id}", None)),
        head=head,
        **data,
    )
    if result:
        ctx.update(
            summary_html=view.summary_html(result),
            acceptance=view.acceptance(result),
            strips=_strips(data["scenario"], result, head),
            forecasts=_forecast_table(data["scenario"], head),
            durability=view.durability(result),
        )
    return _html("run.html", ctx)


async def _done_run(request: Request, run_id: int) -> tuple[Any, Any]:
    run, case, _ = await _db(request, lambda db: _run_for(db, request, run_id))
    if run.status != "done" or not run.result:
        raise HTTPException(409, "This run has not finished.")
    return run, case


@router.get("/runs/{run_id}/analysis.json")
@page
async def run_json_download(request: Request, run_id: int) -> Response:
    run, _ = await _done_run(request, run_id)
    text = json.dumps(run.result, indent=2, ensure_ascii=False, allow_nan=False)
    return Response(
        text,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="run{run_id}-analysis.json"'},
    )


def acceptance_csv(result: Mapping[str, Any]) -> str:
    """The acceptance table as CSV: one row per point analysed and actor (utility units 0-1)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["point", "kind", "actor", "veto", "utility", "reservation_utility", "margin", "accepts"])
    table = view.acceptance(result)
    veto = {a["id"]: a["veto"] for a in table["actors"]}
    for label, kind, _, margins in table["points"]:
        for a, c in margins.items():
            row = [c.get("utility"), c.get("reservation"), c.get("margin"), c.get("accepts")]
            w.writerow([label, kind, a, veto.get(a, ""), *row])
    return buf.getvalue()


@router.get("/runs/{run_id}/acceptance.csv")
@page
async def run_csv_download(request: Request, run_id: int) -> Response:
    run, _ = await _done_run(request, run_id)
    return Response(
        acceptance_csv(run.result),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="run{run_id}-acceptance.csv"'},
    )


@router.get("/runs/{run_id}/report.html")
@page
async def run_report(request: Request, run_id: int) -> Response:
    from accord.server import store

    run, case = await _done_run(request, run_id)
    html = await _db(request, store.get_report, run_id)
    if html is None:
        raise HTTPException(404, "No HTML report was made with this run.")
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="run{run_id}-report.html"'},
    )


# --- timeline and diff ---------------------------------------------------------------------------


@router.get("/cases/{case_id}/timeline")
@page
async def timeline(request: Request, case_id: int) -> Response:
    from accord.server import store

    def load(db: Any) -> dict[str, Any]:
        user = _signed_in(request, db)
        case, role = _case_for(db, user, case_id)
        runs = store.list_runs(db, case_id)
        rows = []
        for v in sorted(store.list_versions(db, case_id), key=lambda x: x.number):
            r = _run_of(runs, v.number)
            rows.append(
                {
                    "number": v.number,
                    "as_of": v.as_of,
                    "created": v.created_at,
                    "message": v.message,
                    "data": dict(v.data),
                    "result": r.result if r is not None and r.status == "done" else None,
                }
            )
        return {
            "case": {"id": case.id, "name": case.name, "workspace_id": case.workspace_id},
            "ws_name": _ws_name(db, case.workspace_id),
            "rows": rows,
        }

    data = await _db(request, load)
    points = await run_in_threadpool(_timeline_points, data.pop("rows"))
    ctx = _ctx(request, f"Timeline: {data['case']['name']}", crumbs=_crumbs(data, ("Timeline", None)), **data)
    ctx.update(_timeline_charts(points))
    return _html("timeline.html", ctx)


def _timeline_points(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each version's headline: from its finished run, else the analysis without Monte Carlo."""
    points = []
    for k, row in enumerate(rows):
        result = row["result"]
        # the analysis without Monte Carlo takes a tenth of a second: the latest versions only
        if result is None and k >= len(rows) - QUICK_VERSIONS:
            scenario, _ = forms.check(row["data"])
            try:
                result = view.quick_analysis(scenario) if scenario is not None else None
            except InputError:
                result = None
        when = row["as_of"] or row["created"]
        when = when if isinstance(when, date) else date.today()
        if hasattr(when, "date"):
            when = when.date()
        points.append(
            {
                "number": row["number"],
                "as_of": when,
                "message": row["message"],
                "head": view.summary(result),
                "data": row["data"],
            }
        )
    # the charts run left to right in time, whatever order the versions were saved in
    points.sort(key=lambda p: (p["as_of"], p["number"]))
    return points


def _timeline_charts(points: list[dict[str, Any]]) -> dict[str, Any]:
    dates = [p["as_of"] for p in points]
    proposals: dict[str, str] = {}
    for p in points:
        for pid, rec in p["head"]["p_proposals"].items():
            proposals.setdefault(pid, rec["name"])
    charts_out = []

    def add(title: str, series: dict[str, list[float | None]], **kw: Any) -> None:
        if not any(v is not None for vals in series.values() for v in vals):
            return
        svg = charts.timeline(dates, series, title=title, **kw)
        legend = [(name, charts.color(k), charts.dash(k)) for k, name in enumerate(series)]
        charts_out.append({"title": title, "svg": svg, "legend": legend})

    probs: dict[str, list[float | None]] = {"P(zone of agreement)": [p["head"]["p_zone"] for p in points]}
    for pid, name in proposals.items():
        probs[f"P({name} passes)"] = [(p["head"]["p_proposals"].get(pid) or {}).get("p") for p in points]
    add("Probabilities (Monte Carlo) by version", probs, y_min=0.0, y_max=1.0, y_label="probability")
    gaps = [0.0 if p["head"]["exists"] else p["head"]["gap"] for p in points]
    add(
        "The gap: the concession each veto player would have to make (0 = a zone exists)",
        {"gap (uniform concession)": gaps},
        y_min=0.0,
        y_max=max([g for g in gaps if g is not None] + [0.1]),
        y_label="utility (0-1)",
    )
    issues: dict[str, dict[str, Any]] = {}
    for p in points:
        for i in p["data"].get("issues") or []:
            issues.setdefault(i.get("id"), i)
    for iid, issue in issues.items():
        models: dict[str, list[float | None]] = {}
        for p in points:
            for m in p["head"]["forecasts"]:
                models.setdefault(m, [])
        for m in models:
            models[m] = [(p["head"]["forecasts"].get(m) or {}).get(iid) for p in points]
        models["maximin deal"] = [p["head"]["maximin"].get(iid) for p in points]
        scale = issue.get("scale") or {}
        add(
            f"Forecasts on {issue.get('name') or iid}",
            models,
            y_min=float(scale.get("min", 0.0)),
            y_max=float(scale.get("max", 100.0)),
            y_label=str(scale.get("unit") or "scale units"),
            low_label=str(scale.get("min_label", "")),
            high_label=str(scale.get("max_label", "")),
        )
    return {"points": points, "proposals": list(proposals.items()), "charts": charts_out}


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, float | int) and not isinstance(value, bool):
        from accord.web import fmt_number

        return fmt_number(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


@router.get("/cases/{case_id}/diff")
@page
async def diff(request: Request, case_id: int, a: int, b: int) -> Response:
    from accord.server import store

    def load(db: Any) -> dict[str, Any]:
        user = _signed_in(request, db)
        case, _ = _case_for(db, user, case_id)
        changes = store.diff_versions(db, case_id, a, b)
        return {
            "case": {"id": case.id, "name": case.name, "workspace_id": case.workspace_id},
            "ws_name": _ws_name(db, case.workspace_id),
            "changes": [
                {"path": c.get("path"), "old": _show(c.get("old")), "new": _show(c.get("new"))}
                for c in changes
            ],
        }

    data = await _db(request, load)
    return _html(
        "diff.html",
        _ctx(request, f"Version {a} → {b}", crumbs=_crumbs(data, ("Differences", None)), a=a, b=b, **data),
    )
