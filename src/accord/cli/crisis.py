"""``accord crisis``: solve the scenario's crisis escalation game (SPE, QRE, Monte Carlo, thresholds)."""

from __future__ import annotations

from pathlib import Path

import typer

from accord.cli import app
from accord.cli import options as opt
from accord.cli.output import check_format, dump_json
from accord.errors import InputError


@app.command("crisis")
def crisis_command(
    file: Path = typer.Argument(..., help="Scenario file with a `crisis:` section"),
    draws: int = opt.draws(2000, "--draws", "-n", low=0, help="Monte Carlo draws of the payoffs (0: none)"),
    seed: int = opt.seed(),
    rationality: float | None = opt.non_negative(
        None,
        "--lambda",
        high=1e6,
        help="Override the crisis's rationality lambda (logit QRE)",
        show_default=False,
    ),
    fmt: str = typer.Option("text", "--format", help="text or json"),
) -> None:
    """Who escalates? The crisis game's likely outcome, its equilibrium path and what would change it."""
    check_format(fmt, ("text", "json"))
    from accord.games.crisis import analyze_crisis
    from accord.scenario import io as sio

    scenario = sio.load(file)
    if scenario.crisis is None:
        raise InputError("the scenario has no `crisis` section (see docs/games.md)", source=str(file))
    result = analyze_crisis(scenario, draws=draws, seed=seed, rationality=rationality)
    if fmt == "json":
        typer.echo(dump_json(result.to_dict()))
        return
    lines = [result.summary, ""]
    if result.question:
        lines.append(f"Question: {result.question}")
        lines.append("")
    lam = f"lambda = {result.rationality:g}"
    if result.rationality_range:
        low, high = result.rationality_range
        lam += f"; the Monte Carlo draws lambda on {low:g}..{high:g}"
    lines.append(f"Outcome probabilities (agent logit QRE, {lam}):")
    width = max(len(o) for o in result.outcomes)
    head = f"  {'outcome':{width}}  {'P':>5}"
    if result.mc_mean is not None:
        head += f"  {'MC mean':>7}  {'90% interval':>12}  {'P(SPE)':>6}"
    lines.append(head)
    order = sorted(range(len(result.outcomes)), key=lambda k: -result.qre_probs[k])
    for k in order:
        row = f"  {result.outcomes[k]:{width}}  {result.qre_probs[k]:5.2f}"
        if result.mc_mean is not None and result.mc_low is not None and result.mc_high is not None:
            assert result.mc_spe_freq is not None
            row += (
                f"  {result.mc_mean[k]:7.2f}  {result.mc_low[k]:5.2f}-{result.mc_high[k]:<6.2f}"
                f"  {result.mc_spe_freq[k]:6.2f}"
            )
        lines.append(row)
    if result.mc_mean is not None:
        lines.append(
            f"  (Monte Carlo: {result.draws} draws of the payoffs, seed {result.seed}; "
            "P(SPE): share of draws whose subgame-perfect play ends there)"
        )
    lines.append("")
    lines.append("Subgame-perfect equilibrium path" + ("s:" if len(result.spe_paths) > 1 else ":"))
    for path, outcome in zip(result.spe_paths, result.spe_outcomes, strict=True):
        steps = " -> ".join(f"{who}: {a}" for who, a in path)
        lines.append(f"  {steps} => {outcome}")
    lines.append("")
    lines.append("What it would take (smallest payoff changes that change the SPE outcome; payoff units):")
    wiwt = result.what_it_would_take()
    lines += [f"  - {s}" for s in wiwt] or [
        "  - no single payoff change within twice the payoff spread changes it"
    ]
    lines.append("")
    lines.append("Game tree (choice probabilities under the QRE):")
    lines += [f"  {line}" for line in result.tree_lines()]
    typer.echo("\n".join(lines))
