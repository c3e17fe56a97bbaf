"""accord from Python: one call per job, with the command line's defaults.

========================  ===================================================================
``accord.load``           read a scenario file (YAML, JSON, CSV, XLSX, KTAB, BDM, Decide, DEU)
``accord.forecast``       every model's forecast (:class:`~accord.api.results.Forecasts`)
``accord.analyze``        the case analysis: who wants a deal, the zone or the gap, what to table
``accord.simulate``       Monte Carlo draws (:class:`~accord.api.results.MonteCarlo`)
``accord.sensitivity``    Sobol' indices (:class:`~accord.api.results.SensitivityIndices`)
``accord.sweep``          forecasts and verdicts over what-if values (:class:`~accord.api.whatif.Sweep`)
``accord.report``         the self-contained HTML report, written to a file
``accord.durability``     how long comparable cease-fires held (:class:`~accord.api.results.Durability`)
``accord.backtest``       every model against recorded outcomes (:class:`~accord.api.results.BacktestResult`)
========================  ===================================================================

Models are named by a string or a list (``"eum"``, ``["eum", "eum:paper"]``); parameters are
keywords (``rounds=5``) or one mapping per model (``eum={"rounds": 5}``). Every result has a
short ``repr``, renders in Jupyter, gives tidy DataFrames through ``to_frame()`` and draws
itself with ``plot()``. docs/python.md is the tutorial.

>>> import accord
>>> s = accord.load("examples/gaza_ceasefire_2024.yaml")
>>> f = accord.forecast(s, "compromise")
>>> round(f.outcome("compromise", "presence"), 1)
41.4
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from accord.errors import InputError, ParameterError

if TYPE_CHECKING:
    from accord.api.results import BacktestResult, Case, Durability, Forecasts, MonteCarlo, SensitivityIndices
    from accord.api.whatif import Sweep
    from accord.scenario.model import Scenario

__all__ = [
    "analyze",
    "backtest",
    "durability",
    "forecast",
    "load",
    "report",
    "sensitivity",
    "simulate",
    "sweep",
]


def load(path: str | os.PathLike[str], input_format: str | None = None, **options: Any) -> Scenario:
    """Read and validate a scenario file; the format is detected from the content unless given.

    >>> import accord
    >>> s = accord.load("examples/gaza_ceasefire_2024.yaml")
    >>> s.actor_ids[:4]
    ('israel', 'hamas', 'us', 'egypt')
    """
    from accord.scenario.io import load as _load

    return _load(Path(path), input_format, **options)


def _scenario(scenario: Any, call: str) -> Scenario:
    from accord.scenario.model import Scenario

    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, str | os.PathLike):
        return load(scenario)
    raise InputError(
        f"{call}(scenario=...): expected a Scenario or a file path, got {type(scenario).__name__}"
    )


def _models_and_params(
    models: str | Sequence[str] | None,
    params: Mapping[str, Any] | None,
    keywords: Mapping[str, Any],
    call: str,
) -> tuple[list[str] | None, dict[str, Any]]:
    from accord.api.params import flat_params, model_names

    names = model_names(models, call)
    return names, flat_params(names, params, keywords, call)


def forecast(
    scenario: Scenario | str | os.PathLike[str],
    models: str | Sequence[str] | None = None,
    *,
    seed: int = 0,
    params: Mapping[str, Any] | None = None,
    **model_params: Any,
) -> Forecasts:
    """Every model's forecast of every issue (``accord forecast``).

    ``models``: one name or a list, ``NAME:VARIANT`` for a variant (default: every model that
    applies); parameters as keywords (``rounds=5``, for every selected model that has it) or
    per model (``eum={"rounds": 5}``, or ``params={"eum": {"rounds": 5}}``); ``seed`` for the
    stochastic models. Returns :class:`~accord.api.results.Forecasts`, a mapping model ->
    :class:`~accord.forecast.Forecast` with ``to_frame()`` and ``plot()``.

    >>> import accord
    >>> s = accord.load("examples/gaza_ceasefire_2024.yaml")
    >>> f = accord.forecast(s, ["compromise", "eum"], eum={"rounds": 5})
    >>> f.to_frame()[["model", "issue", "outcome"]].round(1).head(4)
            model       issue  outcome
    0  compromise    presence     41.4
    1  compromise    hostages     60.8
    2  compromise  end_of_war     44.7
    3         eum    presence     45.0
    >>> accord.forecast(s, "eum", round=5)
    Traceback (most recent call last):
    ...
    accord.errors.ParameterError: forecast(round=...): no selected model has a parameter 'round' ...
    """
    from accord.api.params import for_model, split_variant
    from accord.api.results import Forecasts
    from accord.forecast import run_forecasts
    from accord.problem import to_problem

    s = _scenario(scenario, "forecast")
    names, flat = _models_and_params(models, params, model_params, "forecast")
    if names is None:
        return Forecasts(s, run_forecasts(s, None, flat, seed=seed), seed)
    problem = to_problem(s)
    out = {}
    for entry in names:
        model, fixed = split_variant(entry)
        own = {**for_model(flat, model), **{f"{model}.{k}": v for k, v in fixed.items()}}
        out[entry] = run_forecasts(problem, [model], own, seed=seed)[model]
    return Forecasts(s, out, seed)


def analyze(
    scenario: Scenario | str | os.PathLike[str],
    *,
    loss: str = "quadratic",
    point: Mapping[str, float] | None = None,
    draws: int | None = None,
    noise: float | None = None,
    seed: int = 0,
    ceasefire_data: str | os.PathLike[str] | None = None,
) -> Case:
    """The case analysis of ``accord analyze``: does a zone of agreement exist (and how sure is
    that), who blocks, what a mediator could table, and how long such a deal held elsewhere.

    ``loss``: the utility loss, ``"quadratic"`` or ``"linear"``; ``point``: an outcome of your
    own to test, ``{issue: value}`` in scale units; ``draws``: Monte Carlo draws behind the
    probabilities (default 500, as the command; 0 for the fast what-if path); ``noise``: sd,
    as a share of its range, of every value without its own uncertainty (default 0.05);
    ``ceasefire_data``: the ETH/PRIO cease-fire CSV (default ``$ACCORD_CEASEFIRE_DATA``).
    Returns :class:`~accord.api.results.Case`.

    >>> import accord
    >>> case = accord.analyze("examples/gaza_ceasefire_2024.yaml", draws=0)
    >>> case.summary.deal_possible
    False
    """
    s = _scenario(scenario, "analyze")
    if loss not in ("linear", "quadratic"):
        raise InputError(f"analyze(loss={loss!r}): expected linear or quadratic")
    if draws is not None and (not isinstance(draws, int) or draws < 0):
        raise InputError(f"analyze(draws={draws!r}): must be a whole number, 0 or more")
    if noise is not None and noise < 0:
        raise InputError(f"analyze(noise={noise:g}): must be 0 or more")
    checked = _point(s, point, "analyze")
    return _case_analysis(
        s, loss=loss, point=checked, draws=draws, noise=noise, seed=seed, ceasefire_data=ceasefire_data
    )


def _point(s: Scenario, point: Mapping[str, float] | None, call: str) -> dict[str, float] | None:
    if point is None:
        return None
    out: dict[str, float] = {}
    for issue, value in point.items():
        if issue not in s.issue_ids:
            raise InputError(
                f"{call}(point={{{issue!r}: ...}}): unknown issue (issues: {', '.join(s.issue_ids)})"
            )
        sc = s.issue(issue).scale
        v = float(value)
        if not sc.min <= v <= sc.max:
            raise InputError(f"{call}(point={{{issue!r}: {v:g}}}): outside the scale {sc.min:g}..{sc.max:g}")
        out[issue] = v
    return out


def _case_analysis(
    s: Scenario,
    *,
    loss: str,
    point: dict[str, float] | None,
    draws: int | None,
    noise: float | None,
    seed: int,
    ceasefire_data: str | os.PathLike[str] | None,
) -> Case:
    """The one adapter to the case analysis (:func:`accord.case.analyze_case`)."""
    from accord.api.results import Case
    from accord.case import DEFAULT_DRAWS, DEFAULT_NOISE, analyze_case

    analysis = analyze_case(
        s,
        loss=loss,  # type: ignore[arg-type]
        points=point,
        draws=DEFAULT_DRAWS if draws is None else draws,
        noise=DEFAULT_NOISE if noise is None else noise,
        seed=seed,
        ceasefire_data=ceasefire_data,
    )
    if analysis.agreement_error is not None:  # as `accord analyze`: no veto player, unknown reservations
        raise InputError(f"analyze: {analysis.agreement_error}")
    return Case(s, analysis)


def _check_jobs(jobs: int | None, call: str) -> None:
    from accord.limits import MAX_WORKERS

    whole = isinstance(jobs, int) and not isinstance(jobs, bool)
    if jobs is not None and not (whole and 1 <= jobs <= MAX_WORKERS):
        raise InputError(
            f"{call}(jobs={jobs!r}): must be a whole number from 1 to {MAX_WORKERS} (or None: every core)"
        )


def simulate(
    scenario: Scenario | str | os.PathLike[str],
    draws: int = 1000,
    models: str | Sequence[str] | None = None,
    *,
    seed: int = 0,
    noise: float = 0.0,
    loss: str = "quadratic",
    client: Any = None,
    jobs: int | None = None,
    params: Mapping[str, Any] | None = None,
    **model_params: Any,
) -> MonteCarlo:
    """Monte Carlo draws of the inputs the scenario marks uncertain, through the models
    (``accord simulate``): outcome distributions, P(zone of agreement), P(each proposal passes).

    ``noise``: the standard deviation, as a share of its range, of every value without its own
    uncertainty entry; ``client``: a ``dask.distributed.Client`` to run on; without one,
    ``jobs`` local processes (default: one per usable core where processes fork, Linux; else
    this process; started only when there are two tasks or more, a block's models being cut
    into a few tasks; 1: in this process). The numbers depend on ``seed`` alone.

    >>> import accord
    >>> mc = accord.simulate("examples/gaza_ceasefire_2024.yaml", draws=200, models="compromise")
    >>> mc.to_frame("summary")[["model", "issue", "q50"]].round(1)
            model       issue   q50
    0  compromise    presence  42.2
    1  compromise    hostages  60.8
    2  compromise  end_of_war  45.5
    """
    from accord.api.results import MonteCarlo
    from accord.uncertainty.simulation import simulate as _simulate

    s = _scenario(scenario, "simulate")
    if not isinstance(draws, int) or draws < 1:
        raise InputError(f"simulate(draws={draws!r}): must be a whole number, at least 1")
    if noise < 0:
        raise InputError(f"simulate(noise={noise:g}): must be 0 or more")
    if loss not in ("linear", "quadratic"):
        raise InputError(f"simulate(loss={loss!r}): expected linear or quadratic")
    names, flat = _models_and_params(models, params, model_params, "simulate")
    if names and any(":" in n for n in names):
        raise ParameterError("simulate(models=...): variants (NAME:VARIANT) are not simulated; pass variant=")
    _check_jobs(jobs, "simulate")
    sim = _simulate(
        s,
        draws,
        names,
        flat,
        seed=seed,
        noise=noise,
        loss=loss,  # type: ignore[arg-type]
        client=client,
        jobs=jobs,
    )
    return MonteCarlo(sim)


def sensitivity(
    scenario: Scenario | str | os.PathLike[str],
    draws: int = 512,
    models: str | Sequence[str] | None = "compromise",
    *,
    seed: int = 0,
    noise: float = 0.0,
    client: Any = None,
    jobs: int | None = None,
    params: Mapping[str, Any] | None = None,
    **model_params: Any,
) -> SensitivityIndices:
    """Sobol' indices: which uncertain inputs move each model's forecast (``accord simulate
    --sensitivity``). ``draws`` base draws cost ``draws * (k + 2)`` runs per model for ``k``
    uncertain inputs; the default model is the compromise model, as the report's (the costlier
    models take minutes). ``client`` and ``jobs`` say where the runs go, as for :func:`simulate`.

    >>> import accord
    >>> si = accord.sensitivity("examples/gaza_ceasefire_2024.yaml", draws=64)
    >>> si.to_frame().loc[0, ["model", "issue", "input"]].tolist()
    ['compromise', 'presence', 'position[israel,presence]']
    """
    from accord.api.results import SensitivityIndices
    from accord.uncertainty.sensitivity import sensitivity as _sensitivity

    s = _scenario(scenario, "sensitivity")
    if not isinstance(draws, int) or draws < 2:
        raise InputError(f"sensitivity(draws={draws!r}): must be a whole number, at least 2")
    if noise < 0:
        raise InputError(f"sensitivity(noise={noise:g}): must be 0 or more")
    names, flat = _models_and_params(models, params, model_params, "sensitivity")
    _check_jobs(jobs, "sensitivity")
    sens = _sensitivity(s, draws, names, flat, seed=seed, noise=noise, client=client, jobs=jobs)
    return SensitivityIndices(sens, s)


def sweep(
    scenario: Scenario | str | os.PathLike[str],
    actor: str | None = None,
    issue: str | None = None,
    field: str = "position",
    values: Any = None,
    *,
    grid: Sequence[Any] | None = None,
    models: str | Sequence[str] | None = None,
    loss: str = "quadratic",
    seed: int = 0,
    params: Mapping[str, Any] | None = None,
    **model_params: Any,
) -> Sweep:
    """Forecasts and verdicts over what-if values of one input, or a grid of two.

    One input: ``actor``'s ``field`` on ``issue`` takes each of ``values`` (``field``:
    ``"position"`` or ``"reservation"`` in the issue's scale units, ``"salience"`` on the
    scenario's salience scale; ``field="reservation"`` with ``issue=None`` sweeps a reservation
    utility, 0-1). Two inputs: ``grid=[(actor, issue, field, values), (...)]`` (or mappings
    with those keys), every pair of values. Each grid point is answered as
    :func:`forecast` and :func:`analyze` answer the edited scenario, but all at once through
    the models' batch axis. Returns :class:`~accord.api.whatif.Sweep` (``to_frame()``, ``plot()``).

    >>> import accord
    >>> s = accord.load("examples/gaza_ceasefire_2024.yaml")
    >>> sw = accord.sweep(s, "hamas", "presence", "reservation", values=[30, 60, 90], models="compromise")
    >>> sw.to_frame("points")[["hamas.presence.reservation", "zone"]]
       hamas.presence.reservation  zone
    0                        30.0   0.0
    1                        60.0   0.0
    2                        90.0   1.0
    """
    from accord.api import whatif as sw

    s = _scenario(scenario, "sweep")
    axes = sw.parse_axes(s, actor, issue, field, values, grid)
    names, flat = _models_and_params(models, params, model_params, "sweep")
    return sw.sweep(s, axes, names, flat, loss=loss, seed=seed)


def report(
    scenario: Scenario | str | os.PathLike[str],
    path: str | os.PathLike[str] = "report.html",
    *,
    figures: str | os.PathLike[str] | None = None,
    draws: int = 2000,
    models: str | Sequence[str] | None = None,
    noise: float = 0.05,
    sensitivity_draws: int = 256,
    sensitivity_model: str = "compromise",
    focal: str | None = None,
    loss: str = "quadratic",
    point: Mapping[str, float] | None = None,
    seed: int = 0,
    ceasefire_data: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    make_dirs: bool = False,
    jobs: int | None = None,
) -> Path:
    """Write the self-contained HTML report of ``accord report`` to ``path`` (and every figure
    as PNG, SVG and PDF under ``figures``); returns the path. An existing file is replaced only
    with ``overwrite=True``, a missing folder created only with ``make_dirs=True``; the report
    never overwrites its inputs (:mod:`accord.outputs`). ``jobs``: local processes for the
    draws, as for :func:`simulate`.

    >>> import accord, tempfile, os
    >>> out = os.path.join(tempfile.mkdtemp(), "eu.html")
    >>> accord.report("examples/eu_emissions.yaml", out, draws=0).name
    'eu.html'
    """
    from accord.report.html import collect, render

    inputs = [scenario if isinstance(scenario, str | os.PathLike) else None, ceasefire_data]
    target = _writable(path, overwrite, make_dirs, inputs)
    s = _scenario(scenario, "report")
    if loss not in ("linear", "quadratic"):
        raise InputError(f"report(loss={loss!r}): expected linear or quadratic")
    for value, name in ((draws, "draws"), (sensitivity_draws, "sensitivity_draws")):
        if value < 0:
            raise InputError(f"report({name}={value}): must be 0 or more")
    if sensitivity_draws == 1:
        raise InputError("report(sensitivity_draws=1): must be 0 or at least 2")
    if noise < 0:
        raise InputError(f"report(noise={noise:g}): must be 0 or more")
    _check_jobs(jobs, "report")
    from accord.api.params import model_names

    d = collect(
        s,
        loss=loss,  # type: ignore[arg-type]
        point=_point(s, point, "report"),
        seed=seed,
        draws=draws,
        models=model_names(models, "report"),
        noise=noise,
        sensitivity_draws=sensitivity_draws,
        sensitivity_model=sensitivity_model,
        ceasefire_data=ceasefire_data,
        focal=focal,
        jobs=jobs,
    )
    html, _ = render(d, figures)
    _writable(target, overwrite, make_dirs, inputs, html)
    return target


def _writable(
    path: str | os.PathLike[str],
    overwrite: bool,
    make_dirs: bool,
    inputs: Sequence[str | os.PathLike[str] | None],
    data: str | None = None,
) -> Path:
    """Check (and with ``data``, write) an output through :mod:`accord.outputs`, its refusals
    worded in this API's arguments."""
    from accord.outputs import check_output, write_output

    try:
        if data is None:
            return check_output(path, force=overwrite, inputs=inputs, make_dirs=make_dirs)
        write_output(path, data, force=overwrite, inputs=inputs, make_dirs=make_dirs)
        return Path(path)
    except InputError as exc:
        words = str(exc).replace("give --force", "pass overwrite=True").replace("--force", "overwrite=True")
        words = words.replace("give --make-dirs", "pass make_dirs=True").replace(
            "--make-dirs", "make_dirs=True"
        )
        raise InputError(words) from None


