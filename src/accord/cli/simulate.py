"""``accord simulate``: forecasts under uncertainty (Monte Carlo, sensitivity, Dask scale-out)."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from accord.cli import app
from accord.cli import options as opt
from accord.cli.core import INPUT_FORMAT, load_scenario
from accord.cli.output import check_format, console, dump_json, fmt_num
from accord.errors import InputError
from accord.limits import MAX_DRAWS, MAX_SENSITIVITY_DRAWS

if TYPE_CHECKING:
    from accord.uncertainty.distributed import RichProgress
    from accord.uncertainty.sensitivity import Sensitivity
    from accord.uncertainty.simulation import Simulation

SPARK = " ▁▂▃▄▅▆▇█"
TOP = 8


@app.command("simulate")
def simulate_command(
    file: Path = typer.Argument(..., help="Scenario file"),
    draws: int = opt.draws(1000, "--draws", "-n"),
    model: list[str] = typer.Option(
        None, "--model", "-m", help="Model to run (repeatable; default: every model that applies)"
    ),
    param: list[str] = typer.Option(
        None, "--param", "-p", help="Model parameter NAME=VALUE (or MODEL.NAME=VALUE); repeatable"
    ),
    seed: int = opt.seed(),
    noise: float = opt.non_negative(
        0.0,
        "--noise",
        high=10.0,
        help="Default sd, as a fraction of each value's range, for values without their own uncertainty",
    ),
    workers: int | None = opt.workers(),
    jobs: int | None = opt.jobs(),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Run on the Dask cluster at this scheduler address (tcp://host:8786)"
    ),
    chunk_blocks: int | None = opt.count(
        None,
        "--chunk-blocks",
        low=1,
        high=MAX_DRAWS,
        help="Blocks of draws per task (does not change the numbers)",
    ),
    with_sensitivity: bool = typer.Option(
        False, "--sensitivity", help="Also rank the inputs by Sobol' first-order and total indices"
    ),
    sensitivity_draws: int = opt.count(
        512,
        "--sensitivity-draws",
        low=2,
        high=MAX_SENSITIVITY_DRAWS,
        help="Base draws for the sensitivity indices (each costs k + 2 runs)",
    ),
    bins: int = opt.bins(),
    fmt: str = typer.Option("text", "--format", help="text or json"),
    progress: bool | None = typer.Option(
        None, "--progress/--no-progress", help="Progress bar on stderr (default: when it is a terminal)"
    ),
    input_format: str | None = INPUT_FORMAT,
) -> None:
    """Forecast under uncertainty: outcome distributions, acceptance odds and what drives them."""
    check_format(fmt, ("text", "json"))
    if workers is not None and scheduler is not None:
        raise InputError("give either --workers or --scheduler, not both")
    if jobs is not None and (workers is not None or scheduler is not None):
        raise InputError("give either --jobs (this machine, no Dask) or --workers/--scheduler, not both")
    # argument errors before any cluster starts
    for value, least, option in (
        (draws, 1, "--draws"),
        (bins, 1, "--bins"),
        (sensitivity_draws, 2, "--sensitivity-draws"),
        (chunk_blocks if chunk_blocks is not None else 1, 1, "--chunk-blocks"),
        (workers if workers is not None else 1, 1, "--workers"),
        (jobs if jobs is not None else 1, 1, "--jobs"),
    ):
        if value < least:
            raise InputError(f"{option} {value}: must be at least {least}")
    # the Monte Carlo machinery (scipy, and Dask when asked for) loads only when it runs
    from accord.forecast import scenario_json
    from accord.models import registry
    from accord.uncertainty.distributed import RichProgress, connect, local_cluster
    from accord.uncertainty.draws import uncertain_inputs
    from accord.uncertainty.sensitivity import sensitivity, simulate_with_sensitivity
    from accord.uncertainty.simulation import simulate

    s = load_scenario(file, input_format)
    params = registry.parse_params(param)
    inputs = uncertain_inputs(s, noise)
    if with_sensitivity and inputs.k == 0:
        raise InputError("--sensitivity: no input is uncertain (give uncertainty entries or --noise)")
    cluster: AbstractContextManager[Any]
    if workers is not None:
        cluster = local_cluster(workers)
    elif scheduler is not None:
        cluster = connect(scheduler)
    else:
        cluster = nullcontext(None)
    sens: Sensitivity | None = None
    # --no-progress: no bar, and Rich's progress module (about 0.06 s) is not imported
    shown: AbstractContextManager[RichProgress | None] = (
        nullcontext(None) if progress is False else RichProgress("draws", enabled=progress)
    )
    with cluster as client, shown as bar:
        if with_sensitivity and client is None:
            # one set of local processes for both: the design's long tasks beside the draws
            if bar is not None:
                bar.description = "draws and sensitivity"
            sim, sens = simulate_with_sensitivity(
                s,
                draws,
                sensitivity_draws,
                model or None,
                params,
                seed=seed,
                noise=noise,
                jobs=jobs,
                chunk_blocks=chunk_blocks,
                progress=bar,
            )
        else:
            sim = simulate(
                s,
                draws,
                model or None,
                params,
                seed=seed,
                noise=noise,
                client=client,
                jobs=jobs,
                chunk_blocks=chunk_blocks,
                progress=bar,
            )
        if with_sensitivity and sens is None:
            if bar is not None:
                bar.description = "sensitivity"
            sens = sensitivity(
                s,
                sensitivity_draws,
                [m.name for m in sim.models],
                params,
                seed=seed,
                noise=noise,
                client=client,
                jobs=jobs,
                chunk_blocks=chunk_blocks,
                progress=bar,
                point=sim.point,
            )
    if fmt == "json":
        out = {
            "scenario": scenario_json(s),
            "simulation": sim.to_json(bins),
            "sensitivity": sens.to_json() if sens is not None else None,
        }
        typer.echo(dump_json(out))
    else:
        print_simulation(sim, bins)
        if sens is not None:
            print_sensitivity(sens)


def sparkline(counts: list[int], width: int = 10) -> str:
    """A histogram as block characters, ``width`` cells (adjacent bins merged)."""
    if not counts:
        return ""
    per = max(1, -(-len(counts) // width))
    cells = [sum(counts[k : k + per]) for k in range(0, len(counts), per)]
    top = max(cells) or 1
    return "".join(SPARK[round(c / top * (len(SPARK) - 1))] for c in cells)


def _pct(p: float | None) -> str:
    return "-" if p is None else f"{100 * p:.1f}%"


def _declared(sim: Simulation) -> tuple[str, ...]:
    from accord.uncertainty.draws import uncertain_inputs

    return uncertain_inputs(sim.scenario, 0.0).names


def print_simulation(sim: Simulation, bins: int) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from accord.case.defaults import DEFAULT_NOISE

    con = console()
    data = sim.to_json(bins)
    declared = sum(1 for _ in _declared(sim))
    con.print(
        f"[bold]{escape(sim.scenario.name)}[/]: {sim.draws} draws, seed {sim.seed}, noise {sim.noise:g}, "
        f"{sim.inputs.k} uncertain inputs ({declared} declared in the scenario)"
    )
    if sim.noise != DEFAULT_NOISE:
        con.print(
            f"[dim]note: accord analyze and accord report draw every value without its own uncertainty "
            f"with --noise {DEFAULT_NOISE:g} by default; this run uses {sim.noise:g}[/]"
        )
    for issue in sim.scenario.issues:
        sc = issue.scale
        t = Table(
            title=escape(
                f"{issue.name or issue.id}  ({sc.min:g} {sc.min_label} .. {sc.max:g} {sc.max_label})"
            ),
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        t.add_column("model")
        for head in ("point", "mean", "5%", "25%", "50%", "75%", "95%"):
            t.add_column(head, justify="right")
        t.add_column("histogram")
        for name, m in data["models"].items():
            if "skipped" in m:
                continue
            d = m["issues"][issue.id]
            q = d["quantiles"]
            t.add_row(
                escape(name),
                fmt_num(m["point"][issue.id], 1),
                fmt_num(d["mean"], 1),
                *(fmt_num(q[k], 1) for k in ("5", "25", "50", "75", "95")),
                sparkline(d.get("counts", [])),
            )
        con.print(t)
    con.print("[bold]Probabilities across draws[/]")
    zone = data["zone_exists"]
    con.print(
        f"  a zone of agreement exists: {_pct(zone['probability'])}"
        + (f" [dim]({zone['note']})[/]" if zone["note"] else "")
    )
    for pid, p in data["proposals"].items():
        con.print(
            f"  proposal {escape(pid)} accepted by every veto player: {_pct(p['accepted_by_all_veto'])}"
        )
    for name, m in data["models"].items():
        if "skipped" not in m:
            p_ok = _pct(m["point_acceptable"])
            con.print(f"  {escape(name)} point forecast stays acceptable to every veto player: {p_ok}")
    if data["acceptance_note"]:
        con.print(f"  [dim]acceptance not judged: {escape(data['acceptance_note'])}[/]")
    skipped = [escape(f"{n} ({m['skipped']})") for n, m in data["models"].items() if "skipped" in m]
    if skipped:
        con.print("[dim]not run: " + "; ".join(skipped) + "[/]")


MATTERS = 0.05  # a total Sobol' index at least this large: the input matters for that model


def print_sensitivity(sens: Sensitivity) -> None:
    """Per issue, one table: the inputs that matter across the models, ranked by their largest
    total index, with the model where it is largest and the outcome there with the input at its
    5% / 95% quantile, and every model in which it matters."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    con = console()
    con.print(
        f"[bold]Sensitivity[/]: Sobol' indices from {sens.n} base draws "
        f"({sens.n * (sens.inputs.k + 2)} runs per model). Per issue, the inputs that matter across "
        f"the models (total index ST >= {MATTERS:g} in at least one); outcome with the input at its "
        "5% / 95% quantile in the model where ST is largest.",
    )
    models = [m.name for m in sens.models]
    for issue in sens.problem.issue_ids:
        rows: dict[str, list[tuple[float, str, dict[str, Any]]]] = {}
        for m in models:
            for row in sens.ranking(m, issue):
                rows.setdefault(row["input"], []).append((float(row["ST"] or 0.0), m, row))
        ranked = sorted(rows.items(), key=lambda kv: -max(st for st, _, _ in kv[1]))
        ranked = [(k, v) for k, v in ranked if max(st for st, _, _ in v) >= MATTERS][:TOP]
        t = Table(title=escape(issue), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, width=78)
        t.add_column("input", overflow="fold", ratio=3)
        t.add_column("ST", justify="right")
        t.add_column("in model", overflow="fold")
        t.add_column("at 5%", justify="right")
        t.add_column("at 95%", justify="right")
        t.add_column("matters in", overflow="fold", ratio=3)
        for name, per_model in ranked:
            st, m, row = max(per_model, key=lambda x: x[0])
            t.add_row(
                escape(name.replace(f",{issue}]", "]")),  # the issue is in the title
                fmt_num(st),
                escape(m),
                fmt_num(row["low"], 1),
                fmt_num(row["high"], 1),
                escape(", ".join(mm for s_, mm, _ in per_model if s_ >= MATTERS)),
            )
        if not ranked:
            con.print(f"[dim]{escape(issue)}: no input reaches ST {MATTERS:g} in any model[/]")
            continue
        con.print(t)
