"""``accord report``: one self-contained HTML file, a brief: the answer on page one, then the evidence.

:func:`collect` runs the analyses once (the forecasts, the Monte Carlo run, the sensitivity
ranking, the figure grids) and builds the one :class:`~accord.case.CaseAnalysis` from them;
:func:`render` turns that into HTML, every figure inline as SVG (no script, no network resource),
optionally writing every figure as PNG, SVG and PDF too. The summary (:func:`summary_html`) is the
same fragment the browser pages and Jupyter show. The sections, in order: the answer, scenario,
forecasts, agreement (who wants a deal; the zone or the gap), mediation, uncertainty (and
sensitivity), durability, assumptions and citations. All scenario text is escaped.
"""

from __future__ import annotations

import os
import string
from collections.abc import Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from accord import __version__
from accord.bargaining.utility import Loss
from accord.bargaining.zone_grid import ZoneGrid, margin_grid, most_contested
from accord.case import CaseAnalysis, analyze_case, human_days, summary_lines
from accord.errors import InputError, ParameterError
from accord.forecast import Forecast, run_forecasts
from accord.models import registry
from accord.models.eum import PairData, pair_data
from accord.problem import Problem, to_problem
from accord.report import adapters as ad
from accord.report import figures as fg
from accord.scenario.model import Scenario
from accord.uncertainty.distributed import (
    Chunk,
    LocalProcesses,
    Work,
    early_processes,
    resolve_jobs,
    run_works,
    start_method,
)
from accord.uncertainty.draws import BLOCK_SIZE
from accord.uncertainty.sensitivity import Sensitivity, plan_sensitivity
from accord.uncertainty.simulation import Simulation, plan_simulation, worker_warmup

# the sections of the report, in order: (id, heading)
SECTIONS: tuple[tuple[str, str], ...] = (
    ("scenario", "1. The scenario"),
    ("forecasts", "2. The forecasts"),
    ("agreement", "3. Who wants a deal: the zone or the gap"),
    ("mediation", "4. What a mediator could table"),
    ("uncertainty", "5. Uncertainty and sensitivity"),
    ("durability", "6. Would it hold?"),
    ("assumptions", "7. Assumptions and sources"),
)


@dataclass
class Drawn:
    """A plate drawn: its SVG markup (ids not yet prefixed) and the files written for it."""

    name: str
    title: str
    caption: str
    svg: str
    written: list[Path]


@dataclass
class ReportData:
    """The analysis objects one report is rendered from (nothing else is computed later)."""

    scenario: Scenario
    case: CaseAnalysis
    forecasts: dict[str, Forecast]
    settings: dict[str, Any]
    simulation: dict[str, Any] | None = None
    sensitivity: dict[str, Any] | None = None
    sensitivity_model: str | None = None
    zone: ZoneGrid | None = None
    pairs: PairData | None = None
    focal: str | None = None
    quadrant_issue: str | None = None
    simulation_error: str | None = None
    notes: list[str] = field(default_factory=list)
    drawn: dict[tuple[str, ...], Drawn] = field(default_factory=dict)
    """Figures already drawn (beside the draws, :func:`collect`), by :meth:`Figures.key`."""

    @property
    def agreement_error(self) -> str | None:
        return self.case.agreement_error

    @property
    def durability(self) -> Any:
        return self.case.durability


def collect(
    scenario: Scenario,
    *,
    loss: Loss = "quadratic",
    point: dict[str, float] | None = None,
    seed: int = 0,
    draws: int = 2000,
    models: list[str] | None = None,
    noise: float = 0.05,
    sensitivity_draws: int = 256,
    sensitivity_model: str | None = "compromise",
    ceasefire_data: str | os.PathLike[str] | None = None,
    focal: str | None = None,
    jobs: int | None = 1,
    figures_dir: str | os.PathLike[str] | None = None,
) -> ReportData:
    """Run every analysis the report shows, once. ``models``: the models drawn in the Monte Carlo
    section (default every model that applies); ``draws`` 0 skips that section,
    ``sensitivity_draws`` 0 the Sobol' indices; ``focal`` is the actor of the perceptual chart
    (default: the most capable veto player); ``jobs``: local processes for the draws (None: every
    usable core; the numbers do not change). On two processes or more the figures that need only
    the forecasts are drawn beside the draws (``figures_dir``: where :func:`render` will write
    the figure files, if anywhere)."""
    for name in models or []:
        registry.get(name)  # an unknown name fails before anything runs
    if focal is not None and focal not in scenario.actor_ids:
        raise InputError(f"--focal {focal!r}: unknown actor (actors: {', '.join(scenario.actor_ids)})")
    problem = to_problem(scenario)
    with ExitStack() as stack:
        # the processes start (the first loads the draws' scipy.special, and numba where the
        # models will, then forks the others) while this one makes the point forecasts
        started = (
            stack.enter_context(
                early_processes(jobs, worker_warmup(scenario, models, min(draws, BLOCK_SIZE)))
            )
            if draws > 0
            else None
        )
        data = _collect(
            scenario, problem, started,
            loss=loss, point=point, seed=seed, draws=draws, models=models, noise=noise,
            sensitivity_draws=sensitivity_draws, sensitivity_model=sensitivity_model,
            ceasefire_data=ceasefire_data, focal=focal, jobs=jobs, figures_dir=figures_dir,
        )  # fmt: skip
    return data


