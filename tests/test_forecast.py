"""Running models on a scenario: model choice, parameter routing, results in scale units."""

from __future__ import annotations

import numpy as np
import pytest

from accord.errors import ParameterError
from accord.forecast import Forecast, route_params, run_forecasts
from accord.models import registry
from accord.models.registry import Field, ModelResult, ModelSpec, Param
from accord.problem import to_problem
from accord.scenario import Scenario, validate


def _scenario(status_quo: float | None = None) -> Scenario:
    issue: dict[str, object] = {"id": "x", "scale": {"min": 0, "max": 10}}
    if status_quo is not None:
        issue["status_quo"] = status_quo
    return validate(
        {
            "name": "t",
            "actors": [
                {"id": "a", "capability": 1, "positions": {"x": {"position": 2, "salience": 1}}},
                {"id": "b", "capability": 3, "positions": {"x": {"position": 8, "salience": 1}}},
            ],
            "issues": [issue],
        },
        "t",
    )


def test_every_model_runs_without_a_choice() -> None:
    out = run_forecasts(_scenario())
    assert set(out) == {m.name for m in registry.all_models()}
    assert out["mean"].outcome == {"x": pytest.approx(5.0)}
    assert out["compromise"].outcome == {"x": pytest.approx(6.5)}  # (1*2 + 3*8) / 4
    assert out["median"].outcome == {"x": pytest.approx(8.0)}


def test_chosen_models_only() -> None:
    out = run_forecasts(_scenario(), ["median"])
    assert list(out) == ["median"]


def test_unknown_model() -> None:
    with pytest.raises(ParameterError, match=r"unknown model 'eum2' \(models: mean, compromise, median, nbs"):
        run_forecasts(_scenario(), ["eum2"])


def test_param_for_every_model_that_has_it() -> None:
    specs = [registry.get("mean"), registry.get("median"), registry.get("nbs")]
    routed = route_params(specs, {"weighting": "equal", "nbs.loss": "linear"})
    assert routed == {
        "mean": {"weighting": "equal"},
        "median": {"weighting": "equal"},
        "nbs": {"weighting": "equal", "loss": "linear"},
    }


def test_param_no_model_takes() -> None:
    with pytest.raises(ParameterError, match=r"--param rounds: no selected model has a parameter 'rounds'"):
        run_forecasts(_scenario(), ["mean"], {"rounds": "3"})


def test_param_for_a_model_not_selected() -> None:
    with pytest.raises(ParameterError, match=r"--param nbs.loss: model 'nbs' is not selected"):
        run_forecasts(_scenario(), ["mean"], {"nbs.loss": "linear"})


def test_param_unknown_for_the_named_model() -> None:
    with pytest.raises(ParameterError, match=r"model mean has no parameter 'loss' \(parameters: weighting\)"):
        run_forecasts(_scenario(), ["mean"], {"mean.loss": "linear"})


def test_param_bad_choice() -> None:
    with pytest.raises(
        ParameterError, match=r"model median, parameter weighting: 'votes' is not one of power"
    ):
        run_forecasts(_scenario(), ["median"], {"weighting": "votes"})


def test_param_values_are_converted() -> None:
    out = run_forecasts(_scenario(), ["median"], {"weighting": "equal"})
    assert out["median"].params == {"weighting": "equal"}
    assert out["median"].outcome["x"] == pytest.approx(5.0)


def test_param_coercion_and_bounds() -> None:
    p = Param("q", 1.0, "a probability", float, low=0, high=1)
    assert p.coerce("0.5", "m") == 0.5 and p.coerce(1, "m") == 1.0
    with pytest.raises(ParameterError, match="model m, parameter q: 'half' is not a valid float"):
        p.coerce("half", "m")
    with pytest.raises(ParameterError, match="model m, parameter q: 2.0 is above the maximum 1"):
        p.coerce("2", "m")
    with pytest.raises(ParameterError, match="model m, parameter q: nan is not finite"):
        p.coerce("nan", "m")
    flag = Param("fast", False, "", bool)
    assert flag.coerce("yes", "m") is True
    with pytest.raises(ParameterError, match="'perhaps' is not a valid bool"):
        flag.coerce("perhaps", "m")
    n = Param("rounds", 10, "", int, low=1)
    assert n.coerce("3", "m") == 3
    with pytest.raises(ParameterError, match="0 is below the minimum 1"):
        n.coerce("0", "m")


