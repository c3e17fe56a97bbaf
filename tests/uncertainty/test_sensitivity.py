"""Sobol' indices: closed forms (a linear compromise, the Ishigami function), swings, invariance."""

from __future__ import annotations

import numpy as np
import pytest

from accord.errors import InputError
from accord.scenario import validate
from accord.uncertainty.sensitivity import design, sensitivity, sobol_indices

CAPS = (1.0, 2.0, 3.0)
SAL = (1.0, 0.5, 1.0)
RANGES = ((10.0, 30.0), (40.0, 90.0), (60.0, 70.0))


def linear_case():
    """Compromise on one issue with uniform positions: the outcome is linear in them."""
    actors = [
        {
            "id": f"a{k}",
            "capability": CAPS[k],
            "positions": {
                "x": {
                    "position": sum(RANGES[k]) / 2,
                    "salience": SAL[k],
                    "uncertainty": {"position": {"low": RANGES[k][0], "high": RANGES[k][1]}},
                }
            },
        }
        for k in range(3)
    ]
    return validate({"name": "linear", "actors": actors, "issues": [{"id": "x"}]}, "linear")


def closed_form() -> np.ndarray:
    # Y = sum_i a_i X_i with a_i = c_i s_i / sum c s: S_i = S_Ti = a_i^2 V_i / sum_j a_j^2 V_j
    w = np.array(CAPS) * np.array(SAL)
    a = w / w.sum()
    v = np.array([(hi - lo) ** 2 / 12 for lo, hi in RANGES])
    return a**2 * v / np.sum(a**2 * v)


def test_compromise_indices_match_the_closed_form() -> None:
    res = sensitivity(linear_case(), 4000, ["compromise"], seed=11)
    expected = closed_form()
    np.testing.assert_allclose(res.total["compromise"][:, 0], expected, atol=0.03)
    np.testing.assert_allclose(res.first["compromise"][:, 0], expected, atol=0.05)
    # the bootstrap intervals are honest about that accuracy
    assert np.all(res.first_conf["compromise"][:, 0] < 0.1)
    assert np.all(
        np.abs(res.total["compromise"][:, 0] - expected) < 3 * res.total_conf["compromise"][:, 0] + 1e-3
    )


def test_ishigami_function_indices() -> None:
    # Ishigami & Homma (1990): Y = sin X1 + 7 sin^2 X2 + 0.1 X3^4 sin X1, X_i ~ U(-pi, pi);
    # S = (0.3139, 0.4424, 0), S_T = (0.5576, 0.4424, 0.2437) (Saltelli et al. 2008, sec. 4.5)
    rng = np.random.default_rng(0)
    n, k = 20_000, 3
    x = (design(rng.random((n, 2 * k)), k) * 2 - 1) * np.pi  # (k + 2, n, k)
    y = np.sin(x[..., 0]) + 7 * np.sin(x[..., 1]) ** 2 + 0.1 * x[..., 2] ** 4 * np.sin(x[..., 0])
    first, total = sobol_indices(np.moveaxis(y, 0, 1))
    np.testing.assert_allclose(first, [0.3139, 0.4424, 0.0], atol=0.03)
    np.testing.assert_allclose(total, [0.5576, 0.4424, 0.2437], atol=0.03)


def test_design_swaps_one_column_per_matrix() -> None:
    u = np.arange(2 * 2 * 3, dtype=float).reshape(2, 6)
    d = design(u, 3)
    assert np.array_equal(d[0], u[:, :3]) and np.array_equal(d[1], u[:, 3:])
    for i in range(3):
        expect = u[:, :3].copy()
        expect[:, i] = u[:, 3 + i]
        assert np.array_equal(d[2 + i], expect)