def _collect(
    scenario: Scenario,
    problem: Problem,
    started: LocalProcesses | None,
    *,
    loss: Loss,
    point: dict[str, float] | None,
    seed: int,
    draws: int,
    models: list[str] | None,
    noise: float,
    sensitivity_draws: int,
    sensitivity_model: str | None,
    ceasefire_data: str | os.PathLike[str] | None,
    focal: str | None,
    jobs: int | None,
    figures_dir: str | os.PathLike[str] | None,
) -> ReportData:
    """:func:`collect` on the processes ``started`` ahead (None: started by the pool, if any)."""
    forecasts = run_forecasts(scenario, seed=seed)
    if started is not None and loss == "linear":
        # the linear loss's programs need scipy.optimize (the quadratic loss's own solver does
        # not): loaded while the first process loads numba, since after the draws this one runs alone
        import scipy.optimize  # noqa: F401
    early = ReportData(scenario=scenario, case=None, forecasts=forecasts, settings={})  # type: ignore[arg-type,unused-ignore]
    eum = forecasts.get("eum")
    if eum is not None and eum.skipped is None:
        early.pairs = pair_data(problem, **eum.params)
        veto = [a for a in scenario.actors if a.has_veto] or list(scenario.actors)
        early.focal = focal or max(veto, key=lambda a: a.capability).id
        early.quadrant_issue = most_contested(problem, 1)[0]
    sim: Simulation | None = None
    sens: Sensitivity | None = None
    sens_model: str | None = None
    simulation_error: str | None = None
    notes: list[str] = []
    drawn: dict[tuple[str, ...], Drawn] = {}
    figures = Figures(Path(figures_dir) if figures_dir is not None else None)
    if draws > 0:
        try:
            planned = plan_simulation(
                scenario,
                draws,
                models=models,
                seed=seed,
                noise=noise,
                loss=loss,
                jobs=jobs,
                forecasts=forecasts,  # the point forecasts are these: not made twice
            )
            works = [planned.work]
            k = planned.simulation.inputs.k
            names = [m.name for m in planned.simulation.models]
            model = sensitivity_model if sensitivity_model in names else (names[0] if names else None)
            planned_sens = None
            if sensitivity_draws > 0 and k > 0 and model is not None:
                planned_sens = plan_sensitivity(
                    scenario, sensitivity_draws, models=[model], seed=seed, noise=noise, jobs=jobs
                )
                works.extend(planned_sens.works)
            elif sensitivity_draws > 0 and k == 0:
                notes.append(
                    "No input is uncertain (no uncertainty entries and --noise 0): no sensitivity ranking."
                )
            if resolve_jobs(jobs) > 1 and start_method() == "fork":  # as Figures.draw
                _forecast_figures(early, figures)  # drawn beside the draws, where a process is free
                works.append(figures.work())
            res = run_works(works, jobs=jobs, started=started)
        except ParameterError:
            raise  # the user's --model does not apply: say so, as accord simulate does
        except InputError as exc:
            # e.g. an uncertainty range wholly outside its value's scale: the section says why
            # instead of failing the report
            simulation_error = str(exc)
        else:
            sim = planned.finish(res[0])
            if planned_sens is not None:
                sens, sens_model = planned_sens.finish(res[1:3]), model
            if figures.asked:
                drawn = figures.keep(res[-1])
    case = analyze_case(
        scenario,
        loss=loss,
        points=point,
        draws=0,
        seed=seed,
        noise=noise,
        ceasefire_data=ceasefire_data,
        forecasts=forecasts,
        simulation=sim,
    )
    settings: dict[str, Any] = {
        "loss": loss,
        "seed": seed,
        "draws": draws,
        "models": models,
        "noise": noise,
        "sensitivity_draws": sensitivity_draws,
        "sensitivity_model": sensitivity_model,
        "ceasefire_data": case.settings.ceasefire_data,
    }
    data = ReportData(
        scenario=scenario,
        case=case,
        forecasts=forecasts,
        settings=settings,
        simulation_error=simulation_error,
        pairs=early.pairs,
        focal=early.focal,
        quadrant_issue=early.quadrant_issue,
        drawn=drawn,
    )
    if case.zone is not None and problem.n_issues >= 2 and case.zone.veto_players:
        ix, iy = most_contested(problem, 2)
        data.zone = margin_grid(problem, ix, iy, case.zone.maximin_point, loss)
    if sim is not None:
        data.simulation = sim.to_json()
        if sens is not None:
            data.sensitivity = sens.to_json()
            data.sensitivity_model = sens_model
        data.notes.extend(notes)
    return data


