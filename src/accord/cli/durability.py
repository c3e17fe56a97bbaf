"""``accord durability``: how long comparable cease-fires held (ETH/PRIO Ceasefire Dataset)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from accord.cli import app
from accord.cli import options as opt
from accord.cli.output import check_format, console, dump_json
from accord.errors import InputError
from accord.limits import MAX_DAYS

YES_NO = "yes or no"
# accord.durability's ENV_VAR, PURPOSES and MIN_CLASS_SIZE, for the help (a test keeps them equal),
# so that `accord --help` need not import the durability package and NumPy
ENV_VAR = "ACCORD_CEASEFIRE_DATA"
PURPOSES = ("humanitarian", "peace_process", "holiday", "election", "other")
MIN_CLASS_SIZE = 30


def _opt(help_text: str) -> Any:
    return typer.Option(None, help=help_text, show_default=False)


@app.command("durability")
def durability(
    data: Path | None = typer.Option(
        None, "--data", help=f"CFD csv file (default: ${ENV_VAR})", show_default=False
    ),
    scenario: Path | None = typer.Option(
        None, "--scenario", help="Take the deal's features from this scenario's `deal`"
    ),
    written: str | None = _opt(f"Written agreement: {YES_NO}"),
    partial: str | None = _opt(f"Covers only part of the conflict: {YES_NO}"),
    mediated: str | None = _opt(f"Mediated by a third party: {YES_NO}"),
    purpose: list[str] = typer.Option(
        None, "--purpose", help="Purpose (repeatable): " + ", ".join(PURPOSES), show_default=False
    ),
    ceasefire_class: str | None = typer.Option(
        None, "--class", help="cessation, preliminary or definitive", show_default=False
    ),
    side: str | None = _opt("unilateral, bilateral or multilateral"),
    timing: str | None = _opt("CFD timing code 0-3 (docs/durability.md)"),
    enforcement: str | None = _opt(f"Outside military enforcement: {YES_NO}"),
    mechanism: str | None = _opt(f"Implementation mechanism agreed: {YES_NO}"),
    ddr: str | None = _opt(f"DDR provisions: {YES_NO}"),
    fixed_term: str | None = _opt(f"Fixed term: {YES_NO}"),
    location: str | None = _opt("Only cease-fires in this CFD location (e.g. Israel)"),
    fixed_term_days: float | None = typer.Option(
        None,
        callback=opt.bounded(1, MAX_DAYS),
        help="Length of the fixed term in days (model only)",
        show_default=False,
    ),
    min_size: int = opt.count(
        MIN_CLASS_SIZE, "--min-size", low=1, high=100_000, help="Smallest reference class"
    ),
    censor_date: str | None = _opt("Censor cease-fires still holding at this date (default: data end)"),
    unclear_as: str = typer.Option(
        "censored", "--unclear-as", help="Treat dated endings of unclear kind as censored or breakdown"
    ),
    model: bool = typer.Option(True, "--model/--no-model", help="Fit and cross-validate the Cox model"),
    seed: int = opt.seed("Seed of the cross-validation folds"),
    fmt: str = typer.Option("text", "--format", help="text or json"),
) -> None:
    """Probability that a cease-fire like this one still holds after 1 week ... 1 year."""
    from accord import durability as du

    check_format(fmt, ("text", "json"))
    purposes = list(purpose or [])
    reference: dict[str, str | None] = {
        "written": written,
        "partial": partial,
        "mediated": mediated,
        "ceasefire_class": ceasefire_class,
        "side": side,
        "timing": timing,
        "enforcement": enforcement,
        "mechanism": mechanism,
        "ddr": ddr,
        "fixed_term": fixed_term,
        "location": location,
    }
    description = ""
    if scenario is not None:
        from accord.scenario import io as sio

        s = sio.load(scenario)
        if s.deal is None:
            raise InputError("the scenario has no `deal` section", source=str(scenario))
        ref, more, term = du.deal_reference(s.deal)
        description = s.deal.description
        # options on the command line override the scenario's deal
        for k, v in ref.items():
            if k == "purpose":
                continue
            reference[k] = reference.get(k) or v
        if not purposes:
            purposes = ([ref["purpose"]] if "purpose" in ref else []) + more
        fixed_term_days = fixed_term_days if fixed_term_days is not None else term
    if purposes:
        reference["purpose"] = purposes[0]
    # check the options before reading the data, so a typo is reported first
    du.check_reference(reference)
    for p in purposes:
        du.check_reference({"purpose": p})
    cfd = du.load(data, censor_date=censor_date, unclear_as=unclear_as)
    result = du.analyse(
        cfd,
        reference,
        purposes=purposes[1:],
        fixed_term_days=fixed_term_days,
        min_size=min_size,
        model=model,
        seed=seed,
    )
    if description:
        result["deal"] = {"description": description}
    if fmt == "json":
        typer.echo(dump_json(result))
    else:
        print_durability(result)


def _pct(p: float) -> str:
    return f"{100 * p:.0f}%"


def print_durability(result: dict[str, Any]) -> None:
    """Text report: base-rate table, fallbacks, model prediction and checks (80 columns)."""
    from rich.table import Table

    con = console()
    info = result["data"]
    rate = result["base_rate"]
    cls = ", ".join(f"{k}={v}" for k, v in rate["class"].items()) or "all cease-fires"
    con.print(
        f"[bold]Cease-fire durability[/] ({info['source']}: {info['ceasefires']} cease-fires, "
        f"{info['included']} with a known fate, censored at {info['censor_date']})"
    )
    for note in rate["fallback"]:
        con.print(f"[yellow]fallback:[/] {note}")
    con.print(
        f"Reference class: {cls}: {rate['size']} cease-fires, {rate['breakdowns']} broke down; "
        f"median time to breakdown: "
        + (f"{rate['median_days']:.0f} days" if rate["median_days"] is not None else "not reached")
    )
    t = Table(width=78)
    t.add_column("still holding after")
    t.add_column("base rate", justify="right")
    t.add_column("95% CI", justify="right")
    worst = result.get("if_unclear_endings_were_breakdowns")
    if worst:
        t.add_column("if unclear = broken", justify="right")
    has_model = "model" in result
    if has_model:
        t.add_column("Cox model", justify="right")
    for k, row in enumerate(rate["holding"]):
        cells = [row["horizon"], _pct(row["probability"]), f"{_pct(row['ci'][0])}-{_pct(row['ci'][1])}"]
        if worst:
            cells.append(_pct(worst["holding"][k]["probability"]))
        if has_model:
            cells.append(_pct(result["model"]["deal_holding"][k]["probability"]))
        t.add_row(*cells)
    con.print(t)
    claim = result.get("expectation")
    if claim:
        con.print(
            f'Analyst\'s claim: "{claim["claim"]}" (read as {claim["days"]:g} days). Of '
            f"{claim['class_size']} comparable cease-fires, {_pct(claim['base_rate_holding'])} "
            f"({_pct(claim['ci'][0])}-{_pct(claim['ci'][1])}) still held after {claim['days']:g} days."
        )
    own = result.get("location_record")
    if own:
        loc = own["class"].get("location", "")
        record = "; ".join(f"{h['horizon']} {_pct(h['probability'])}" for h in own["holding"])
        con.print(f"{loc}'s own record ({own['size']} cease-fires, {own['breakdowns']} broke down): {record}")
    if has_model:
        m = result["model"]
        con.print(
            f"Cox model: concordance {m['concordance_mean']:.3f} ({m['folds']}-fold CV grouped by "
            f"conflict; folds {', '.join(f'{c:.2f}' for c in m['concordance_folds'])})"
        )
        cal = "; ".join(f"{_pct(b['predicted'])} vs {_pct(b['observed'])}" for b in m["calibration_8_weeks"])
        con.print(f"Calibration, holding 8 weeks (predicted vs observed, by fifth): {cal}")
    if result["data"].get("unclear_as") == "breakdown":
        con.print("[dim]Breakdown = CFD `ended` code 2, and dated endings of unclear kind (code -1).[/]")
    else:
        con.print(
            "[dim]Breakdown = CFD `ended` code 2; expiry, replacement and unclear endings are "
            "censored (docs/durability.md).[/]"
        )
