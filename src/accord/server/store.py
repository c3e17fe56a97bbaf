"""What the server keeps: users, workspaces and their members, cases, immutable scenario versions,
analysis runs, reports and the audit log. Every function takes the SQLAlchemy ``Session`` first;
those that write commit and append to the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, defer
from sqlalchemy.orm.attributes import set_committed_value

from accord.errors import InputError
from accord.scenario.model import Scenario
from accord.server import scenarios
from accord.server.db import write
from accord.server.diff import Change, diff_scenarios
from accord.server.models import (
    ROLES,
    AuditEntry,
    Case,
    Membership,
    Report,
    Run,
    User,
    Version,
    Workspace,
)

__all__ = [
    "CaseRow",
    "NotFound",
    "VersionConflict",
    "WorkspaceRow",
    "audit",
    "case_and_role",
    "create_case",
    "create_user",
    "create_workspace",
    "diff_scenarios",
    "diff_versions",
    "get_case",
    "get_report",
    "get_run",
    "get_user",
    "get_version",
    "list_cases",
    "list_members",
    "list_runs",
    "list_versions",
    "list_workspaces",
    "read_case",
    "read_versions",
    "save_version",
    "set_member",
    "version_scenario",
]

MAX_NAME = 200


class NotFound(LookupError):
    """The object does not exist (or the caller may not know that it does): HTTP 404."""


class VersionConflict(Exception):
    """Someone saved the case since the version the editor started from: HTTP 409, nothing written."""

    def __init__(self, case_id: int, base: int, latest: int, changes: list[Change]) -> None:
        self.case_id, self.base, self.latest, self.changes = case_id, base, latest, changes
        super().__init__(
            f"case {case_id} is at version {latest}; this edit started from version {base}. "
            "Reload, look at what changed, and save again."
        )


@dataclass(frozen=True)
class WorkspaceRow:
    workspace: Workspace
    role: str


@dataclass(frozen=True)
class CaseRow:
    """A case with its latest version and its latest finished run (for listings)."""

    case: Case
    latest: Version | None
    run: Run | None

    @property
    def verdict(self) -> str | None:
        """The first sentence of the latest finished run's answer, if any."""
        return verdict_of(self.run.result) if self.run is not None and self.run.result else None

    @property
    def p_zone(self) -> float | None:
        """P(a zone of agreement exists) from the latest run's Monte Carlo, if it had one."""
        return p_zone_of(self.run.result) if self.run is not None and self.run.result else None


def verdict_of(result: dict[str, Any]) -> str | None:
    """The verdict sentence of a stored case analysis."""
    summary = result.get("summary")
    if isinstance(summary, dict) and isinstance(summary.get("verdict"), str):
        return str(summary["verdict"])
    return None


def p_zone_of(result: dict[str, Any]) -> float | None:
    """P(zone) of a stored case analysis (its summary's Monte Carlo figure), if any."""
    summary = result.get("summary")
    if isinstance(summary, dict) and isinstance(summary.get("p_zone"), int | float):
        return float(summary["p_zone"])
    return None