# ----------------------------------------------------------------------------------------------
# HTML helpers
# ----------------------------------------------------------------------------------------------


def e(value: Any) -> str:
    """Escaped text of any value."""
    return escape("" if value is None else str(value), quote=True)


def num(v: Any, digits: int = 1) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int | float):
        return f"{v:.{digits}f}"
    return e(v)


def pct(v: Any) -> str:
    return "–" if v is None else f"{100 * float(v):.0f}%"


def table(head: Sequence[str], rows: Iterable[Sequence[str]], caption: str = "", cls: str = "") -> str:
    """A table; ``head`` is escaped, ``rows`` are already HTML (escape cell text with :func:`e`)."""
    out = [f'<table class="{e(cls)}">' if cls else "<table>"]
    if caption:
        out.append(f"<caption>{e(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr></thead><tbody>")
    for r in rows:
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def paragraphs(lines: Iterable[str]) -> str:
    return "\n".join(f"<p>{e(x)}</p>" for x in lines)


# rough CPU seconds of each kind of plate (drawing and SVG): they only order the drawing tasks
# on local processes, costliest first
PLATE_COST = {
    "forecasts_plate": 2.2,
    "quadrant_plate": 1.0,
    "zone_plate": 0.8,
    "trajectory_plate": 0.7,
    "distributions_plate": 0.7,
    "acceptance_plate": 0.5,
    "tornado_plate": 0.4,
}

# a figure's place in the page until it is drawn: a tag no escaped text can contain
_PLACE = "<accord-figure {}>"


class Figures:
    """The report's figures. A section asks for plates with :meth:`later` (the adapter that makes
    them and its arguments) and puts the placeholder it gets in its HTML; :meth:`draw` then makes
    every plate, in this process or on local processes (each drawing is independent), and
    :meth:`fill` puts the figures in, numbered in the order they were asked for. With
    ``directory``, each plate is also written as PNG, SVG and PDF."""

    def __init__(self, directory: Path | None, ready: Mapping[tuple[str, ...], Drawn] | None = None) -> None:
        self.directory = directory
        self.written: list[Path] = []
        self.asked: list[tuple[Any, tuple[Any, ...]]] = []
        self.drawn: list[Drawn] = []
        self.ready = dict(ready or {})

    @staticmethod
    def key(make: Any, args: Sequence[Any]) -> tuple[str, ...]:
        """What names a plate: the adapter and its text arguments (a model, an actor, an issue)."""
        return (make.__name__, *(a for a in args if isinstance(a, str)))

    def later(self, make: Any, *args: Any) -> str:
        """A placeholder for the plate ``make(*args)`` returns (or the one drawn already, ``ready``)."""
        self.asked.append((make, args))
        return _PLACE.format(len(self.asked) - 1)

    def work(self) -> Work:
        """Drawing every plate asked for, as blocks (one per plate) for local processes."""
        return Work(_draw_blocks, self, len(self.asked), None, _plate_cost)

    def keep(self, res: Chunk) -> dict[tuple[str, ...], Drawn]:
        """The plates drawn by :meth:`work` (its joined result ``res``), by :meth:`key`."""
        return {self.key(*asked): d for asked, d in zip(self.asked, res["drawn"], strict=True)}

    def draw_one(self, k: int) -> Drawn:
        """Make the plate asked for ``k``-th: its SVG markup and, with a directory, its files."""
        make, args = self.asked[k]
        plate = make(*args)
        written: list[Path] = []
        svg = None
        if self.directory is not None:
            from accord.outputs import write_output

            # the SVG file is drawn at 200 dpi, the page's at the figure's: the same markup unless
            # something is rasterised, so it is drawn once where nothing is
            reuse = fg.dpi_free(plate.figure)
            for suffix in fg.FORMATS:
                data = fg.figure_bytes(plate.figure, suffix)
                path = self.directory / f"{plate.name}{suffix}"
                write_output(path, data, force=True, make_dirs=True)
                written.append(path)
                if suffix == ".svg" and reuse:
                    svg = fg.svg_markup(data)
        if svg is None:
            svg = fg.svg_text(plate.figure)
        else:
            fg.plt.close(plate.figure)
        return Drawn(plate.name, plate.title, plate.caption, svg, written)

    def draw(self, jobs: int | None = 1) -> None:
        """Make every plate asked for: on ``jobs`` local processes (None: every usable core where
        processes fork; they inherit the analysis), else here. The SVG is the same either way."""
        from accord.uncertainty.distributed import local_processes

        drawn = {k: self.ready[self.key(*a)] for k, a in enumerate(self.asked) if self.key(*a) in self.ready}
        todo = [k for k in range(len(self.asked)) if k not in drawn]
        processes = min(resolve_jobs(jobs), len(todo))
        # spawned workers would need every argument pickled: processes only where they fork
        if processes <= 1 or start_method() != "fork":
            drawn.update((k, self.draw_one(k)) for k in todo)
        else:
            todo.sort(key=lambda k: -_plate_cost(self, k, k + 1))
            tasks = [(0, k, k + 1) for k in todo]
            for _, k, _, part in local_processes([(_draw_task, self)], tasks, processes):
                drawn[k] = part
        self.drawn = [drawn[k] for k in range(len(self.asked))]

    def fill(self, html: str) -> str:
        """``html`` with every placeholder replaced by its figures, numbered in order."""
        for k, d in enumerate(self.drawn):
            count = k + 1
            self.written.extend(d.written)
            svg = fg.prefixed_ids(d.svg, f"f{count}-")
            figure = (
                f'<figure id="fig-{e(d.name)}">\n<div class="svg">{svg}</div>\n'
                f"<figcaption><strong>Figure {count}. {e(d.title)}.</strong> "
                f"{e(d.caption)}</figcaption>\n"
                "</figure>"
            )
            html = html.replace(_PLACE.format(k), figure, 1)
        return html