def durability(
    scenario: Scenario | str | os.PathLike[str] | None = None,
    *,
    data: str | os.PathLike[str] | None = None,
    model: bool = True,
    **deal: Any,
) -> Durability:
    """How long comparable cease-fires held (``accord durability``): the Kaplan-Meier base rate
    of the reference class, the location's own record and, with ``model=True``, the Cox model's
    probability for this deal.

    The deal comes from ``scenario.deal`` or as keywords, the fields of a scenario's ``deal:``
    block (``written=True``, ``mediated=True``, ``purpose=["humanitarian"]``,
    ``ceasefire_class="preliminary"``, ``side="bilateral"``, ``timing="1"``, ``enforcement=``,
    ``mechanism=``, ``ddr=``, ``fixed_term=``, ``fixed_term_days=``, ``location=``,
    ``expected_days=``...). ``data``: the ETH/PRIO CFD csv (default ``$ACCORD_CEASEFIRE_DATA``).

    >>> import accord
    >>> cfd = DATA / "ceasefires" / "cfd_1989_2016.csv"  # DATA: where the public data sets are
    >>> d = accord.durability(data=cfd, written=True, model=False)
    >>> d.to_frame().columns.tolist()
    ['horizon', 'days', 'base_rate', 'ci_low', 'ci_high', 'pessimistic', 'cox', 'location']
    """
    from types import SimpleNamespace

    from accord.api.results import Durability
    from accord.case.durability import durability_analysis, durability_path

    if scenario is not None:
        if deal:
            raise InputError("durability: give the deal either by a scenario or as keywords, not both")
        s = _scenario(scenario, "durability")
        if s.deal is None:
            raise InputError("durability(scenario=...): the scenario has no `deal` section")
        subject: Any = s
    else:
        from pydantic import ValidationError

        from accord.scenario.model import Deal

        known = sorted(Deal.model_fields)
        unknown = sorted(set(deal) - set(known))
        if unknown:
            raise InputError(
                f"durability({unknown[0]}=...): not a field of a deal (fields: {', '.join(known)})"
            )
        try:
            subject = SimpleNamespace(deal=Deal.model_validate(deal) if deal else None)
        except ValidationError as exc:  # worded as a scenario file's deal block would be
            from accord.scenario.io import format_validation_error

            raise InputError(f"durability: deal.{format_validation_error(exc, deal)}") from None
    if durability_path(data) is None:
        raise InputError(
            "durability(data=None): give the ETH/PRIO cease-fire data (a CSV path) "
            "or set $ACCORD_CEASEFIRE_DATA"
        )
    evidence = durability_analysis(subject, data, model=model)
    assert evidence is not None  # a data path is set
    return Durability(evidence)