def _name(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise InputError(f"{what}: must not be empty")
    if len(value) > MAX_NAME:
        raise InputError(f"{what}: at most {MAX_NAME} characters, got {len(value)}")
    return value


def audit(
    db: Session,
    user: User | None,
    action: str,
    workspace_id: int | None = None,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one entry to the audit log (committed with the caller's transaction)."""
    db.add(
        AuditEntry(
            user_id=user.id if user is not None else None,
            workspace_id=workspace_id,
            action=action,
            target=target[:MAX_NAME],
            detail=detail,
        )
    )


# ----------------------------------------------------------------------------------------------
# users and workspaces
# ----------------------------------------------------------------------------------------------


def create_user(
    db: Session, username: str, password: str, *, display_name: str | None = None, admin: bool = False
) -> User:
    """A new account; the password is kept as an argon2 hash."""
    from accord.server.auth import hash_password, valid_username

    username = valid_username(username)
    if len(password) < 8:
        raise InputError("password: at least 8 characters")
    write(db)
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        db.rollback()
        raise InputError(f"username {username!r} is taken")
    user = User(
        username=username,
        display_name=(display_name or username)[:MAX_NAME],
        password_hash=hash_password(password),
        is_admin=admin,
    )
    db.add(user)
    db.flush()
    audit(db, user, "user.create", target=username)
    db.commit()
    return user


def get_user(db: Session, username: str) -> User:
    """The user named ``username``."""
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def create_workspace(db: Session, name: str, owner: User) -> Workspace:
    """A new workspace with ``owner`` as its owner."""
    name = _name(name, "workspace name")
    write(db)
    ws = Workspace(name=name)
    db.add(ws)
    db.flush()
    db.add(Membership(workspace_id=ws.id, user_id=owner.id, role="owner"))
    audit(db, owner, "workspace.create", ws.id, name)
    db.commit()
    return ws


def role_of(db: Session, user_id: int, workspace_id: int) -> str | None:
    """The user's role in the workspace, or None."""
    return db.scalar(
        select(Membership.role).where(Membership.workspace_id == workspace_id, Membership.user_id == user_id)
    )


def set_member(
    db: Session, workspace_id: int, user: User, role: str | None, *, by: User | None = None
) -> None:
    """Give ``user`` a role in the workspace (None removes them). The last owner cannot leave."""
    if role is not None and role not in ROLES:
        raise InputError(f"role {role!r}: one of {', '.join(ROLES)}")
    write(db)
    if db.get(Workspace, workspace_id) is None:
        db.rollback()
        raise NotFound(f"no workspace {workspace_id}")
    current = db.get(Membership, (workspace_id, user.id))
    if current is not None and current.role == "owner" and role != "owner":
        owners = db.scalar(
            select(func.count()).where(Membership.workspace_id == workspace_id, Membership.role == "owner")
        )
        if owners == 1:
            db.rollback()
            raise InputError("a workspace keeps at least one owner: make someone else owner first")
    if role is None:
        if current is not None:
            db.delete(current)
    elif current is None:
        db.add(Membership(workspace_id=workspace_id, user_id=user.id, role=role))
    else:
        current.role = role
    audit(db, by, "member.set", workspace_id, user.username, {"role": role})
    db.commit()


def list_members(db: Session, workspace_id: int) -> list[Membership]:
    """The workspace's members with their users, by user name."""
    rows = db.scalars(
        select(Membership).join(User).where(Membership.workspace_id == workspace_id).order_by(User.username)
    )
    return list(rows.unique())


def list_workspaces(db: Session, user: User) -> list[WorkspaceRow]:
    """The workspaces ``user`` belongs to, with their role, by name."""
    rows = db.execute(
        select(Workspace, Membership.role)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user.id)
        .order_by(Workspace.name, Workspace.id)
    ).all()
    return [WorkspaceRow(ws, role) for ws, role in rows]


def get_workspace(db: Session, workspace_id: int) -> Workspace:
    """The workspace, or :class:`NotFound`."""
    ws = db.get(Workspace, workspace_id)
    if ws is None:
        raise NotFound(f"no workspace {workspace_id}")
    return ws


# ----------------------------------------------------------------------------------------------
# cases and versions
# ----------------------------------------------------------------------------------------------


def list_cases(db: Session, workspace_id: int) -> list[CaseRow]:
    """The workspace's cases, most recently saved first, with the latest version and finished run."""
    cases = list(db.scalars(select(Case).where(Case.workspace_id == workspace_id)))
    if not cases:
        return []
    ids = [c.id for c in cases]
    versions = {
        v.case_id: v
        for v in db.scalars(
            select(Version)
            .join(Case, (Case.id == Version.case_id) & (Case.latest_version == Version.number))
            .where(Version.case_id.in_(ids))
        ).unique()
    }
    last_run = (
        select(Run.case_id, func.max(Run.id).label("rid"))
        .where(Run.case_id.in_(ids), Run.status == "done")
        .group_by(Run.case_id)
        .subquery()
    )
    runs = {r.case_id: r for r in db.scalars(select(Run).join(last_run, Run.id == last_run.c.rid))}
    rows = [CaseRow(c, versions.get(c.id), runs.get(c.id)) for c in cases]
    rows.sort(key=lambda r: (r.latest.created_at if r.latest else r.case.created_at, r.case.id), reverse=True)
    return rows


def get_case(db: Session, case_id: int) -> Case:
    """The case, or :class:`NotFound`."""
    case = db.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def _dated(scenario: Scenario, as_of: date | None) -> Scenario:
    """The scenario with its ``as_of`` date set to ``as_of`` when one is given."""
    return scenario if as_of is None else scenario.model_copy(update={"as_of": as_of})


def create_case(
    db: Session,
    workspace_id: int,
    name: str,
    scenario: Scenario,
    author: User,
    message: str = "",
    as_of: date | None = None,
) -> Case:
    """A new case whose version 1 is ``scenario``."""
    name = _name(name, "case name")
    scenario = _dated(scenario, as_of)
    write(db)
    if db.get(Workspace, workspace_id) is None:
        db.rollback()
        raise NotFound(f"no workspace {workspace_id}")
    case = Case(workspace_id=workspace_id, name=name, latest_version=1, created_by=author.id)
    db.add(case)
    db.flush()
    db.add(
        Version(
            case_id=case.id,
            number=1,
            data=scenarios.to_data(scenario),
            author_id=author.id,
            as_of=scenario.as_of,
            message=message or "created",
        )
    )
    audit(db, author, "case.create", workspace_id, f"case {case.id}", {"name": name})
    db.commit()
    return case


def rename_case(db: Session, case_id: int, name: str, by: User) -> Case:
    """Rename a case."""
    name = _name(name, "case name")
    write(db)
    case = get_case(db, case_id)
    old, case.name = case.name, name
    audit(db, by, "case.rename", case.workspace_id, f"case {case.id}", {"old": old, "new": name})
    db.commit()
    return case


def delete_case(db: Session, case_id: int, by: User) -> None:
    """Delete a case with its versions, runs and reports (the audit log keeps the deletion)."""
    write(db)
    case = get_case(db, case_id)
    db.execute(delete(Report).where(Report.run_id.in_(select(Run.id).where(Run.case_id == case_id))))
    db.execute(delete(Run).where(Run.case_id == case_id))
    db.execute(delete(Version).where(Version.case_id == case_id))
    audit(db, by, "case.delete", case.workspace_id, f"case {case.id}", {"name": case.name})
    db.delete(case)
    db.commit()


def list_versions(db: Session, case_id: int) -> list[Version]:
    """The case's versions, oldest first."""
    return list(
        db.scalars(select(Version).where(Version.case_id == case_id).order_by(Version.number)).unique()
    )


def get_version(db: Session, case_id: int, number: int | None = None, *, data: bool = True) -> Version:
    """Version ``number`` of the case (None: the latest), or :class:`NotFound`; ``data`` False leaves
    the scenario unloaded until it is read (a run only needs the version's id and number)."""
    if number is None:
        number = get_case(db, case_id).latest_version
    query = select(Version).where(Version.case_id == case_id, Version.number == number)
    version = db.scalar(query if data else query.options(defer(Version.data)))
    if version is None:
        raise NotFound(f"case {case_id} has no version {number}")
    return version


_AUTHOR = aliased(User)
# the caller's membership of the case's workspace (outer-joined: a stranger's role is None)
_CALLER_MEMBERSHIP = (Membership.workspace_id == Case.workspace_id) & (
    Membership.user_id == bindparam("user_id")
)
# built once (the hot reads): the case, the caller's role and the latest version's metadata
_READ_CASE = (
    select(
        Case.id,
        Case.workspace_id,
        Case.name,
        Case.latest_version,
        Case.created_at,
        Membership.role,
        Version.number,
        Version.created_at.label("version_created_at"),
        Version.as_of,
        Version.message,
        _AUTHOR.username.label("author"),
    )
    .select_from(Case)
    .outerjoin(Membership, _CALLER_MEMBERSHIP)
    .outerjoin(Version, (Version.case_id == Case.id) & (Version.number == Case.latest_version))
    .outerjoin(_AUTHOR, _AUTHOR.id == Version.author_id)
    .where(Case.id == bindparam("case_id"))
)
_CASE_ROLE = (
    select(Case, Membership.role)
    .outerjoin(Membership, _CALLER_MEMBERSHIP)
    .where(Case.id == bindparam("case_id"))
)
_READ_VERSIONS = (
    select(
        Version.number, Version.created_at, Version.as_of, Version.message, _AUTHOR.username.label("author")
    )
    .outerjoin(_AUTHOR, _AUTHOR.id == Version.author_id)
    .where(Version.case_id == bindparam("case_id"))
    .order_by(Version.number)
)


def read_case(db: Session, case_id: int, user_id: int) -> Any:
    """What a case read needs, in one query: the case, the user's role in its workspace (None
    for a stranger) and its latest version's number, time, ``as_of``, message and author (not its
    scenario), as a row with those names; None when there is no such case."""
    return db.execute(_READ_CASE, {"case_id": case_id, "user_id": user_id}).one_or_none()


def case_and_role(db: Session, case_id: int, user_id: int) -> tuple[Case, str | None] | None:
    """The case and the user's role in its workspace (None for a stranger), in one query; None
    when there is no such case."""
    row = db.execute(_CASE_ROLE, {"case_id": case_id, "user_id": user_id}).one_or_none()
    return None if row is None else (row[0], row[1])


def read_versions(db: Session, case_id: int) -> list[Row[Any]]:
    """The case's versions, oldest first, without their scenarios: number, created_at, as_of,
    message and the author's user name."""
    return list(db.execute(_READ_VERSIONS, {"case_id": case_id}))


def version_scenario(version: Version) -> Scenario:
    """The Scenario a version holds."""
    return scenarios.from_data(version.data, f"version {version.number}")


_BUMP = (
    update(Case)
    .where(Case.id == bindparam("case_id"), Case.latest_version == bindparam("base"))
    .values(latest_version=bindparam("number"))
    .execution_options(synchronize_session=False)
)


def save_version(
    db: Session,
    case_id: int,
    scenario: Scenario,
    author: User,
    *,
    base_version: int,
    message: str = "",
    as_of: date | None = None,
) -> Version:
    """Save ``scenario`` as the case's next version, if nobody saved since ``base_version``
    (optimistic concurrency); else raise :class:`VersionConflict` and write nothing."""
    scenario = _dated(scenario, as_of)
    data = scenarios.to_data(scenario)
    # read before the write lock (a case's workspace never changes): the lock is held only for
    # the compare-and-set, the two inserts and the commit
    case = get_case(db, case_id)
    number = base_version + 1
    write(db)
    # compare-and-set on the counter: of two concurrent saves from the same base, one matches
    params = {"case_id": case_id, "base": base_version, "number": number}
    bumped = db.execute(_BUMP, params).rowcount  # type: ignore[attr-defined]
    if bumped != 1:
        db.rollback()
        latest = get_case(db, case_id).latest_version
        raise VersionConflict(
            case_id, base_version, latest, _changes_since(db, case_id, base_version, latest)
        )
    version = Version(
        case_id=case_id,
        number=number,
        data=data,
        author_id=author.id,
        as_of=scenario.as_of,
        message=message,
    )
    db.add(version)
    audit(db, author, "version.save", case.workspace_id, f"case {case_id} v{number}", {"message": message})
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        latest = get_case(db, case_id).latest_version
        raise VersionConflict(
            case_id, base_version, latest, _changes_since(db, case_id, base_version, latest)
        ) from None
    # the compare-and-set bypassed the loaded case: tell it its new number (no query)
    set_committed_value(case, "latest_version", number)
    return version


def _changes_since(db: Session, case_id: int, base: int, latest: int) -> list[Change]:
    try:
        return diff_versions(db, case_id, base, latest)
    except NotFound:
        return []


def diff_versions(db: Session, case_id: int, a: int, b: int) -> list[Change]:
    """The fields that changed from version ``a`` to version ``b`` of a case."""
    return diff_scenarios(get_version(db, case_id, a).data, get_version(db, case_id, b).data)


# ----------------------------------------------------------------------------------------------
# runs and reports
# ----------------------------------------------------------------------------------------------


def create_run(
    db: Session, case_id: int, version: Version, user: User, *, seed: int, draws: int, report: bool
) -> Run:
    """A queued run of ``version`` (the job pool picks it up)."""
    if not 0 <= draws <= 100_000:
        raise InputError(f"draws {draws}: must be between 0 and 100000")
    if not 0 <= seed < 2**31:
        raise InputError(f"seed {seed}: must be between 0 and 2147483647")
    write(db)
    case = get_case(db, case_id)
    run = Run(
        case_id=case_id,
        version_id=version.id,
        version_number=version.number,
        status="queued",
        seed=seed,
        draws=draws,
        want_report=report,
        created_by=user.id,
        progress=0.0,
        stage="queued",
        attempts=0,
        accord_version="",
    )
    db.add(run)
    db.flush()
    audit(
        db, user, "run.start", case.workspace_id, f"case {case_id} run {run.id}", {"version": version.number}
    )
    db.commit()
    return run


def list_runs(db: Session, case_id: int) -> list[Run]:
    """The case's runs, newest first."""
    return list(db.scalars(select(Run).where(Run.case_id == case_id).order_by(Run.id.desc())))


def get_run(db: Session, run_id: int) -> Run:
    """The run, or :class:`NotFound`."""
    run = db.get(Run, run_id)
    if run is None:
        raise NotFound(f"no run {run_id}")
    return run


def get_report(db: Session, run_id: int) -> str | None:
    """The stored HTML report of a run, if it made one."""
    report = db.get(Report, run_id)
    return report.html if report is not None else None


def list_audit(db: Session, workspace_id: int, limit: int = 200) -> list[AuditEntry]:
    """The workspace's audit log, newest first."""
    return list(
        db.scalars(
            select(AuditEntry)
            .where(AuditEntry.workspace_id == workspace_id)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
    )
