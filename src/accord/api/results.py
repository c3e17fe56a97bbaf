"""Result objects of the Python API: short ``repr``, HTML in Jupyter, tidy DataFrames, ``plot()``.

Each wraps the analysis object the CLI renders (nothing here computes a number of its own):

* :class:`Forecasts`: the models' forecasts (a mapping model -> :class:`~accord.forecast.Forecast`).
* :class:`MonteCarlo`: Monte Carlo draws (:class:`~accord.uncertainty.simulation.Simulation`).
* :class:`SensitivityIndices`: Sobol' indices (:class:`~accord.uncertainty.sensitivity.Sensitivity`).
* :class:`Durability`: how long comparable cease-fires held (the durability section).
* :class:`BacktestResult`: errors of every model against recorded outcomes
  (:class:`~accord.evaluation.backtest.Backtest`).
* :class:`Case`: the case analysis (:class:`~accord.case.CaseAnalysis`) with tables and a plot.

Every ``to_frame()`` documents its columns; values are in the issues' own scale units unless
a column says otherwise. ``plot()`` returns a :class:`matplotlib.figure.Figure` drawn by
:mod:`accord.report.figures` (the report's own figures), which the caller may restyle.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np

from accord.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from accord.case import CaseAnalysis
    from accord.case.model import Durability as CaseDurability
    from accord.evaluation.backtest import Backtest
    from accord.forecast import Forecast
    from accord.scenario.model import Scenario
    from accord.uncertainty.sensitivity import Sensitivity
    from accord.uncertainty.simulation import Simulation


def _fmt(v: Any, digits: int = 1) -> str:
    if v is None:
        return "-"
    f = float(v)
    return "-" if not math.isfinite(f) else f"{f:.{digits}f}"


def _pct(p: Any) -> str:
    return "n/a" if p is None else f"{100 * float(p):.0f}%"


def shown(fig: Figure, *others: Figure) -> Figure:
    """``fig`` ready to hand to the caller: released from pyplot (so that many plots do not pile
    up, and Jupyter shows it once, as the cell's value) and, inside IPython, displayable as PNG
    (the report's figures use the Agg backend, which registers no notebook display)."""
    import matplotlib.pyplot as plt

    for f in (fig, *others):
        plt.close(f)
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None:
        from matplotlib.figure import Figure as _Figure

        png = shell.display_formatter.formatters["image/png"]
        try:
            png.lookup_by_type(_Figure)
        except KeyError:
            from IPython.core.pylabtools import select_figure_formats

            select_figure_formats(shell, {"png"})
    return fig


def _html_table(frame: pd.DataFrame, caption: str) -> str:
    body = frame.to_html(index=False, escape=True, float_format=lambda v: f"{v:.3g}", na_rep="-")
    return f"<div><p><b>{escape(caption)}</b></p>{body}</div>"


# ------------------------------------------------------------------------------------------------
# forecasts
# ------------------------------------------------------------------------------------------------


class Forecasts(Mapping[str, "Forecast"]):
    """The models' forecasts of one scenario, by model name (``NAME`` or ``NAME:VARIANT``).

    ``forecasts["eum"]`` is the model's :class:`~accord.forecast.Forecast` (its ``outcome``
    per issue in scale units, its ``result`` with trajectory and details). Models that do not
    apply to the scenario are listed in ``skipped`` with the reason.

    >>> import accord
    >>> f = accord.forecast("examples/gaza_ceasefire_2024.yaml", "compromise")
    >>> f.to_frame()[["model", "issue", "outcome"]].round(1)
            model       issue  outcome
    0  compromise    presence     41.4
    1  compromise    hostages     60.8
    2  compromise  end_of_war     44.7
    >>> fig = f.plot()
    """

    def __init__(self, scenario: Scenario, forecasts: Mapping[str, Forecast], seed: int) -> None:
        self.scenario = scenario
        self.seed = seed
        self._all = dict(forecasts)
        self._ran = {k: f for k, f in forecasts.items() if f.skipped is None}
        self.skipped = {k: str(f.skipped) for k, f in forecasts.items() if f.skipped is not None}

    def __getitem__(self, model: str) -> Forecast:
        if model not in self._ran:
            why = f" (skipped: {self.skipped[model]})" if model in self.skipped else ""
            raise KeyError(f"no forecast of {model!r}{why}; models: {', '.join(self._ran)}")
        return self._ran[model]

    def __iter__(self) -> Iterator[str]:
        return iter(self._ran)

    def __len__(self) -> int:
        return len(self._ran)

    def outcome(self, model: str, issue: str) -> float:
        """The forecast of ``model`` on ``issue``, in the issue's scale units."""
        return self[model].outcome[issue]

    def to_frame(self, table: str = "outcomes") -> pd.DataFrame:
        """A tidy table of the forecasts.

        ``"outcomes"`` (one row per model and issue): ``model`` (as requested, ``NAME`` or
        ``NAME:VARIANT``), ``variant`` (the model's variant where it has one), ``issue``,
        ``outcome`` (scale units), ``unit`` (the issue's unit), ``min``, ``max`` (its scale).

        ``"trajectories"`` (one row per model, issue, round and series): ``model``, ``issue``,
        ``round`` (0 = the input), ``series`` (``position`` for an actor's position, else the
        model's per-round summary such as ``median`` or ``forecast``), ``actor`` (None for an
        issue-level series), ``value`` (scale units for positions and forecasts).
        """
        import pandas as pd

        rows: list[dict[str, Any]] = []
        if table == "outcomes":
            for name, f in self._ran.items():
                for issue in self.scenario.issues:
                    rows.append(
                        {
                            "model": name,
                            "variant": f.params.get("variant"),
                            "issue": issue.id,
                            "outcome": f.outcome[issue.id],
                            "unit": issue.scale.unit,
                            "min": issue.scale.min,
                            "max": issue.scale.max,
                        }
                    )
            return pd.DataFrame(rows, columns=["model", "variant", "issue", "outcome", "unit", "min", "max"])
        if table == "trajectories":
            for name, f in self._ran.items():
                for issue_id in self.scenario.issue_ids:
                    for entry in f.trajectory(issue_id):
                        t = entry["round"]
                        for key, value in entry.items():
                            if key == "round":
                                continue
                            if isinstance(value, dict):
                                series = "position" if key == "positions" else key
                                for actor, v in value.items():
                                    rows.append(
                                        {"model": name, "issue": issue_id, "round": t, "series": series,
                                         "actor": actor, "value": v}
                                    )  # fmt: skip
                            else:
                                rows.append(
                                    {"model": name, "issue": issue_id, "round": t, "series": key,
                                     "actor": None, "value": value}
                                )  # fmt: skip
            return pd.DataFrame(rows, columns=["model", "issue", "round", "series", "actor", "value"])
        raise InputError(f"to_frame: table {table!r} is not one of outcomes, trajectories")

    def plot(self, model: str | None = None) -> Figure:
        """Every model's forecast per issue against the actors' positions; with ``model``, that
        model's positions round by round (iterative models only)."""
        from accord.report.adapters import forecast_plates

        plates = forecast_plates(self.scenario, self._ran if model is None else {model: self[model]})
        figures = [p.figure for p in plates]
        if model is not None and len(plates) < 2:
            shown(*figures)
            raise InputError(f"plot(model={model!r}): the model has no rounds to draw")
        k = 0 if model is None else 1
        return shown(figures[k], *figures[:k], *figures[k + 1 :])

    def _table(self) -> pd.DataFrame:
        frame = self.to_frame()
        return frame.pivot(index="model", columns="issue", values="outcome").reindex(
            index=list(self._ran), columns=list(self.scenario.issue_ids)
        )

    def __repr__(self) -> str:
        head = f"Forecasts of {self.scenario.name!r}: {len(self)} models x {len(self.scenario.issues)} issues"
        lines = [head + " (scale units)"]
        ids = self.scenario.issue_ids
        width = max([len(m) for m in self._ran] + [5])
        lines.append(" " * width + "  " + "  ".join(f"{i[:10]:>10}" for i in ids))
        for name, f in self._ran.items():
            lines.append(f"{name:<{width}}  " + "  ".join(f"{_fmt(f.outcome[i]):>10}" for i in ids))
        if self.skipped:
            lines.append("skipped: " + ", ".join(self.skipped))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        frame = self._table().reset_index()
        note = f"<p>skipped: {escape(', '.join(self.skipped))}</p>" if self.skipped else ""
        return _html_table(frame, f"Forecasts of {self.scenario.name} (scale units)") + note


# ------------------------------------------------------------------------------------------------
# Monte Carlo and sensitivity
# ------------------------------------------------------------------------------------------------


@dataclass
class MonteCarlo:
    """Monte Carlo draws of a scenario through the models (``simulation`` holds the arrays).

    >>> import accord
    >>> mc = accord.simulate("examples/gaza_ceasefire_2024.yaml", 100, "compromise")
    >>> mc.p_zone, mc.to_frame().shape
    (0.0, (300, 5))
    """

    simulation: Simulation
    bins: int = 20
    _json: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def summary(self) -> dict[str, Any]:
        """The JSON summary ``accord simulate --format json`` prints (quantiles, probabilities)."""
        if not self._json:
            self._json = self.simulation.to_json(self.bins)
        return self._json

    @property
    def p_zone(self) -> float | None:
        """Share of the draws in which a zone of agreement exists (None when it cannot be judged)."""
        p = self.summary["zone_exists"]["probability"]
        return None if p is None else float(p)

    def to_frame(self, table: str = "draws") -> pd.DataFrame:
        """A tidy table of the draws or of their summary.

        ``"draws"`` (one row per draw, model and issue): ``draw``, ``model``, ``issue``,
        ``outcome`` (scale units), ``zone`` (whether a zone of agreement exists in the draw;
        NaN where it cannot be judged).

        ``"summary"`` (one row per model and issue): ``model``, ``issue``, ``point`` (the forecast
        on the scenario's own values), ``mean``, ``sd``, ``q5``, ``q25``, ``q50``, ``q75``,
        ``q95`` (scale units), ``p_acceptable`` (share of draws in which every veto player
        accepts the point forecast).

        ``"proposals"`` (one row per proposal): ``proposal``, ``p_accepted`` (share of draws in
        which every veto player accepts it).
        """
        import pandas as pd

        sim = self.simulation
        p = sim.problem
        if table == "draws":
            frames = []
            zone = sim.zone_exists if sim.zone_exists is not None else np.full(sim.draws, np.nan)
            for name, x in sim.outcomes.items():
                scaled = p.to_scale(x)
                frames.append(
                    pd.DataFrame(
                        {
                            "draw": np.repeat(np.arange(sim.draws), p.n_issues),
                            "model": name,
                            "issue": np.tile(np.array(p.issue_ids, dtype=object), sim.draws),
                            "outcome": scaled.reshape(-1),
                            "zone": np.repeat(zone, p.n_issues),
                        }
                    )
                )
            if not frames:
                return pd.DataFrame(columns=["draw", "model", "issue", "outcome", "zone"])
            return pd.concat(frames, ignore_index=True)
        if table == "summary":
            rows = []
            for name, m in self.summary["models"].items():
                if "skipped" in m:
                    continue
                for issue, d in m["issues"].items():
                    q = d["quantiles"]
                    rows.append(
                        {
                            "model": name,
                            "issue": issue,
                            "point": m["point"][issue],
                            "mean": d["mean"],
                            "sd": d["sd"],
                            **{f"q{k}": q[k] for k in ("5", "25", "50", "75", "95")},
                            "p_acceptable": m["point_acceptable"],
                        }
                    )
            return pd.DataFrame(rows).astype({"p_acceptable": float}) if rows else pd.DataFrame(rows)
        if table == "proposals":
            rows = [
                {"proposal": pid, "p_accepted": d["accepted_by_all_veto"]}
                for pid, d in self.summary["proposals"].items()
            ]
            return pd.DataFrame(rows, columns=["proposal", "p_accepted"])
        raise InputError(f"to_frame: table {table!r} is not one of draws, summary, proposals")

    def plot(self) -> Figure:
        """The distribution of each model's outcome per issue (one panel per issue)."""
        from accord.report.adapters import simulation_plates

        return shown(simulation_plates(self.simulation.scenario, self.summary, None, None)[0].figure)

    def __repr__(self) -> str:
        sim = self.simulation
        lines = [
            f"Monte Carlo of {sim.scenario.name!r}: {sim.draws} draws, seed {sim.seed}, noise {sim.noise:g}",
            f"P(zone of agreement) = {_pct(self.p_zone)}",
        ]
        for pid, d in self.summary["proposals"].items():
            lines.append(f"P({pid} accepted by every veto player) = {_pct(d['accepted_by_all_veto'])}")
        models = [m.name for m in sim.models]
        if models:
            lines.append(f"models: {', '.join(models)} (to_frame('summary') for quantiles)")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = escape(repr(self).split("\n")[0])
        p = escape(f"P(zone of agreement) = {_pct(self.p_zone)}")
        return f"<div><p><b>{head}</b><br>{p}</p></div>" + _html_table(
            self.to_frame("summary"), "Outcome quantiles (scale units)"
        )


@dataclass
class SensitivityIndices:
    """Sobol' indices: which uncertain inputs move each model's forecast on each issue."""

    sensitivity: Sensitivity
    scenario: Scenario

    def to_frame(self) -> pd.DataFrame:
        """One row per model, issue and uncertain input, ranked by total index within each
        model and issue: ``model``, ``issue``, ``input``, ``S1`` and ``S1_conf`` (first-order
        index and its 95% bootstrap half-width, share of the outcome's variance), ``ST`` and
        ``ST_conf`` (total index), ``input_low``, ``input_high`` (the input's 5% and 95%
        quantiles, its own units), ``low``, ``high`` (the forecast with the input at those
        quantiles, the others at their values; scale units)."""
        import pandas as pd

        s = self.sensitivity
        rows = [
            {"model": m.name, "issue": issue, **r}
            for m in s.models
            for issue in s.problem.issue_ids
            for r in s.ranking(m.name, issue)
        ]
        cols = ["model", "issue", "input", "S1", "S1_conf", "ST", "ST_conf", "input_low", "input_high",
                "low", "high"]  # fmt: skip
        return pd.DataFrame(rows, columns=cols)

    def plot(self, issue: str | None = None, model: str | None = None) -> Figure:
        """A tornado chart of ``model`` (default the first) on ``issue`` (default the first)."""
        from accord.report.adapters import simulation_plates

        names = [m.name for m in self.sensitivity.models]
        model = model or names[0]
        issue = issue or self.scenario.issue_ids[0]
        if model not in names:
            raise InputError(f"plot(model={model!r}): not among the models ({', '.join(names)})")
        if issue not in self.scenario.issue_ids:
            raise InputError(f"plot(issue={issue!r}): unknown issue ({', '.join(self.scenario.issue_ids)})")
        sim = {"draws": 0, "models": {}}
        plates = simulation_plates(self.scenario, sim, self.sensitivity.to_json(), model)
        shown(*[p.figure for p in plates])
        return next(
            p.figure for p in plates if p.name.startswith("tornado_") and p.name.endswith(_safe(issue))
        )

    def __repr__(self) -> str:
        s = self.sensitivity
        lines = [f"Sobol' indices of {self.scenario.name!r}: {s.n} base draws, {s.inputs.k} uncertain inputs"]
        for m in s.models[:2]:
            for issue in s.problem.issue_ids[:3]:
                top = s.ranking(m.name, issue)[:1]
                if top:
                    r = top[0]
                    lines.append(f"{m.name} on {issue}: {r['input']} drives it most (ST {_fmt(r['ST'], 2)})")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return _html_table(self.to_frame(), repr(self).split("\n")[0])


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


# ------------------------------------------------------------------------------------------------
# durability and backtests
# ------------------------------------------------------------------------------------------------


@dataclass
class Durability:
    """How long comparable cease-fires held (``evidence``: the case analysis's durability part,
    :class:`accord.case.model.Durability`: reference class, base rates, curves, Cox model check)."""

    evidence: CaseDurability

    def to_frame(self, table: str = "holding") -> pd.DataFrame:
        """``"holding"`` (one row per horizon): ``horizon``, ``days``, ``base_rate`` (share of
        the reference class still holding, 0-1), ``ci_low``, ``ci_high`` (its 95% interval),
        ``pessimistic`` (unclear but dated endings counted as breakdowns), ``cox`` (the Cox
        model's probability for this deal; NaN without the model), ``location`` (the
        location's own record; NaN without a location).

        ``"curve"`` (one row per step of the Kaplan-Meier curve of the reference class):
        ``days``, ``holding``, ``ci_low``, ``ci_high`` (0-1).

        ``"reference"`` (one row per cease-fire of the reference class): ``location``,
        ``declared``, ``start``, ``days`` (how long it held, or has been observed),
        ``how_it_ended``, ``ceasefire_class``."""
        import pandas as pd

        ev = self.evidence
        if table == "holding":
            rows = [
                {
                    "horizon": h.horizon,
                    "days": h.days,
                    "base_rate": h.base_rate,
                    "ci_low": h.ci[0],
                    "ci_high": h.ci[1],
                    "pessimistic": h.pessimistic,
                    "cox": h.cox,
                    "location": h.location,
                }
                for h in ev.holding
            ]
            cols = ["horizon", "days", "base_rate", "ci_low", "ci_high", "pessimistic", "cox", "location"]
            return pd.DataFrame(rows, columns=cols).astype({c: float for c in cols[2:]})
        if table == "curve":
            c = ev.curves["reference_class"]
            return pd.DataFrame(
                {"days": c.time, "holding": c.survival, "ci_low": c.lower, "ci_high": c.upper}
            )
        if table == "reference":
            return pd.DataFrame([r.model_dump() for r in ev.reference])
        raise InputError(f"to_frame: table {table!r} is not one of holding, curve, reference")

    def plot(self) -> Figure:
        """The reference class's Kaplan-Meier curve (and the location's own record, and the
        analyst's claim, where there are)."""
        from accord.report.adapters import durability_plates

        plates = durability_plates(self.evidence)
        if not plates:
            raise InputError("plot: the durability evidence has no curve to draw")
        return shown(plates[0].figure)

    def __repr__(self) -> str:
        ev = self.evidence
        cls = ", ".join(f"{k}={v}" for k, v in ev.reference_class.items()) or "all cease-fires"
        lines = [f"Durability: reference class {cls} (n = {ev.class_size}, {ev.breakdowns} broke down)"]
        lines.append("still holding: " + "; ".join(f"{h.horizon} {_pct(h.base_rate)}" for h in ev.holding))
        if any(h.cox is not None for h in ev.holding):
            lines.append(
                "Cox model for this deal: " + "; ".join(f"{h.horizon} {_pct(h.cox)}" for h in ev.holding)
            )
        if ev.expectation:
            lines.append(ev.expectation)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return _html_table(self.to_frame(), repr(self).split("\n")[0])


@dataclass
class BacktestResult:
    """Every model's forecasts against recorded outcomes (``backtest`` holds the arrays)."""

    backtest: Backtest
    n_boot: int = 1000
    seed: int = 0

    def to_frame(self, table: str = "issues") -> pd.DataFrame:
        """``"issues"`` (one row per scored issue and model): ``issue``, ``proposal``,
        ``procedure``, ``voting_rule``, ``era``, ``n_actors``, ``status_quo``, ``outcome``,
        ``model``, ``forecast``, ``error`` (forecast minus outcome; the issue's 0-100 scale;
        NaN where the model did not run).

        ``"metrics"`` (one row per model): ``model``, ``n`` (issues scored), ``mae``, ``rmse``,
        ``median_ae``, ``bias`` (scale points)."""
        import pandas as pd

        bt = self.backtest
        if table == "issues":
            rows = []
            for m in bt.models:
                err = bt.errors(m)
                for k, item in enumerate(bt.issues):
                    rows.append(
                        {
                            **item,
                            "model": m,
                            "forecast": float(bt.runs[m].forecast[k]),
                            "error": float(err[k]),
                        }
                    )
            return pd.DataFrame(rows)
        if table == "metrics":
            rows = []
            for m in bt.models:
                met = bt.metrics(m)
                rows.append(
                    {"model": m, **{k: met.get(k) for k in ("n", "mae", "rmse", "median_ae", "bias")}}
                )
            return pd.DataFrame(rows, columns=["model", "n", "mae", "rmse", "median_ae", "bias"])
        raise InputError(f"to_frame: table {table!r} is not one of issues, metrics")

    def __repr__(self) -> str:
        bt = self.backtest
        met = self.to_frame("metrics").dropna(subset=["mae"]).sort_values("mae")
        lines = [
            f"Backtest: {len(bt.issues)} issues, {len(bt.models)} models (mean absolute error, scale points)"
        ]
        for _, r in met.head(4).iterrows():
            lines.append(f"  {r['model']:<14} MAE {r['mae']:.2f}  (n = {int(r['n'])})")
        if len(met) > 4:
            lines.append(f"  ... {len(met) - 4} more: to_frame('metrics')")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return _html_table(self.to_frame("metrics"), repr(self).split("\n")[0])


# ------------------------------------------------------------------------------------------------
# the case analysis
# ------------------------------------------------------------------------------------------------


class Case:
    """The case analysis of ``accord analyze`` in a notebook: a short summary for ``repr``, the
    summary and the acceptance heat map in Jupyter, tidy tables and a plot.

    ``analysis`` is the typed :class:`~accord.case.CaseAnalysis` (its ``summary`` first, then
    the evidence; ``to_dict()`` is its JSON); its attributes are reachable here too
    (``case.summary``, ``case.zone``, ``case.points``...).

    >>> import accord
    >>> case = accord.analyze("examples/gaza_ceasefire_2024.yaml", draws=0)
    >>> case.to_frame().query("kind == 'status_quo' and veto")[["actor", "margin", "accepts"]].round(3)
        actor  margin  accepts
    0  israel   0.028     True
    1   hamas  -0.611    False
    """

    def __init__(self, scenario: Scenario, analysis: CaseAnalysis) -> None:
        self.scenario = scenario
        self.analysis = analysis

    def __getattr__(self, name: str) -> Any:
        if name in ("scenario", "analysis") or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.analysis, name)

    def lines(self) -> list[tuple[str, str]]:
        """The summary in words as (heading, sentence) pairs, the verdict first."""
        from accord.case import summary_lines

        a = self.analysis
        return summary_lines(a.summary, {x.id: x.name for x in a.actors}, {i.id: i for i in a.issues})

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict ``accord analyze --format json`` prints (first key ``summary``)."""
        return self.analysis.to_dict()

    def to_frame(self, table: str = "acceptance") -> pd.DataFrame:
        """``"acceptance"`` (one row per point and actor): ``point`` (its label: the status
        quo, a proposal, a model's forecast, your point, a mediator's candidate), ``kind``,
        ``actor``, ``veto`` (must sign), ``utility``, ``reservation`` (0-1), ``margin``
        (utility minus reservation, utility units; >= 0 accepts), ``accepts``.

        ``"forecasts"`` (one row per model and issue): ``model``, ``issue``, ``outcome``
        (scale units)."""
        import pandas as pd

        a = self.analysis
        if table == "acceptance":
            veto = {x.id: x.veto for x in a.actors}
            tables = [(p.label, p.kind, p) for p in a.points]
            tables += [(f"mediator: {m.key}", "mediator", m.acceptance) for m in a.mediator]
            rows = [
                {
                    "point": label,
                    "kind": kind,
                    "actor": m.actor,
                    "veto": veto.get(m.actor, False),
                    "utility": m.utility,
                    "reservation": m.reservation,
                    "margin": m.margin,
                    "accepts": m.accepts,
                }
                for label, kind, acc in tables
                for m in acc.margins
            ]
            cols = ["point", "kind", "actor", "veto", "utility", "reservation", "margin", "accepts"]
            frame = pd.DataFrame(rows, columns=cols)
            return frame.astype({"utility": float, "reservation": float, "margin": float})
        if table == "forecasts":
            rows = [
                {"model": f.model, "issue": issue, "outcome": value}
                for f in a.forecasts
                for issue, value in (getattr(f, "outcome", None) or {}).items()
            ]
            return pd.DataFrame(rows, columns=["model", "issue", "outcome"]).astype({"outcome": float})
        raise InputError(f"to_frame: table {table!r} is not one of acceptance, forecasts")

    def plot(self) -> Figure:
        """Who accepts what: every actor's margin for every point on the table (a heat map)."""
        from accord.report.adapters import acceptance_plate

        return shown(acceptance_plate(self.scenario, self.analysis).figure)

    def __repr__(self) -> str:
        body = [f"{head}: {text}" for head, text in self.lines()[:5]]
        return f"Case analysis of {self.scenario.name!r}\n" + "\n".join(body)

    def _repr_html_(self) -> str:
        from accord.report.figures import svg_text
        from accord.report.html import summary_html

        fig = None
        if self.analysis.points:
            fig = svg_text(self.plot(), prefix="accord-case-")
        return summary_html(self.analysis) + (f"<div>{fig}</div>" if fig else "")
