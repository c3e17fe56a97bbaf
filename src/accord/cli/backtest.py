"""``accord backtest``: score every model against recorded outcomes (DEU), export DEU issues, and
train the learned forecaster."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from accord.cli import app
from accord.cli import options as opt
from accord.cli.output import FORCE, MAKE_DIRS, check_format, console, dump_json, fmt_num
from accord.errors import InputError, ParameterError

if TYPE_CHECKING:
    from accord.evaluation import backtest as bt

backtest_app = typer.Typer(
    help="Score models against recorded outcomes (DEU: EU legislative decisions).",
    no_args_is_help=True,
)
app.add_typer(backtest_app, name="backtest")

CV_NAME = "ensemble-cv"
# the learned forecaster's base models (the keys of accord.evaluation.learn.DEFAULT_BASE; a test
# keeps the two equal, so the CLI need not import the training module to show its help)
BASE_MODELS = "mean,compromise,median,nbs,nbs:worst,eum,eum:paper,smp,exchange"
ANCHOR = "compromise"  # accord.evaluation.learn.ANCHOR, likewise


def _cv_run(
    result: bt.Backtest,
    scenarios: list[Any],
    base: list[str],
    seed: int,
    splits: int,
    min_actors: int,
) -> dict[str, Any]:
    """Add the nested, proposal-grouped cross-validated ensemble as a model row."""
    import numpy as np

    from accord.evaluation import backtest as bt
    from accord.evaluation import learn
    from accord.models import ensemble, registry

    params = {
        m: registry.get(ensemble.base_model_name(m)).resolve(learn.DEFAULT_BASE.get(m, {})) for m in base
    }
    if learn.ANCHOR not in params:
        raise ParameterError(f"--base must include the anchor model {learn.ANCHOR}")
    # reuse the backtest's forecasts of issue-by-issue base models run with the same parameters
    # (joint ones are rerun with one seed for every proposal, as in training)
    known = {
        m: result.runs[m].forecast
        for m in params
        if m in result.runs
        and not result.runs[m].joint
        and result.params.get(m) == params[m]
        and result.info["min_actors"] == min_actors
    }
    data = learn.build_dataset(scenarios, params, min_actors=min_actors, seed=seed, known=known)
    cv = learn.nested_cv(data, ("deu", "generic"), n_outer=splits, n_inner=splits, seed=seed)
    index = {issue: k for k, issue in enumerate(data.issues)}
    forecast = np.full(len(result.issues), np.nan)
    for k, row in enumerate(result.issues):
        j = index.get(row["issue"])
        if j is not None:
            forecast[k] = cv.oof[j] * 100.0
    result.add(bt.ModelRun(CV_NAME, forecast))
    summary = cv.to_json()
    summary["base_models"] = list(params)
    return summary


@backtest_app.command("deu")
def backtest_deu(
    file: Path = typer.Argument(..., help="DEU table (e.g. ../shared/data/deu/deu_dev.tsv)"),
    model: list[str] = typer.Option(
        None,
        "--model",
        "-m",
        help=(
            "Model to score, NAME or NAME:VARIANT (eum:paper); repeatable; default: every model "
            f"and variant, plus {CV_NAME}"
        ),
    ),
    capability: str = typer.Option("equal", "--capability", help="equal, council, population or gdp"),
    institutions: str = typer.Option(
        "largest", "--institutions", help="Commission/Parliament capability: largest, procedure, none"
    ),
    param: list[str] = typer.Option(None, "--param", "-p", help="Model parameter NAME=VALUE; repeatable"),
    joint: list[str] = typer.Option(
        None, "--joint", help="Also run this model per proposal on all its issues (repeatable)"
    ),
    base: str = typer.Option(
        BASE_MODELS,
        "--base",
        help=f"Base models of {CV_NAME} (comma-separated; NAME:LABEL keys as in accord.evaluation.learn)",
    ),
    min_actors: int = opt.count(
        3, "--min-actors", low=1, high=100_000, help="Score issues with at least this many positions"
    ),
    n_boot: int = opt.bootstrap(),
    splits: int = opt.splits(help=f"Cross-validation folds for {CV_NAME}"),
    seed: int = opt.seed("Seed for bootstrap, folds and stochastic models"),
    show_issues: bool = typer.Option(False, "--issues", help="Print the per-issue table (text format)"),
    fmt: str = typer.Option("text", "--format", help="text, json or csv"),
) -> None:
    """Forecast every scorable DEU issue with every model and report each model's error."""
    from accord.evaluation import backtest as bt
    from accord.models import registry
    from accord.scenario.formats import deu

    check_format(fmt, ("text", "json", "csv"))
    parsed = deu.load_file(file, capability=capability, institutions=institutions)
    wanted = list(model or [])
    want_cv = not wanted or CV_NAME in wanted
    names = [m for m in wanted if m != CV_NAME] or None
    if wanted and names is None:
        names = [bt.BASELINE]  # the ensemble's yardstick
    result = bt.run_backtest(
        parsed.scenarios,
        names,
        registry.parse_params(param),
        seed=seed,
        min_actors=min_actors,
        joint=bt.JOINT_MODELS | set(joint or []),
    )
    result.info.update(
        {"file": file.name, "capability": capability, "institutions": institutions, "seed": seed}
    )
    if "ensemble" in result.runs:
        result.info["ensemble_in_sample"] = _in_sample(file)
    if want_cv:
        result.info[CV_NAME] = _cv_run(
            result,
            parsed.scenarios,
            [b.strip() for b in base.split(",") if b.strip()],
            seed,
            splits,
            min_actors,
        )
    if fmt == "json":
        typer.echo(dump_json(result.to_json(n_boot=n_boot, seed=seed)))
    elif fmt == "csv":
        typer.echo(issues_csv(result), nl=False)
    else:
        print_backtest(result, n_boot, seed, show_issues)


