"""``accord report``: the whole analysis of a case as one self-contained HTML file (and figures)."""

from __future__ import annotations

from pathlib import Path

import typer

from accord.cli import app
from accord.cli import options as opt
from accord.cli.analyze import parse_points
from accord.cli.core import INPUT_FORMAT, load_scenario
from accord.cli.output import FORCE, MAKE_DIRS
from accord.errors import InputError
from accord.limits import MAX_SENSITIVITY_DRAWS


@app.command()
def report(
    file: Path = typer.Argument(..., help="Scenario file"),
    output: Path = typer.Option(Path("report.html"), "--output", "-o", help="HTML file to write"),
    figures: Path | None = typer.Option(
        None, "--figures", help="Also write every figure as PNG, SVG and PDF into this folder"
    ),
    draws: int = opt.draws(
        2000, "--draws", "-n", low=0, help="Monte Carlo draws (0: no uncertainty section)"
    ),
    model: list[str] = typer.Option(
        None, "--model", "-m", help="Model to draw in the uncertainty section (repeatable; default all)"
    ),
    noise: float = opt.non_negative(
        0.05,
        "--noise",
        high=10.0,
        help="Standard deviation, as a share of its range, of every value without its own uncertainty",
    ),
    sensitivity_draws: int = opt.count(
        256,
        "--sensitivity-draws",
        low=0,
        high=MAX_SENSITIVITY_DRAWS,
        help="Base draws for the Sobol' indices (0: none)",
    ),
    sensitivity_model: str = typer.Option(
        "compromise",
        "--sensitivity-model",
        help="Model whose inputs the tornado charts rank (the costlier models take minutes)",
    ),
    focal: str | None = typer.Option(
        None, "--focal", help="Actor of the perceptual (quadrant) chart; default the most capable veto player"
    ),
    loss: str = typer.Option("quadratic", "--loss", help="Utility loss: linear or quadratic"),
    point: list[str] = typer.Option(
        None, "--point", help="A point to test, ISSUE=VALUE in scale units (repeatable)"
    ),
    seed: int = opt.seed("Seed: the same seed gives the same report"),
    data: Path | None = typer.Option(
        None,
        "--data",
        help="ETH/PRIO cease-fire data (CSV) for the durability section; default $ACCORD_CEASEFIRE_DATA",
    ),
    pdf: Path | None = typer.Option(
        None, "--pdf", help="Also print the report to this PDF file (needs headless Chromium)"
    ),
    jobs: int | None = opt.jobs(),
    input_format: str | None = INPUT_FORMAT,
    force: bool = FORCE,
    make_dirs: bool = MAKE_DIRS,
) -> None:
    """Write the case as a brief: one self-contained HTML report (optionally PDF), the answer on
    page one, then the evidence: scenario, forecasts, zone, mediation, uncertainty, durability,
    assumptions."""
    from accord.outputs import check_output, write_output  # safe writing (tempfile) loads here

    if loss not in ("linear", "quadratic"):
        raise InputError(f"--loss {loss!r}: expected linear or quadratic")
    for value, name in ((draws, "--draws"), (sensitivity_draws, "--sensitivity-draws")):
        if value < 0:
            raise InputError(f"{name} {value}: must be 0 or more")
    if sensitivity_draws == 1:
        raise InputError("--sensitivity-draws 1: must be 0 or at least 2")
    if noise < 0:
        raise InputError(f"--noise {noise:g}: must be 0 or more")
    inputs = [file, data]
    check_output(output, force=force, inputs=inputs, make_dirs=make_dirs)
    if figures is not None:
        check_figures_folder(figures, force=force, make_dirs=make_dirs)
    if pdf is not None:
        from accord.report.pdf import chromium_path, html_to_pdf

        check_output(pdf, force=force, inputs=inputs, make_dirs=make_dirs)
        if chromium_path() is None:
            html_to_pdf("")  # says what is missing before the analysis runs
    s = load_scenario(file, input_format)
    # the report pulls in matplotlib and every analysis: load it only when it runs
    from accord.report.html import collect, render

    try:
        d = collect(
            s,
            loss=loss,  # type: ignore[arg-type]
            point=parse_points(point, s),
            seed=seed,
            draws=draws,
            models=model or None,
            noise=noise,
            sensitivity_draws=sensitivity_draws,
            sensitivity_model=sensitivity_model,
            ceasefire_data=data,
            focal=focal,
            jobs=jobs,
            figures_dir=figures,
        )
    except InputError as exc:
        if exc.source is None:
            raise InputError(str(exc), source=str(file)) from None
        raise
    html, written = render(d, figures, jobs=jobs)
    write_output(output, html, force=force, inputs=inputs, make_dirs=make_dirs)
    typer.echo(f"wrote {output}" + (f" and {len(written)} figure files in {figures}" if written else ""))
    if pdf is not None:
        write_output(pdf, html_to_pdf(html), force=force, inputs=inputs, make_dirs=make_dirs)
        typer.echo(f"wrote {pdf}")


def check_figures_folder(folder: Path, *, force: bool, make_dirs: bool) -> None:
    """Refuse a --figures folder that would lose files: a non-empty one without --force."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise InputError("--figures: not a folder", source=str(folder))
    if folder.is_dir():
        if not force and any(folder.iterdir()):
            raise InputError("--figures: the folder is not empty; give --force to replace its figures",
                             source=str(folder))
    elif not make_dirs and not folder.parent.is_dir():
        raise InputError(f"--figures: the folder {folder.parent} does not exist; give --make-dirs",
                         source=str(folder))