def backtest(
    data: str | os.PathLike[str] | Sequence[Scenario],
    models: str | Sequence[str] | None = None,
    *,
    capability: str = "equal",
    institutions: str = "largest",
    min_actors: int = 3,
    seed: int = 0,
    params: Mapping[str, Any] | None = None,
    **model_params: Any,
) -> BacktestResult:
    """Forecast every scorable issue of a DEU table (or of one-issue scenarios with recorded
    outcomes) with every model, and score each model's error (``accord backtest``; the learned
    forecaster's cross-validation is the command's alone).

    ``data``: a DEU table path, or scenarios; ``models``: ``NAME`` or ``NAME:VARIANT`` (default:
    every model and variant but the learned ones); ``capability``, ``institutions``: how the DEU
    reader weighs actors (see docs/backtest.md).

    >>> import accord
    >>> bt = accord.backtest(DATA / "deu" / "deu_dev.tsv", ["mean", "median"])
    >>> bt.to_frame("metrics")["model"].tolist()
    ['mean', 'median']
    """
    from accord.api.results import BacktestResult
    from accord.evaluation import backtest as bt

    names, flat = _models_and_params(models, params, model_params, "backtest")
    if isinstance(data, str | os.PathLike):
        from accord.scenario.formats import deu

        scenarios = deu.load_file(Path(data), capability=capability, institutions=institutions).scenarios
    else:
        scenarios = list(data)
    result = bt.run_backtest(scenarios, names, flat, seed=seed, min_actors=min_actors)
    return BacktestResult(result, seed=seed)