def _in_sample(file: Path) -> bool:
    import hashlib

    from accord.models.ensemble import load_parameters

    trained = load_parameters().get("training_data", {})
    return bool(trained.get("sha256") == hashlib.sha256(file.read_bytes()).hexdigest())


def issues_csv(result: bt.Backtest) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = ["issue", "proposal", "procedure", "voting_rule", "era", "n_actors", "status_quo", "outcome"]
    w.writerow(cols + result.models)
    for k, row in enumerate(result.issues):
        values = [row[c] if row[c] is not None else "" for c in cols]
        fc = [
            repr(round(float(r.forecast[k]), 6)) if math.isfinite(r.forecast[k]) else ""
            for r in result.runs.values()
        ]
        w.writerow(values + fc)
    return buf.getvalue()


def print_backtest(result: bt.Backtest, n_boot: int, seed: int, show_issues: bool) -> None:
    from rich.table import Table

    from accord.evaluation import backtest as bt

    con = console()
    info = result.info
    con.print(
        f"[bold]DEU backtest[/] {info.get('file')}: {info['n_issues']} issues in {info['n_proposals']} "
        f"proposals; capability {info.get('capability')}; 95% intervals resample proposals ({n_boot})"
    )
    t = Table(width=80, title_justify="left")
    for name, just in (("model", "left"), ("n", "right"), ("MAE [95% CI]", "right"), ("RMSE", "right")):
        t.add_column(name, justify=just)  # type: ignore[arg-type]
    t.add_column("MedAE", justify="right")
    t.add_column("bias", justify="right")
    t.add_column(f"vs {bt.BASELINE}", justify="right")
    for m in result.models:
        s = result.metrics(m)
        if not s["n"]:
            t.add_row(m, "0", "-", "-", "-", "-", "-")
            continue
        b = result.bootstrap(m, n_boot=n_boot, seed=seed)
        d = b.get(f"mae_minus_{bt.BASELINE}")
        delta = f"{d['estimate']:+.2f} [{d['interval'][0]:+.1f},{d['interval'][1]:+.1f}]" if d else ""
        t.add_row(
            m,
            str(s["n"]),
            f"{s['mae']:.2f} [{b['mae'][0]:.1f},{b['mae'][1]:.1f}]",
            fmt_num(s["rmse"]),
            fmt_num(s["median_ae"]),
            f"{s['bias']:+.2f}",
            delta,
        )
    con.print(t)
    for key, title in (("procedure", "procedure"), ("voting_rule", "voting rule"), ("era", "era")):
        split = result.splits()[key]
        st = Table(title=f"MAE by {title}", title_justify="left", width=80)
        st.add_column("model")
        for label in split:
            n = max((v["n"] for v in split[label].values()), default=0)
            st.add_column(f"{label} (n={n})", justify="right")
        for m in result.models:
            st.add_row(m, *[fmt_num(split[label][m]["mae"]) for label in split])
        con.print(st)
    cv = info.get(CV_NAME)
    if cv:
        cov = ", ".join(f"{float(k) * 100:g}%: {v * 100:.1f}%" for k, v in cv["coverage"].items())
        con.print(
            f"{CV_NAME}: nested cross-validation grouped by proposal ({len(cv['fold_mae'])} folds); "
            f"base models {', '.join(cv['base_models'])}; interval coverage {cov}"
        )
    seconds = info.get("seconds", {})
    if seconds:
        con.print(
            "[dim]seconds: " + ", ".join(f"{m} {v:.2f}" for m, v in seconds.items()) + "[/]", overflow="fold"
        )
    if info.get("ensemble_in_sample"):
        con.print("[yellow]note: ensemble was trained on this file; its row is in-sample[/]")
    skipped = {m: r.skipped for m, r in result.runs.items() if r.skipped}
    for m, why in skipped.items():
        reasons = sorted(set(why.values()))
        con.print(f"[dim]{m} did not run on {len(why)} issue(s): {'; '.join(reasons)[:200]}[/]")
    if show_issues:
        it = Table(title="Per issue", title_justify="left", width=80)
        for c in ("issue", "out", *result.models):
            it.add_column(c, justify="left" if c == "issue" else "right", overflow="fold")
        for k, row in enumerate(result.issues):
            it.add_row(
                row["issue"],
                fmt_num(row["outcome"], 0),
                *[
                    fmt_num(r.forecast[k], 1) if math.isfinite(r.forecast[k]) else "-"
                    for r in result.runs.values()
                ],
            )
        con.print(it)