def _plate_cost(figures: Figures, start: int, stop: int) -> float:
    """Rough CPU seconds of drawing the plates asked for ``start..stop``: orders tasks only."""
    return sum(PLATE_COST.get(make.__name__, 0.5) for make, _ in figures.asked[start:stop])


def _draw_blocks(figures: Figures, start: int, stop: int) -> Chunk:
    """The plates asked for ``start..stop``, drawn: ``"drawn"``, an object array of :class:`Drawn`."""
    out = np.empty(stop - start, dtype=object)
    for k in range(start, stop):
        out[k - start] = figures.draw_one(k)
    return {"drawn": out}


def _draw_task(figures: Figures, start: int, stop: int) -> Drawn:
    """A local worker's task: the plate asked for ``start``-th (``stop`` is ``start + 1``)."""
    return figures.draw_one(start)


def _only(make: Any, *args: Any) -> ad.Plate:
    """The one plate of the list ``make(*args)`` returns."""
    [plate] = make(*args)
    return plate


# ----------------------------------------------------------------------------------------------
# sections
# ----------------------------------------------------------------------------------------------


def summary_html(case: CaseAnalysis) -> str:
    """The summary of a case analysis as an HTML fragment (escaped): the verdict first, then its
    confidence, what it takes, what to table, whether it would hold and the caveats. The report's
    page one, Jupyter's ``_repr_html_`` and the browser pages show this fragment."""
    names = {a.id: a.name for a in case.actors}
    issues = {i.id: i for i in case.issues}
    lines = summary_lines(case.summary, names, issues)
    verdict = lines[0][1]
    ok = case.summary.deal_possible
    cls = "yes" if ok else ("no" if ok is False else "unknown")
    items = []
    for head, text in lines[1:]:
        items.append(f'<li><span class="head">{e(head)}:</span> {e(text)}</li>')
    return (
        f'<div class="summary verdict-{cls}">\n'
        f'<p class="verdict"><strong>Verdict:</strong> {e(verdict)}</p>\n'
        + ("<ul>\n" + "\n".join(items) + "\n</ul>\n" if items else "")
        + "</div>"
    )


def _scenario(d: ReportData) -> str:
    s = d.scenario
    case = d.case
    parts = []
    if s.description:
        parts.append(f"<p>{e(s.description)}</p>")
    rows = []
    for a, info in zip(s.actors, case.actors, strict=True):
        if case.zone is not None:
            reservation = (
                num(info.reservation, 3) + f' <span class="muted">({e(info.reservation_source)})</span>'
            )
        else:
            reservation = '<span class="muted">–</span>'
        rows.append([e(a.label), e(a.role), num(a.capability, 0), "yes" if a.has_veto else "no", reservation])
    parts.append(
        table(
            ["actor", "role", "capability", "veto", "reservation utility (source)"],
            rows,
            "Actors: capability (the scenario's scale), veto, and what each gets without a deal.",
        )
    )
    irows = []
    for i in s.issues:
        sc = i.scale
        irows.append(
            [
                e(i.name or i.id),
                f"{sc.min:g} = {e(sc.min_label)}<br>{sc.max:g} = {e(sc.max_label)}",
                e(sc.unit),
                num(i.status_quo, 1),
            ]
        )
    parts.append(table(["issue", "scale", "unit", "status quo"], irows, "Issues, each on its own scale."))
    prow = []
    for a in s.actors:
        cells = [e(a.label)]
        for i in s.issues:
            st = a.positions.get(i.id)
            cells.append(
                "–" if st is None else f'{st.position:g} <span class="muted">({st.salience:g})</span>'
            )
        prow.append(cells)
    parts.append(
        table(
            ["actor", *[i.name or i.id for i in s.issues]],
            prow,
            f"Positions (salience on 0-{s.salience_scale:g} in brackets); – = no position.",
            cls="positions",
        )
    )
    if s.proposals:
        rows = [
            [e(p.name or p.id), e(", ".join(p.tabled_by))] + [num(p.point.get(i.id), 1) for i in s.issues]
            for p in s.proposals
        ]
        parts.append(
            table(
                ["proposal", "tabled by", *[i.name or i.id for i in s.issues]],
                rows,
                "Proposals on the table.",
            )
        )
    if s.sources:
        parts.append("<p>Sources:</p><ul>" + "".join(f"<li>{e(x)}</li>" for x in s.sources) + "</ul>")
    return "\n".join(parts)


