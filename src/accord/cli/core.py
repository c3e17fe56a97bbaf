"""Core commands: validate, forecast, convert, models."""

from __future__ import annotations

import csv
import io
import math
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from accord.cli import app
from accord.cli import options as opt
from accord.cli.output import FORCE, FORMATS_TABLE, MAKE_DIRS, check_format, console, dump_json, fmt_num
from accord.scenario.formats import READERS

if TYPE_CHECKING:
    from accord.forecast import Forecast
    from accord.scenario.model import Scenario

INPUT_FORMAT = typer.Option(
    None,
    "--input-format",
    "-f",
    help="Input format (detected from the content when omitted): " + ", ".join(sorted(READERS)),
)


def load_scenario(path: Path, input_format: str | None) -> Scenario:
    from accord.scenario import io as sio  # pydantic and the scenario models load here

    return sio.load(path, input_format)


@app.command()
def validate(
    file: Path = typer.Argument(..., help="Scenario file (YAML, JSON, CSV, XLSX, KTAB, BDM, Decide)"),
    input_format: str | None = INPUT_FORMAT,
    data: Path | None = typer.Option(
        None, "--data", help="Cease-fire data to check deal.location against; default $ACCORD_CEASEFIRE_DATA"
    ),
) -> None:
    """Check a scenario file and summarise it (warnings on stderr; they do not fail the check)."""
    from accord.scenario.advice import scenario_warnings

    s = load_scenario(file, input_format)
    for warning in scenario_warnings(s, data):
        typer.echo(f"warning: {file}: {warning}", err=True)
    n_pairs = sum(len(a.positions) for a in s.actors)
    veto = sum(a.has_veto for a in s.actors)
    typer.echo(
        f"{file}: valid: {s.name!r}, {len(s.actors)} actors ({veto} with a veto), "
        f"{len(s.issues)} issues, {n_pairs} positions, {len(s.proposals)} proposals"
    )


@app.command()
def forecast(
    file: Path = typer.Argument(..., help="Scenario file"),
    model: list[str] = typer.Option(
        None, "--model", "-m", help="Model to run (repeatable; default: every model that applies)"
    ),
    param: list[str] = typer.Option(
        None,
        "--param",
        "-p",
        help="Model parameter NAME=VALUE (or MODEL.NAME=VALUE); repeatable",
    ),
    seed: int = opt.seed("Seed for stochastic models"),
    fmt: str = typer.Option("table", "--format", help="table, json or csv"),
    trajectories: bool = typer.Option(
        True, "--trajectories/--no-trajectories", help="JSON: include each model's per-round trajectory"
    ),
    input_format: str | None = INPUT_FORMAT,
) -> None:
    """Forecast the outcome of every issue with one or more models."""
    from accord.forecast import run_forecasts
    from accord.models import registry

    check_format(fmt, FORMATS_TABLE)
    s = load_scenario(file, input_format)
    results = run_forecasts(s, model or None, registry.parse_params(param), seed=seed)
    if fmt == "json":
        typer.echo(dump_json(forecast_json(s, results, trajectories)))
    elif fmt == "csv":
        typer.echo(forecast_csv(s, results), nl=False)
    else:
        print_forecast_table(s, results)


def forecast_json(s: Scenario, results: dict[str, Forecast], trajectories: bool = True) -> dict[str, Any]:
    """The stable JSON form documented in docs/cli.md (``trajectories``: keep the per-round paths)."""
    from accord.forecast import scenario_json

    return {
        "scenario": scenario_json(s),
        "forecasts": {name: f.to_json(trajectories) for name, f in results.items()},
    }


def forecast_csv(s: Scenario, results: dict[str, Forecast]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["model", "issue", "outcome"])
    for name, f in results.items():
        if f.skipped:
            continue
        for issue, value in f.outcome.items():
            w.writerow([name, issue, repr(round(value, 10))])
    return buf.getvalue()