@backtest_app.command("export")
def export(
    file: Path = typer.Argument(..., help="DEU table"),
    out: Path = typer.Argument(..., help="Output scenario: .yaml, .json or .csv"),
    issue: str = typer.Option(None, "--issue", help="Issue id (isnr), e.g. d00032i1"),
    proposal: str = typer.Option(None, "--proposal", help="Proposal id (prnr): all its issues together"),
    capability: str = typer.Option("equal", "--capability", help="equal, council, population or gdp"),
    institutions: str = typer.Option("largest", "--institutions", help="largest, procedure or none"),
    force: bool = FORCE,
    make_dirs: bool = MAKE_DIRS,
) -> None:
    """Write one DEU issue (or one proposal's issues) as a scenario file for `accord forecast`."""
    if (issue is None) == (proposal is None):
        raise InputError("give exactly one of --issue ID or --proposal ID")
    options: dict[str, Any] = {"capability": capability, "institutions": institutions}
    if issue is not None:
        options["issue"] = issue
    else:
        options["proposal"] = proposal
    from accord.outputs import check_output
    from accord.scenario import io as sio

    check_output(out, force=force, inputs=[file], make_dirs=make_dirs)
    scenario = sio.load(file, "deu", **options)
    sio.save(scenario, out, force=force, inputs=[file], make_dirs=make_dirs)
    typer.echo(f"wrote {out}")


@backtest_app.command("train")
def train(
    file: Path = typer.Argument(..., help="DEU table (e.g. ../shared/data/deu/deu_dev.tsv)"),
    out: Path = typer.Option(..., "--out", "-o", help="Parameter file to write (JSON); required"),
    base: str = typer.Option(
        BASE_MODELS,
        "--base",
        help="Base models: KEY (a model or NAME:LABEL, e.g. eum:paper) or NAME:param=value;param=value",
    ),
    anchor: str = typer.Option(ANCHOR, "--anchor", help="The model whose forecast anchors the ensemble"),
    capability: str = typer.Option("equal", "--capability", help="equal, council, population or gdp"),
    seed: int = opt.seed("Seed for folds and stochastic models"),
    splits: int = opt.splits(help="Cross-validation folds (outer and inner)"),
    force: bool = FORCE,
    make_dirs: bool = MAKE_DIRS,
) -> None:
    """Train the learned forecaster on a DEU file and write its parameters to --out.

    Use them with `accord forecast ... -m ensemble --param params=FILE`. Nothing is written into
    the installed package.
    """
    from accord.evaluation import learn
    from accord.outputs import check_output, write_output

    check_output(out, force=force, inputs=[file], make_dirs=make_dirs)
    trained = learn.train(file, learn.parse_base(base), anchor, capability, n_splits=splits, seed=seed)
    write_output(out, json.dumps(trained, indent=1) + "\n", force=force, inputs=[file], make_dirs=make_dirs)
    for variant, spec in trained["variants"].items():
        cv = spec.get("nested_cv", {})
        typer.echo(
            f"{variant}: learner {spec['learner']['kind']}; nested CV MAE {fmt_num(cv.get('mae'))} points "
            f"(anchor {fmt_num(cv.get('anchor_mae'))} points); interval coverage {cv.get('coverage')}"
        )
    typer.echo(f"wrote {out}")