def _forecasts(d: ReportData, fig: Figures) -> str:
    s = d.scenario
    rows = []
    for f in d.case.forecasts:
        if f.outcome is None:
            skipped = f'<span class="muted">skipped: {e(f.skipped)}</span>'
            rows.append([e(f.model), skipped] + [""] * (len(s.issues) - 1))
        else:
            rows.append([e(f.model)] + [num(f.outcome.get(i.id), 1) for i in s.issues])
    recorded = [i for i in s.issues if i.outcome is not None]
    if recorded:
        rows.append(["<i>recorded outcome</i>"] + [num(i.outcome, 1) for i in s.issues])
    parts = [
        table(
            ["model", *[i.name or i.id for i in s.issues]], rows, "Forecast outcome per model (scale units)."
        )
    ]
    sq_notes = [
        f"<li>{e(f.model)} equals the status quo on {e(sq.issue)}: {e(sq.why)}.</li>"
        for f in d.case.forecasts
        for sq in f.at_status_quo
    ]
    if sq_notes:
        parts.append("<ul>" + "".join(sq_notes) + "</ul>")
    parts.extend(_forecast_figures(d, fig))
    return "\n".join(parts)


def _forecast_figures(d: ReportData, fig: Figures) -> list[str]:
    """The forecasts section's plates (they need the forecasts alone), asked of ``fig``."""
    s = d.scenario
    parts = [fig.later(ad.forecasts_plate, s, d.forecasts)]
    for name, f in d.forecasts.items():
        if ad.trajectory_panels(s, f) is not None:
            parts.append(fig.later(ad.trajectory_plate, s, name, f))
    if d.pairs is not None and d.focal is not None and d.quadrant_issue is not None:
        if ad.quadrant_others(d.pairs, d.focal, d.quadrant_issue):
            parts.append(fig.later(ad.quadrant_plate, s, d.pairs, d.focal, d.quadrant_issue))
    return parts


def _no_agreement(d: ReportData) -> str:
    return f"<p>No agreement analysis: {e(d.agreement_error)}.</p>"


def _agreement(d: ReportData, fig: Figures) -> str:
    s, case = d.scenario, d.case
    z = case.zone
    if z is None:
        return _no_agreement(d)
    name = {a.id: a.name for a in case.actors}
    parts = [f'<div class="answer">{paragraphs(case.answer)}</div>', fig.later(ad.acceptance_plate, s, case)]
    rows = [[e(name[a]), num(v, 3)] for a, v in z.margins.items()]
    mp = ", ".join(f"{e(s.issue(i).name or i)} {v:.1f}" for i, v in z.maximin_point.items())
    parts.append(f"<p>The maximin deal ({mp}) gives each veto player the margin below.</p>")
    parts.append(table(["veto player", "margin at the maximin deal"], rows))
    if z.extent is not None:
        rows = [[e(s.issue(i).name or i), num(v.min), num(v.max)] for i, v in z.extent.items()]
        parts.append(table(["issue", "zone from", "to"], rows, "Extent of the zone on each issue."))
    elif z.gap is not None:
        g = z.gap
        rows = [[e(name[a]), num(v, 3)] for a, v in g.by_actor.items()]
        parts.append(
            table(
                ["veto player", "share of the least total concession (utility)"],
                rows,
                f"The gap: uniform concession {g.uniform_concession:.3f}; least total concession "
                f"{g.least_total_concession:.3f} utility.",
            )
        )
    if d.zone is not None:
        parts.append(fig.later(ad.zone_plate, s, case, d.zone))
    if case.notes:
        parts.append("<p>Notes:</p><ul>" + "".join(f"<li>{e(n)}</li>" for n in case.notes) + "</ul>")
    return "\n".join(parts)


def _acc_cells(acc: Any, names: dict[str, str]) -> list[str]:
    rejecting = ", ".join(names[a] for a in acc.rejecting_veto)
    return ["yes" if acc.all_veto_accept else "no", e(rejecting) or "–", pct(acc.support)]


