"""``accord analyze``: the answer first (who wants a deal, how sure, what it takes, what to table,
whether it would hold), then the evidence.

The command builds one :class:`~accord.case.CaseAnalysis` (documented in ``docs/analysis.md``) and
prints it as JSON (first key ``summary``) or as text: the summary on one 80x25 screen, then the
evidence in tables of 80 columns. Both render the same object and compute nothing themselves.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from accord.case.defaults import DEFAULT_DRAWS, DEFAULT_NOISE
from accord.cli import app
from accord.cli import options as opt
from accord.cli.core import INPUT_FORMAT, load_scenario
from accord.cli.output import check_format, console, dump_json
from accord.errors import InputError

if TYPE_CHECKING:
    from accord.case.model import CaseAnalysis
    from accord.scenario.model import Scenario

WIDTH, HEIGHT = 80, 25  # the summary fits one terminal screen


def parse_points(items: list[str] | None, scenario: Scenario) -> dict[str, float]:
    """``["presence=40", "hostages=70"]`` -> values in scale units, checked against the scales."""
    out: dict[str, float] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(f"--point {item!r}: expected ISSUE=VALUE")
        if key not in scenario.issue_ids:
            raise InputError(
                f"--point {item!r}: unknown issue {key!r} (issues: {', '.join(scenario.issue_ids)})"
            )
        try:
            v = float(value)
        except ValueError:
            raise InputError(f"--point {item!r}: {value.strip()!r} is not a number") from None
        scale = scenario.issue(key).scale
        if not math.isfinite(v) or not scale.contains(v):
            raise InputError(f"--point {item!r}: {v:g} is outside the scale {scale.min:g}..{scale.max:g}")
        out[key] = v
    return out


# ----------------------------------------------------------------------------------------------
# the summary: one screen
# ----------------------------------------------------------------------------------------------


def summary_text(case: CaseAnalysis, width: int = WIDTH, height: int = HEIGHT) -> list[str]:
    """The summary as plain lines of at most ``width`` characters, at most ``height`` lines.

    Each entry is wrapped with a hanging indent; entries that do not fit (caveats last) are
    counted in a closing line that points to the evidence below.
    """
    from accord.case.summary import summary_lines

    s = case.scenario
    title = s.name + (f" (as of {s.as_of})" if s.as_of else "")
    head = textwrap.wrap(title, width)[:1]
    names = {a.id: a.name for a in case.actors}
    issues = {i.id: i for i in case.issues}
    blocks = [
        textwrap.wrap(f"{h}: {text}", width, subsequent_indent="  ", break_on_hyphens=False)
        for h, text in summary_lines(case.summary, names, issues)
    ]
    out = list(head)
    for k, block in enumerate(blocks):
        rest = len(blocks) - k
        room = height - len(out) - (0 if rest == 1 else 1)
        if len(block) <= room:
            out.extend(block)
            continue
        left = len(blocks) - k
        out.append(f"({left} more point{'s' if left > 1 else ''} in the evidence below)"[:width])
        break
    return out


def print_summary(case: CaseAnalysis) -> None:
    con = console()
    for k, line in enumerate(summary_text(case)):
        head, sep, rest = line.partition(": ")
        if k == 0:
            con.print(f"[bold]{_esc(line)}[/]")
        elif sep and not line.startswith(" ") and head in _HEADS:
            con.print(f"[bold]{_esc(head)}:[/] {_esc(rest)}")
        else:
            con.print(_esc(line))


_HEADS = {
    "Verdict", "Confidence", "Proposal", "It takes", "The gap", "Table", "Would it hold", "Crisis", "Caveat",
}  # fmt: skip


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


# ----------------------------------------------------------------------------------------------
# the evidence
# ----------------------------------------------------------------------------------------------

_MAX_COLS = 4  # point columns per table (80 columns: an actor column and four of 11 characters)


def _val(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _signed(x: float | None) -> str:
    return "-" if x is None else f"{x:+.3f}"


def _pct(p: float | None) -> str:
    return "-" if p is None else f"{100 * p:.0f}%"


def print_evidence(case: CaseAnalysis) -> None:
    from rich.table import Table

    con = console()
    st = case.settings
    con.print()
    con.rule("[bold]The evidence[/]")
    con.print(
        f"utility ({st.loss} loss): {st.utility}. Margin = utility - reservation "
        "(utility units); an actor accepts when its margin >= 0.",
        soft_wrap=False,
    )
    con.print()
    t = Table(title="Issues (positions on each issue's own scale)", title_justify="left", width=78)
    t.add_column("issue")
    t.add_column("scale", overflow="fold")
    t.add_column("status quo", justify="right")
    for i in case.issues:
        unit = f" [{i.unit}]" if i.unit else ""
        t.add_row(
            i.id, _esc(f"{i.min:g} = {i.min_label} .. {i.max:g} = {i.max_label}{unit}"), _val(i.status_quo)
        )
    con.print(t)

    t = Table(title="Actors", title_justify="left", width=78)
    t.add_column("actor")
    t.add_column("capability", justify="right")
    t.add_column("veto")
    t.add_column("reservation (utility)", justify="right")
    t.add_column("from")
    for a in case.actors:
        t.add_row(
            a.id, f"{a.capability:g}", "yes" if a.veto else "", _val(a.reservation, 3), a.reservation_source
        )
    con.print(t)

    ran = [f for f in case.forecasts if f.outcome is not None]
    if ran:
        t = Table(title="Forecasts (each issue's own scale)", title_justify="left", width=78)
        t.add_column("model")
        for i in case.issues:
            t.add_column(i.id, justify="right", overflow="fold")
        for f in ran:
            assert f.outcome is not None
            t.add_row(f.model, *[_val(f.outcome[i.id]) for i in case.issues])
        t.add_row("[dim]status quo[/]", *[_val(i.status_quo) for i in case.issues])
        con.print(t)
    for f in ran:
        for s in f.at_status_quo:
            con.print(f"[dim]{f.model} = status quo on {s.issue}: {_esc(s.why)}[/]")
    skipped = [f"{f.model} ({f.skipped})" for f in case.forecasts if f.skipped]
    if skipped:
        con.print("[dim]not run: " + _esc("; ".join(skipped)) + "[/]")

    if case.zone is None:
        con.print()
        con.print(f"No agreement analysis: {_esc(case.agreement_error or '')}")
        _print_durability(con, case)
        return
    pts = list(case.points) + [m.acceptance for m in case.mediator]
    for start in range(0, len(pts), _MAX_COLS):
        _acceptance_table(con, case, pts[start : start + _MAX_COLS])
    _print_zone(con, case)
    _print_proposals(con, case)
    _print_monte_carlo(con, case)
    _print_durability(con, case)
    con.print()
    con.print("[bold]Answer[/]")
    for line in case.answer:
        con.print(f"- {_esc(line)}")
    for note in case.notes:
        con.print(f"[dim]note: {_esc(note)}[/]")


def _short(label: str) -> str:
    return label.replace("forecast: ", "").replace("mediator: ", "med. ")


def _acceptance_table(con: Any, case: CaseAnalysis, pts: list[Any]) -> None:
    from rich.table import Table

    t = Table(title="Acceptance: margin (utility) per actor, ✓ accepts", title_justify="left", width=78)
    t.add_column("", no_wrap=True, min_width=16, max_width=18, overflow="ellipsis")
    for p in pts:
        label = ("med. " + p.label) if p.kind == "mediator" else _short(p.label)
        t.add_column(_esc(label), justify="right", overflow="fold", min_width=11)
    for i in case.issues:
        t.add_row(f"[dim]{i.id}[/]", *[f"[dim]{_val(p.point[i.id])}[/]" for p in pts])
    t.add_section()
    for k, a in enumerate(case.actors):
        cells = []
        for p in pts:
            row = p.margins[k]
            mark = "✓" if row.accepts else "✗"
            cells.append("?" if row.margin is None else f"{_signed(row.margin)}{mark}")
        t.add_row(a.id + (" *" if a.veto else ""), *cells)
    t.add_section()
    t.add_row("all veto accept", *["yes" if p.all_veto_accept else "no" for p in pts])
    t.add_row("support", *[f"{p.support:.2f}" for p in pts])
    con.print(t)
    con.print(
        "[dim]issue rows: the point on each issue's own scale; * veto player; support: "
        "capability-weighted share of actors that accept (0-1)[/]"
    )


def _print_zone(con: Any, case: CaseAnalysis) -> None:
    from rich.table import Table

    z = case.zone
    assert z is not None
    con.print()
    con.print(f"[bold]Zone of possible agreement: {'EXISTS' if z.exists else 'NONE'}[/]")
    con.print(
        "maximin point: "
        + ", ".join(f"{i} {_val(v)}" for i, v in z.maximin_point.items())
        + f" (scale units); smallest veto margin {_signed(z.smallest_margin)} utility"
    )
    if z.extent is not None:
        t = Table(title="Extent of the zone (each issue's own scale)", title_justify="left", width=78)
        t.add_column("issue")
        t.add_column("lowest", justify="right")
        t.add_column("highest", justify="right")
        for i, e in z.extent.items():
            t.add_row(i, _val(e.min), _val(e.max))
        con.print(t)
        con.print(
            "headroom: how far each veto player's reservation could rise before the zone closes "
            "(utility): " + ", ".join(f"{a} {_signed(s)}" for a, s in z.reservation_slack.items())
        )
    elif z.gap is not None:
        g = z.gap
        con.print(
            f"the gap: every veto player would have to lower its reservation by "
            f"{g.uniform_concession:.3f} utility (uniform concession)"
        )
        con.print(
            f"least total concession {g.least_total_concession:.3f} utility: "
            + ", ".join(f"{a} {d:.3f}" for a, d in g.by_actor.items())
            + "; the zone then opens at "
            + ", ".join(f"{i} {_val(v)}" for i, v in g.opens_at.items())
        )
        for a, info in g.alone.items():
            if info is None:
                con.print(f"{a} alone: cannot open a zone (the other veto players have none)")
            else:
                con.print(
                    f"{a} alone: reservation must fall by {info.fall:.3f} utility "
                    f"(from {info.reservation:.3f} to {info.new_reservation:.3f})"
                )
        if g.position_changes:
            t = Table(
                title="What each veto player rejecting the maximin point would need: move it by",
                title_justify="left",
                width=78,
            )
            t.add_column("actor")
            for issue in case.issues:
                t.add_column(issue.id, justify="right", overflow="fold")
            for a, d in g.position_changes.items():
                t.add_row(a, *[f"{d[i.id]:+.1f}" for i in case.issues])
            con.print(t)
            con.print("[dim]scale units; + is towards each issue's max label[/]")
    if z.blocking_coalitions is not None:
        block = z.blocking_coalitions
        con.print(
            "blocking coalitions of veto players: "
            + ("none" if not block else "; ".join("{" + ", ".join(b) + "}" for b in block))
        )
    con.print("pivotal: " + (", ".join(z.pivotal) or "none"))


def _print_proposals(con: Any, case: CaseAnalysis) -> None:
    con.print()
    con.print("[bold]What a mediator could table[/] (scale units)")
    names = {"maximin", "veto_nash", "most_support"}
    for m in case.mediator:
        acc = m.acceptance
        con.print(
            f"- {m.key}: "
            + ", ".join(f"{i} {_val(v)}" for i, v in m.point.items())
            + f"; every veto player accepts: {'yes' if acc.all_veto_accept else 'no'}"
            + f"; support {acc.support:.2f}"
        )
        con.print(f"  [dim]{_esc(m.method)}. {_esc(m.note)}[/]")
    for key in sorted(names - {m.key for m in case.mediator}):
        con.print(f"- {key}: none (no zone of possible agreement)")
    if not case.proposals:
        return
    con.print()
    con.print("[bold]The scenario's proposals[/]")
    for c in case.proposals:
        by = f" (tabled by {', '.join(c.tabled_by)})" if c.tabled_by else ""
        status = "passes: every veto player accepts" if c.all_veto_accept else "fails"
        con.print(f"- {_esc(c.name)}{by}: {status}")
        for a, short in c.shortfall.items():
            change = c.change_for.get(a)
            move = (
                "; it would accept the proposal moved by "
                + ", ".join(f"{i} {d:+.1f}" for i, d in change.items() if abs(d) >= 0.05)
                if change
                else ""
            )
            con.print(f"  {a} is {short:.3f} utility short{move}")
        if c.nearest_passing is not None and not c.all_veto_accept:
            con.print(
                "  nearest point every veto player accepts: "
                + ", ".join(f"{i} {_val(v)}" for i, v in c.nearest_passing.items())
            )
        for note in c.notes:
            con.print(f"  [dim]{_esc(note)}[/]")


def _print_monte_carlo(con: Any, case: CaseAnalysis) -> None:
    mc = case.monte_carlo
    con.print()
    if mc is None:
        con.print("[bold]Monte Carlo[/]: not run (--draws 0)")
        return
    con.print(
        f"[bold]Monte Carlo[/]: {mc.draws} draws (seed {mc.seed}) of {len(mc.inputs)} uncertain inputs: "
        f"{len(mc.declared)} the scenario declares, the others with sd {mc.noise:g} of their range (--noise)"
    )
    con.print(f"a zone exists in {_pct(mc.p_zone)} of the draws")
    for c in case.proposals:
        con.print(f"{_esc(c.name)} passes in {_pct(mc.p_pass.get(c.id))} of the draws")
    if mc.note:
        con.print(f"[dim]{_esc(mc.note)}[/]")


def _print_durability(con: Any, case: CaseAnalysis) -> None:
    from rich.table import Table

    d = case.durability
    if d is None:
        return
    con.print()
    con.print("[bold]Would it hold? (ETH/PRIO cease-fires 1989-2016)[/]")
    cls = ", ".join(f"{k}={v}" for k, v in d.reference_class.items()) or "all cease-fires"
    con.print(
        f"reference class {_esc(cls)}: {d.class_size} cease-fires, {d.breakdowns} broke down; "
        f"median time to breakdown {d.median_text}"
    )
    for n in d.notes:
        con.print(f"[dim]{_esc(n)}[/]")
    t = Table(width=78)
    for head in ("still holding after", "base rate", "95% CI", "pessimistic", "Cox model", "location"):
        t.add_column(head, justify="left" if head.startswith("still") else "right")
    for h in d.holding:
        t.add_row(
            h.horizon,
            _pct(h.base_rate),
            f"{_pct(h.ci[0])}-{_pct(h.ci[1])}",
            _pct(h.pessimistic),
            _pct(h.cox),
            _pct(h.location),
        )
    con.print(t)
    con.print(
        "[dim]pessimistic: unclear but dated endings counted as breakdowns; location: "
        + _esc(f"{d.location or '-'}'s own record ({d.location_size or 0} cease-fires)")
        + "[/]"
    )
    if d.model_check is not None:
        con.print(
            f"[dim]Cox model: concordance {d.model_check.concordance:.3f} ({d.model_check.folds}-fold CV "
            "grouped by conflict)[/]"
        )
    if d.expectation:
        con.print(_esc(d.expectation))
    con.print(f"[dim]{_esc(d.scope)}[/]")


@app.command()
def analyze(
    file: Path = typer.Argument(..., help="Scenario file"),
    fmt: str = typer.Option("text", "--format", help="text or json"),
    loss: str = typer.Option("quadratic", "--loss", help="Utility loss: linear or quadratic"),
    point: list[str] = typer.Option(
        None,
        "--point",
        help="A point to test, ISSUE=VALUE in scale units (repeatable; others at the status quo)",
    ),
    seed: int = opt.seed("Seed for stochastic models and the Monte Carlo draws"),
    draws: int = opt.draws(
        DEFAULT_DRAWS, "--draws", "-n", low=0, help="Monte Carlo draws for P(zone) and P(pass) (0: none)"
    ),
    noise: float = opt.non_negative(
        DEFAULT_NOISE,
        "--noise",
        high=10.0,
        help="Default sd, as a share of each value's range, for values without their own uncertainty",
    ),
    summary_only: bool = typer.Option(False, "--summary", help="Print the summary only (text)"),
    data: Path | None = typer.Option(
        None,
        "--data",
        help="ETH/PRIO cease-fire data (CSV) for the durability evidence; default $ACCORD_CEASEFIRE_DATA",
    ),
    input_format: str | None = INPUT_FORMAT,
) -> None:
    """The answer first: is there a deal every veto player prefers to no deal, how sure, what it
    takes, what to table, whether it would hold; then the evidence."""
    check_format(fmt, ("text", "json"))
    if loss not in ("linear", "quadratic"):
        raise InputError(f"--loss {loss!r}: expected linear or quadratic")
    if draws < 0:
        raise InputError(f"--draws {draws}: must be 0 or more")
    if not math.isfinite(noise) or noise < 0:
        raise InputError(f"--noise {noise:g}: must be 0 or more")
    s = load_scenario(file, input_format)
    from accord.case import analyze_case  # the analysis (scipy.optimize) loads only when it runs

    try:
        case = analyze_case(
            s,
            loss=loss,  # type: ignore[arg-type]
            points=parse_points(point, s),
            draws=draws,
            seed=seed,
            noise=noise,
            ceasefire_data=data,
        )
        if case.agreement_error is not None:
            raise InputError(case.agreement_error)
    except InputError as exc:
        if exc.source is None:
            raise InputError(str(exc), source=str(file)) from None
        raise
    if fmt == "json":
        typer.echo(dump_json(case.to_dict()))
        return
    print_summary(case)
    if not summary_only:
        print_evidence(case)