def test_swings_and_ranking() -> None:
    res = sensitivity(linear_case(), 200, ["compromise", "nbs"], seed=1)
    rank = res.ranking("compromise", "x")
    assert [r["input"] for r in rank][0] == "position[a1,x]"
    assert [r["ST"] for r in rank] == sorted((r["ST"] for r in rank), reverse=True)
    w = np.array(CAPS) * np.array(SAL)
    a = w / w.sum()
    point = float(np.dot(a, [sum(r) / 2 for r in RANGES]))
    for row in rank:
        i = int(row["input"][len("position[a")])
        lo, hi = RANGES[i]
        assert row["input_low"] == pytest.approx(lo + 0.05 * (hi - lo))
        assert row["low"] == pytest.approx(point + a[i] * (row["input_low"] - sum(RANGES[i]) / 2))
        assert row["high"] == pytest.approx(point + a[i] * (row["input_high"] - sum(RANGES[i]) / 2))
    data = res.to_json()
    assert data["model_runs"] == 200 * 5
    assert set(data["models"]) == {"compromise", "nbs"}


def test_indices_do_not_depend_on_the_chunk_size() -> None:
    a = sensitivity(linear_case(), 100, ["compromise"], seed=2, block_size=16, chunk_blocks=1)
    b = sensitivity(linear_case(), 100, ["compromise"], seed=2, block_size=16, chunk_blocks=4)
    assert np.array_equal(a.first["compromise"], b.first["compromise"])
    assert np.array_equal(a.total["compromise"], b.total["compromise"])


def test_nothing_uncertain_is_an_input_error() -> None:
    s = validate(
        {
            "name": "fixed",
            "actors": [{"id": "a", "positions": {"x": {"position": 1, "salience": 1}}}, {"id": "b"}],
            "issues": [{"id": "x"}],
        },
        "fixed",
    )
    with pytest.raises(InputError, match="no input is uncertain"):
        sensitivity(s, 100, ["compromise"])


def test_indices_equal_salibs_on_the_same_outputs() -> None:
    """SALib (declared as the oracle) on the same model outputs, laid out as its Saltelli sample."""
    from SALib.analyze import sobol as salib

    rng = np.random.default_rng(11)
    n, k = 512, 3
    rows = design(rng.uniform(size=(n, 2 * k)), k)  # (k + 2, n, k): A, B, A_B^(1..k)
    x = np.pi * (2 * rows - 1)
    y = np.sin(x[..., 0]) + 7 * np.sin(x[..., 1]) ** 2 + 0.1 * x[..., 2] ** 4 * np.sin(x[..., 0])
    first, total = sobol_indices(y.T[:, :, None])  # (n, k + 2, 1 issue)
    # SALib's layout without second order: per base row, A, then A_B^(1..k), then B
    layout = np.concatenate([y[[0]], y[2:], y[[1]]], axis=0).T.reshape(-1)
    problem = {"num_vars": k, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * k}
    ref = salib.analyze(problem, layout, calc_second_order=False, num_resamples=10, seed=1)
    np.testing.assert_allclose(first[:, 0], ref["S1"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(total[:, 0], ref["ST"], rtol=0, atol=1e-10)


def test_estimates_in_any_order_are_those_of_the_models_in_turn() -> None:
    # the pool hands each model's design outcomes in as its tasks end; every model's bootstrap
    # draws its rows from one generator model after model, whatever the order they come in
    from accord.uncertainty.draws import SENSITIVITY
    from accord.uncertainty.sensitivity import SobolEstimates, bootstrap_conf
    from accord.uncertainty.simulation import ModelRun

    rng = np.random.default_rng(3)
    models = [ModelRun(name, {}) for name in ("a", "b", "c")]
    outcomes = {m.name: rng.normal(size=(50, 5, 2)) for m in models}
    outcomes["b"][:, :, 1] = 0.25  # an outcome that does not vary: NaN indices
    want_rng = np.random.default_rng(np.random.SeedSequence(9, spawn_key=(SENSITIVITY, 2**32 - 1)))
    want = {
        m.name: (*sobol_indices(outcomes[m.name]), *bootstrap_conf(outcomes[m.name], want_rng))
        for m in models
    }
    est = SobolEstimates(models, 50, 9)
    est.add({"c": outcomes["c"]})
    est.add({"a": outcomes["a"], "b": outcomes["b"]})
    est.add(outcomes)  # nothing left to do
    assert est.done.keys() == want.keys()
    for name, arrays in want.items():
        for got, expected in zip(est.done[name], arrays, strict=True):
            assert np.array_equal(got, expected, equal_nan=True)