def _mediation(d: ReportData) -> str:
    s, case = d.scenario, d.case
    if case.zone is None:
        return _no_agreement(d)
    names = {a.id: a.name for a in case.actors}
    rows = []
    for m in case.mediator:
        pt = "<br>".join(f"{e(s.issue(i).name or i)}: {v:.1f}" for i, v in m.point.items())
        rows.append([e(m.method), pt, *_acc_cells(m.acceptance, names), e(m.note)])
    for key in ("veto_nash", "most_support"):
        if all(m.key != key for m in case.mediator):
            rows.append([e(key), '<span class="muted">none (no zone)</span>', "", "", "", ""])
    parts = [
        table(
            ["candidate", "point", "all veto players accept", "rejected by", "support", "note"],
            rows,
            "Deals a mediator could table (support: capability-weighted share of actors that accept).",
        )
    ]
    rec = case.summary.recommended
    if rec is not None:
        parts.append(f'<p class="answer">To table: {e(rec.name)}: {e(rec.why)}.</p>')
    if case.proposals:
        rows = []
        for c in case.proposals:
            short = ", ".join(f"{names[a]} {v:.3f}" for a, v in c.shortfall.items())
            near = c.nearest_passing
            near_s = "–" if near is None else ", ".join(f"{i} {v:.1f}" for i, v in near.items())
            rows.append(
                [
                    e(c.name),
                    "yes" if c.all_veto_accept else "no",
                    e(short) or "–",
                    e(near_s),
                    "<br>".join(e(n) for n in c.notes),
                ]
            )
        parts.append(
            table(
                [
                    "proposal",
                    "all veto players accept",
                    "shortfall (utility)",
                    "nearest passing point",
                    "notes",
                ],
                rows,
                "The proposals on the table against the zone.",
            )
        )
    return "\n".join(parts)


def _uncertainty(d: ReportData, fig: Figures) -> str:
    s = d.scenario
    sim = d.simulation
    if sim is None and d.simulation_error is not None:
        return f"<p>The Monte Carlo draws could not be run: {e(d.simulation_error)}.</p>"
    if sim is None:
        return "<p>No Monte Carlo draws were run (--draws 0).</p>"
    st = d.settings
    parts = [
        f"<p>{sim['draws']} Monte Carlo draws (seed {sim['seed']}) of the {len(sim['inputs'])} uncertain "
        f"inputs: those the scenario gives an uncertainty, and every other value drawn with a standard "
        f"deviation of {st['noise']:g} times its range (--noise).</p>"
    ]
    zp = sim["zone_exists"]
    facts = [
        ["a zone of agreement exists", pct(zp["probability"]) + (f" ({e(zp['note'])})" if zp["note"] else "")]
    ]
    for pid, p in sim["proposals"].items():
        prop = next(x for x in s.proposals if x.id == pid)
        facts.append([f"every veto player accepts {e(prop.name or pid)}", pct(p["accepted_by_all_veto"])])
    for m, md in sim["models"].items():
        if "skipped" not in md:
            facts.append(
                [f"the {e(m)} forecast stays acceptable to every veto player", pct(md["point_acceptable"])]
            )
    parts.append(table(["share of draws in which", "share"], facts))
    if sim.get("acceptance_note"):
        parts.append(f'<p class="muted">{e(sim["acceptance_note"])}</p>')
    rows = []
    for m, md in sim["models"].items():
        if "skipped" in md:
            continue
        cells = [e(m)]
        for i in s.issues:
            q = md["issues"][i.id]["quantiles"]
            cells.append(f'{num(q["50"])} <span class="muted">[{num(q["5"])}, {num(q["95"])}]</span>')
        rows.append(cells)
    parts.append(
        table(
            ["model", *[i.name or i.id for i in s.issues]], rows, "Median forecast [5%, 95%] over the draws."
        )
    )
    parts.append(fig.later(ad.distributions_plate, s, sim))
    for issue in ad.tornado_issues(s, d.sensitivity, d.sensitivity_model):
        parts.append(fig.later(ad.tornado_plate, s, d.sensitivity, d.sensitivity_model, issue))
    if d.sensitivity is not None:
        parts.append(
            f"<p>Sensitivity of the {e(d.sensitivity_model)} model: {e(d.sensitivity['method'])}, "
            f"{d.sensitivity['base_draws']} base draws ({d.sensitivity['model_runs']} model runs).</p>"
        )
    parts.extend(f'<p class="muted">{e(n)}</p>' for n in d.notes)
    return "\n".join(parts)


