"""Backtests on DEU: the foundation gates, batching, bootstrap over proposals."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from accord.errors import ParameterError
from accord.evaluation import backtest as bt
from accord.models import registry
from accord.problem import to_problem
from accord.scenario.formats import deu
from accord.scenario.model import Scenario
from conftest import DATA, need

DEV = DATA / "deu" / "deu_dev.tsv"


@cache
def _issues() -> tuple[Scenario, ...]:
    return tuple(deu.read_issues(need(DEV)))


def test_foundation_gates() -> None:
    """262 scorable issues; equal capabilities: mean 24.57, compromise 24.63, median 29.20."""
    issues = _issues()
    assert len(bt.scorable(issues)) == 262
    run = bt.run_backtest(issues, models=["mean", "compromise"])
    assert run.metrics("mean")["n"] == 262
    assert run.metrics("mean")["mae"] == pytest.approx(24.57, abs=0.005)
    assert run.metrics("compromise")["mae"] == pytest.approx(24.63, abs=0.005)
    med = bt.run_backtest(issues, models=["median"], params={"weighting": "equal"})
    assert med.metrics("median")["mae"] == pytest.approx(29.20, abs=0.005)


def test_batched_equals_one_by_one() -> None:
    """Stacking issues along the batch axis changes no forecast of any registered model."""
    issues = bt.scorable(_issues())[:60]
    names = [s.name for s in registry.all_models() if not s.stochastic and s.name not in bt.LEARNED_MODELS]
    batched = bt.run_backtest(issues, models=names)
    single = bt.run_backtest(issues, models=names, batch=False)
    for name in names:
        np.testing.assert_allclose(batched.runs[name].forecast, single.runs[name].forecast, atol=1e-9)


def test_stack_keeps_shapes() -> None:
    issues = [s for s in bt.scorable(_issues()) if len(s.actors) == 17][:3]
    probs = [to_problem(s) for s in issues]
    st = bt.stack(probs)
    assert st.position.shape == (3, 17, 1) and st.capability.shape == (3, 17)
    assert [m["proposal"] for m in st.meta["batch_meta"]] == [s.meta["proposal"] for s in issues]


def test_bootstrap_resamples_proposals_and_is_seeded() -> None:
    run = bt.run_backtest(_issues(), models=["mean", "compromise"])
    a = run.bootstrap("mean", n_boot=200, seed=3)
    b = run.bootstrap("mean", n_boot=200, seed=3)
    assert a == b
    lo, hi = a["mae"]
    assert lo < run.metrics("mean")["mae"] < hi
    diff = a["mae_minus_compromise"]
    assert diff["estimate"] == pytest.approx(24.573277 - 24.630905, abs=1e-4)
    w = bt.proposal_weights(run.proposal, 50, 0)
    # issues of one proposal are drawn together
    for pid in set(run.proposal.tolist()):
        cols = w[:, run.proposal == pid]
        assert (cols == cols[:, :1]).all()
    # each replicate draws as many proposals as there are
    _, first = np.unique(run.proposal, return_index=True)
    assert (w[:, first].sum(axis=1) == len(first)).all()


def test_summaries_and_splits() -> None:
    e = np.array([-10.0, 20.0, 0.0, 30.0])
    s = bt.summarise(e)
    assert s == {"mae": 15.0, "rmse": pytest.approx(np.sqrt(350.0)), "median_ae": 15.0, "bias": 10.0, "n": 4}
    run = bt.run_backtest(_issues(), models=["mean"])
    splits = run.splits()
    assert set(splits["procedure"]) == {"COD", "CNS"}
    assert set(splits["voting_rule"]) == {"qmv", "unanimity"}
    assert sum(v["mean"]["n"] for v in splits["era"].values()) == 262
    data = run.to_json(n_boot=50)
    assert data["models"]["mean"]["n"] == 262 and len(data["issues"]) == 262


def test_joint_path_runs_a_model_per_proposal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A model named joint sees each proposal's issues on one multi-issue problem."""
    seen: list[tuple[int, int]] = []
    spec = registry.get("compromise")

    def recording(problem, **kw):  # type: ignore[no-untyped-def]
        seen.append(problem.position.shape)
        return spec.fn(problem, **kw)

    joint_spec = registry.ModelSpec("compromise", spec.summary, spec.citation, recording, spec.params)
    monkeypatch.setitem(registry._load(), "compromise", joint_spec)
    issues = _issues()
    joint = bt.run_backtest(issues, models=["compromise"], joint={"compromise"})
    assert joint.runs["compromise"].joint
    assert len(seen) == joint.info["n_proposals"]
    assert max(shape[-1] for shape in seen) > 1
    # every issue of a scored proposal takes part, scored or not
    scored = set(joint.proposal.tolist())
    assert sum(shape[-1] for shape in seen) == sum(s.meta["proposal"] in scored for s in issues)
    assert sum(shape[-1] for shape in seen) > joint.info["n_issues"]
    # the compromise model is issue by issue, so the joint path gives the same forecasts
    assert joint.metrics("compromise")["mae"] == pytest.approx(24.63, abs=0.005)


def test_default_rows_score_every_variant() -> None:
    """With no model named, every registered model but the learned ones is a row, EUM once per
    variant (``eum`` is the default variant, ``eum:paper`` the other)."""
    rows = bt.model_rows(None)
    names = [r[0] for r in rows]
    assert {"mean", "compromise", "median", "nbs", "eum", "eum:paper", "smp", "exchange"} <= set(names)
    assert "ensemble" not in names
    fixed = {r[0]: r[2] for r in rows}
    assert fixed["eum"] == {"variant": "scholz"} and fixed["eum:paper"] == {"variant": "paper"}
    issues = [s for s in _issues() if s.meta["proposal"] in ("d00032", "d97264", "d96085")]
    run = bt.run_backtest(issues, models=["eum", "eum:paper"])
    assert run.params["eum"]["variant"] == "scholz" and run.params["eum:paper"]["variant"] == "paper"
    one = bt.run_backtest(issues, models=["eum"], params={"variant": "paper"})
    np.testing.assert_array_equal(one.runs["eum"].forecast, run.runs["eum:paper"].forecast)
    assert set(run.info["seconds"]) == {"eum", "eum:paper"}
    with pytest.raises(ParameterError, match="no variant 'nope'"):
        bt.model_rows(["eum:nope"])