def print_forecast_table(s: Scenario, results: dict[str, Forecast]) -> None:
    import numpy as np
    from rich.table import Table

    con = console()
    for issue in s.issues:
        t = Table(title=f"{issue.name or issue.id}", title_justify="left", width=78)
        t.add_column("model")
        t.add_column("outcome", justify="right")
        t.add_column(
            f"{issue.scale.min:g} = {issue.scale.min_label}  ..  "
            f"{issue.scale.max:g} = {issue.scale.max_label}",
            overflow="fold",
        )
        span = issue.scale.max - issue.scale.min
        for name, f in results.items():
            if f.skipped:
                continue
            v = f.outcome[issue.id]
            if not math.isfinite(v):  # a model that could not place this issue
                t.add_row(name, "-", "")
                continue
            pos = min(max(int(round((v - issue.scale.min) / span * 30)), 0), 30)
            t.add_row(name, fmt_num(v), "·" * pos + "●" + "·" * (30 - pos))
            flag = f.result.details.get("flag")  # a model's word on this issue's outcome
            if flag is not None:
                text = str(np.asarray(flag)[..., f.problem.issue_ids.index(issue.id)].reshape(-1)[0])
                if text:
                    t.add_row("", "", f"[dim]{text}[/]")
            for level in (80, 95):  # prediction intervals, where a model gives them (ensemble)
                interval = f.result.details.get(f"interval_{level}")
                if interval is not None:
                    j = f.problem.issue_ids.index(issue.id)
                    lo, hi = (float(x) for x in np.asarray(interval)[..., j].reshape(-1)[:2])
                    t.add_row(f"[dim]  {level}% interval[/]", f"{fmt_num(lo)}-{fmt_num(hi)}", "")
        if issue.status_quo is not None:
            t.add_row("[dim]status quo[/]", fmt_num(issue.status_quo), "")
        if issue.outcome is not None:
            t.add_row("[dim]recorded outcome[/]", fmt_num(issue.outcome), "")
        con.print(t)
    skipped = [f"{n} ({f.skipped})" for n, f in results.items() if f.skipped]
    if skipped:
        con.print("[dim]not run: " + "; ".join(skipped) + "[/]")


@app.command()
def convert(
    src: Path = typer.Argument(..., help="Input scenario file"),
    dst: Path = typer.Argument(..., help="Output file: .yaml, .json or .csv (flat table)"),
    input_format: str | None = INPUT_FORMAT,
    output_format: str | None = typer.Option(None, "--output-format", help="yaml, json or flat"),
    force: bool = FORCE,
    make_dirs: bool = MAKE_DIRS,
) -> None:
    """Convert a scenario between formats (lossless among YAML and JSON)."""
    from accord.outputs import check_output
    from accord.scenario import io as sio

    check_output(dst, force=force, inputs=[src], make_dirs=make_dirs)
    s = load_scenario(src, input_format)
    sio.save(s, dst, output_format, force=force, inputs=[src], make_dirs=make_dirs)
    typer.echo(f"wrote {dst}")


@app.command("models")
def list_models(
    fmt: str = typer.Option("table", "--format", help="table or json"),
) -> None:
    """List the models with their parameters and citations."""
    from accord.models import registry

    check_format(fmt, ("table", "json"))
    specs = registry.all_models()
    if fmt == "json":
        typer.echo(
            dump_json(
                [
                    {
                        "name": m.name,
                        "summary": m.summary,
                        "citation": m.citation,
                        "params": [
                            {
                                "name": p.name,
                                "default": p.default,
                                "doc": p.doc,
                                "choices": list(p.choices) if p.choices else None,
                            }
                            for p in m.params
                        ],
                    }
                    for m in specs
                ]
            )
        )
        return
    con = console()
    for m in specs:
        # wrapped here, with hanging indents, so that lines stay under 80 columns without padding
        con.print(_wrap(f"{m.name}: {m.summary}", 0, 2), style="bold", markup=False)
        con.print(_wrap(m.citation, 2, 2), style="dim", markup=False)
        for p in m.params:
            choices = f" ({'|'.join(map(str, p.choices))})" if p.choices else ""
            default = "auto" if p.default is None else p.default
            con.print(_wrap(f"--param {p.name}={default}{choices}", 2, 4), markup=False)
            con.print(_wrap(p.doc, 6, 6), markup=False)


def _wrap(text: str, indent: int, hanging: int) -> str:
    return textwrap.fill(text, 80, initial_indent=" " * indent, subsequent_indent=" " * hanging)


__all__ = ["forecast_json", "load_scenario"]