def _durability(d: ReportData, fig: Figures) -> str:
    du = d.case.durability
    if du is None:
        return (
            "<p>No cease-fire data is configured: give the ETH/PRIO cease-fire data with --data PATH or "
            "the ACCORD_CEASEFIRE_DATA environment variable for the base rate of comparable "
            "cease-fires (see docs/durability.md).</p>"
        )
    parts = []
    if du.deal:
        parts.append(f"<p>The deal: {e(du.deal)}</p>")
    if du.expectation:
        parts.append(f'<p class="answer">{e(du.expectation[0].upper() + du.expectation[1:])}.</p>')
    cls = ", ".join(f"{k}={v}" for k, v in du.reference_class.items()) or "all cease-fires"
    loc = du.location or "its location"
    rows = [
        [
            e(h.horizon),
            pct(h.base_rate),
            f"{pct(h.ci[0])} – {pct(h.ci[1])}",
            pct(h.pessimistic),
            pct(h.cox),
            pct(h.location),
        ]
        for h in du.holding
    ]
    parts.append(
        table(
            ["after", "base rate", "95% interval", "pessimistic bound", "Cox model", f"{loc}'s own record"],
            rows,
            f"Still holding. Base rate: reference class {cls} ({du.class_size} cease-fires, "
            f"{du.breakdowns} breakdowns; median time to breakdown {du.median_text}). Pessimistic bound: "
            "unclear but dated endings counted as breakdowns. Cox model: this deal's features in a "
            f"proportional-hazards model of all cease-fires. {loc}'s own record: "
            f"{du.location_size or 0} cease-fires, {du.location_breakdowns or 0} breakdowns.",
        )
    )
    for n in du.notes:
        parts.append(f'<p class="muted">{e(n)}</p>')
    if du.model_check is not None:
        parts.append(
            f'<p class="muted">{e(du.model_check.model)}: concordance {du.model_check.concordance:.2f} on '
            f"held-out conflicts ({du.model_check.folds}-fold cross-validation; 0.5 is chance).</p>"
        )
    if du.curves.get("reference_class") is not None:  # the one plate durability_plates draws
        parts.append(fig.later(_only, ad.durability_plates, du))
    ref_rows = [
        [
            e(r.location),
            e(r.start or r.declared or "–"),
            e(human_days(r.days)),
            e(r.how_it_ended),
            e(r.ceasefire_class or "–"),
        ]
        for r in du.reference
    ]
    parts.append(
        table(
            ["where", "from", "lasted", "how it ended", "class"],
            ref_rows,
            f"The reference class: the {len(du.reference)} cease-fires behind the base rate.",
            cls="reference",
        )
    )
    parts.append(f'<p class="muted">{e(du.scope)} Data: {e(du.source)}.</p>')
    return "\n".join(parts)


def _crisis(d: ReportData, fig: Figures) -> str:
    """The crisis game (accord.games.crisis): the answer, outcome odds, SPE, what it would take, the tree."""
    c = d.case.crisis or {}
    parts = [f'<p class="answer">{e(c.get("summary", ""))}</p>']
    if c.get("question"):
        parts.append(f"<p>The question: {e(c['question'])}</p>")
    mc = (c.get("monte_carlo") or {}).get("outcomes", {})
    probs = c.get("qre_probabilities", {})
    rows = []
    for o, p in sorted(probs.items(), key=lambda kv: -kv[1]):
        m = mc.get(o)
        rows.append(
            [e(o), pct(p)]
            + (
                [pct(m["mean"]), f"{pct(m['low'])} – {pct(m['high'])}", pct(m["p_spe_outcome"])]
                if m
                else ["–", "–", "–"]
            )
        )
    parts.append(
        table(
            [
                "outcome",
                "P (QRE)",
                "Monte Carlo mean",
                "90% interval",
                "share of draws ending there under SPE",
            ],
            rows,
            f"Outcome probabilities: agent logit QRE at lambda = {c.get('rationality')}; the Monte Carlo "
            "draws the payoffs within their stated uncertainty (docs/games.md).",
        )
    )
    for eq in c.get("spe", []):
        path = " → ".join(f"{s['player']}: {s['action']}" for s in eq["path"])
        parts.append(f"<p>Subgame-perfect play: {e(path)} ⇒ {e(eq['outcome'])}.</p>")
    wiwt = c.get("what_it_would_take", [])
    if wiwt:
        parts.append("<p>What it would take:</p><ul>" + "".join(f"<li>{e(w)}</li>" for w in wiwt) + "</ul>")
    if c.get("tree"):  # the one plate crisis_plates draws
        parts.append(fig.later(_only, ad.crisis_plates, c))
    return "\n".join(parts)