def test_parse_params() -> None:
    assert registry.parse_params(["a=1", " b = x "]) == {"a": "1", "b": "x"}
    with pytest.raises(ParameterError, match=r"--param 'a': expected NAME=VALUE"):
        registry.parse_params(["a"])


def test_explicit_model_that_does_not_apply() -> None:
    with pytest.raises(
        ParameterError, match="model nbs, parameter disagreement=status_quo: no status quo on"
    ):
        run_forecasts(_scenario(), ["nbs"], {"disagreement": "status_quo"})


def _fake(problem, *, rng, **params):  # type: ignore[no-untyped-def]
    t = np.stack([problem.position, problem.position], axis=0)
    return ModelResult(
        outcome=np.array([0.5]),
        trajectory={"positions": t, "median": np.array([[0.2], [0.5]]), "r": np.ones((2, 2, 1))},
        details={"per_issue": np.array([0.25]), "total": 3, "levels": [0.1, 0.9]},
        fields={
            "positions": Field(("round", "actor", "issue"), "position"),
            "median": Field(("round", "issue"), "position"),
            "r": Field(("round", "actor", "issue")),
            "per_issue": Field(("issue",)),
            "total": Field(()),
            "levels": Field(()),  # a list: declared, so never taken for a per-issue value
        },
    )


def test_forecast_json_follows_the_declared_fields() -> None:
    problem = to_problem(_scenario())
    spec = ModelSpec("fake", "", "", _fake, applies=lambda p: None)
    f = Forecast("fake", {}, problem, spec.run(problem))
    out = f.to_json()
    assert out["params"] == {}
    issue = out["issues"]["x"]
    assert issue["outcome"] == pytest.approx(5.0)
    assert issue["per_issue"] == 0.25  # not a position: not rescaled
    assert issue["trajectory"][0] == {
        "round": 0,
        "positions": {"a": pytest.approx(2.0), "b": pytest.approx(8.0)},
        "median": pytest.approx(2.0),
        "r": {"a": 1.0, "b": 1.0},
    }
    assert out["details"] == {"total": 3, "levels": [0.1, 0.9]}


def test_an_undeclared_or_misdeclared_field_is_an_error() -> None:
    with pytest.raises(ValueError, match="without a declaration: extra"):
        ModelResult(outcome=np.zeros(1), details={"extra": 1})
    with pytest.raises(ValueError, match="must follow the order"):
        Field(("issue", "round"))
    with pytest.raises(ValueError, match="scale"):
        Field(("issue",), "percent")


def test_every_model_declares_every_field_it_returns() -> None:
    """Run every registered model that applies on a small case: the declarations hold (the
    constructor checks them) and each per-issue field really ends with the issue axis."""
    actors = [
        {
            "id": f"a{k}",
            "capability": 1 + k,
            "positions": {
                "x": {"position": 10 + 30 * k, "salience": 0.5},
                "y": {"position": 80 - 25 * k, "salience": 0.9 - 0.3 * k},
            },
        }
        for k in range(3)
    ]
    issues = [{"id": "x", "status_quo": 0}, {"id": "y"}]
    problem = to_problem(validate({"name": "t", "actors": actors, "issues": issues}, "test"))
    for spec in registry.all_models():
        if spec.why_not(problem) is not None:
            continue
        res = spec.run(problem)
        for key, value in {**res.trajectory, **res.details}.items():
            f = res.fields[key]
            if f.per_issue:
                assert np.shape(value)[-1] == problem.n_issues, (spec.name, key)
                assert np.ndim(value) == len(f.axes), (spec.name, key)


def test_skipped_model_json() -> None:
    problem = to_problem(_scenario())
    f = Forecast("nbs", {}, problem, ModelResult(np.empty(0)), skipped="needs a status quo")
    assert f.to_json() == {"skipped": "needs a status quo"}


def test_non_finite_outcome_is_null_in_json() -> None:
    problem = to_problem(_scenario())
    spec = ModelSpec("fake", "", "", lambda p, *, rng: ModelResult(outcome=np.array([np.nan])))
    out = Forecast("fake", {}, problem, spec.run(problem)).to_json()
    assert out["issues"]["x"]["outcome"] is None