def _assumptions(d: ReportData) -> str:
    case = d.case
    st = case.settings
    names = {a.id: a.name for a in case.actors}
    parts = [
        f"<p>Each actor values a deal by its utility: {e(st.utility)} ({e(st.loss)} loss). It accepts a "
        "deal when the deal's utility is at least its reservation, what it gets without a deal. A deal "
        "passes when every veto player accepts it; support is the capability-weighted share of all "
        "actors that accept.</p>"
    ]
    by_source: dict[str, list[str]] = {}
    for a in case.actors:
        by_source.setdefault(a.reservation_source, []).append(names[a.id])
    words = {
        "utility": "given as a utility",
        "point": "given as a worst acceptable deal",
        "status_quo": "inferred from the status quo (no reservation given)",
        "none": "unknown (no reservation and no status quo)",
    }
    items = [f"<li>{e(', '.join(v))}: {e(words.get(k, k))}.</li>" for k, v in by_source.items()]
    parts.append("<p>Reservations:</p><ul>" + "".join(items) + "</ul>")
    mc = case.monte_carlo
    if mc is not None:
        parts.append(
            f"<p>Uncertainty: {mc.draws} Monte Carlo draws (seed {mc.seed}) of {len(mc.inputs)} inputs: "
            f"the {len(mc.declared)} the scenario marks uncertain with its own ranges, every other "
            f"value with a standard deviation of {100 * mc.noise:g}% of its range.</p>"
        )
    rows = []
    for f in case.forecasts:
        spec = registry.get(f.model)
        rows.append(
            [
                e(f.model),
                e(spec.summary),
                e(spec.citation),
                "skipped: " + e(f.skipped) if f.skipped else "ran",
            ]
        )
    parts.append(
        table(["model", "what it is", "citation", ""], rows, "Models, with their published defaults.")
    )
    parts.append(f"<p>{e(case.notes[-1] if case.notes else '')}</p>")
    parts.append(
        f'<p class="muted">accord {e(__version__)}; seed {st.seed}; draws {d.settings["draws"]}; noise '
        f"{d.settings['noise']:g}; sensitivity draws {d.settings['sensitivity_draws']}. The same command "
        "with the same seed gives the same numbers.</p>"
    )
    return "\n".join(parts)


PAGE = string.Template(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="accord $version">
<title>$title</title>
<style>
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; max-width: 52em; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; font-size: 15px; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.85em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
caption { text-align: left; font-style: italic; margin-bottom: 0.3em; }
figure { margin: 1.5em 0; } figure .svg svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.85em; color: #444; }
.muted { color: #777; } .answer { background: #f4f7fb; padding: 0.2em 1em; border-left: 4px solid #0072B2; }
.summary { border: 2px solid #0072B2; padding: 0.4em 1em; margin: 1em 0; }
.summary .verdict { font-size: 1.2em; margin: 0.4em 0; }
.summary.verdict-no { border-color: #D55E00; } .summary.verdict-yes { border-color: #009E73; }
.summary ul { padding-left: 1.2em; margin: 0.4em 0; } .summary .head { font-weight: bold; }
table.reference { font-size: 0.75em; }
nav ol { columns: 2; }
@media print { h2 { page-break-before: always; } figure { page-break-inside: avoid; }
               #answer h2 { page-break-before: avoid; } }
</style>
</head>
<body>
<header>
<h1>$title</h1>
<p class="muted">$subtitle</p>
</header>
<main>
<section id="answer">
<h2>The answer</h2>
$summary
<nav><p class="muted">The evidence:</p><ol>$toc</ol></nav>
</section>
$sections
</main>
<footer><p class="muted">Made with accord $version. Figures are inline SVG;
the page needs no network access.</p></footer>
</body>
</html>
"""
)


def render(
    data: ReportData, figures_dir: str | os.PathLike[str] | None = None, jobs: int | None = 1
) -> tuple[str, list[Path]]:
    """The report as HTML, and the figure files written under ``figures_dir`` (if given).
    ``jobs``: local processes drawing the figures (None: every usable core; the same page)."""
    fig = Figures(Path(figures_dir) if figures_dir is not None else None, data.drawn)
    body = {
        "scenario": _scenario(data),
        "forecasts": _forecasts(data, fig),
        "agreement": _agreement(data, fig),
        "mediation": _mediation(data),
        "uncertainty": _uncertainty(data, fig),
        "durability": _durability(data, fig),
        "assumptions": _assumptions(data),
    }
    shown = SECTIONS
    if data.case.crisis is not None:
        body["crisis"] = _crisis(data, fig)
        shown = (
            *SECTIONS[:-1],
            ("crisis", "7. The crisis game"),
            ("assumptions", "8. Assumptions and sources"),
        )
    sections = "\n".join(
        f'<section id="{sid}">\n<h2>{e(head)}</h2>\n{body[sid]}\n</section>' for sid, head in shown
    )
    toc = "".join(f'<li><a href="#{sid}">{e(head.split(". ", 1)[1])}</a></li>' for sid, head in shown)
    s = data.scenario
    subtitle = "Analysis of the scenario" + (f" as of {s.as_of.isoformat()}" if s.as_of else "")
    html = PAGE.substitute(
        title=e(s.name),
        subtitle=e(subtitle),
        summary=summary_html(data.case),
        toc=toc,
        sections=sections,
        version=e(__version__),
    )
    fig.draw(jobs)
    return fig.fill(html), fig.written
