"""Bootstrap, Vuong/Clarke tests, the multinomial logit and the war1800 out-of-sample scores."""

from __future__ import annotations

import numpy as np
import pytest
from tests.conftest import DATA, need

from accord.errors import InputError
from accord.games.evaluate import (
    WAR1800_FORMULA,
    WAR1800_VARIABLES,
    bootstrap,
    brier,
    clarke_test,
    compare_with_logit,
    log_loss,
    multinomial_logit,
    vuong_test,
    war1800_evaluation,
)
from accord.games.strategic import fit_strategic, load_data

WAR = DATA / "games" / "war1800.csv"


def test_scores_by_hand() -> None:
    p = np.array([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]])
    y = np.array([0, 1])
    assert log_loss(p, y) == pytest.approx(-(np.log(0.5) + np.log(0.8)) / 2)
    assert brier(p, y) == pytest.approx(((0.25 + 0.0625 * 2) + (0.01 + 0.04 + 0.01)) / 2)


def test_vuong_and_clarke_detect_the_better_model() -> None:
    rng = np.random.default_rng(0)
    ll2 = rng.normal(-1.0, 0.3, 400)
    ll1 = ll2 + 0.2 + rng.normal(0, 0.3, 400)
    v = vuong_test(ll1, ll2, 3, 3, ("a", "b"))
    c = clarke_test(ll1, ll2, 3, 3, ("a", "b"))
    assert v.statistic > 0 and v.p_value < 0.01 and v.favours == "a"
    assert c.favours == "a"
    same = vuong_test(ll2, ll2 + 1e-3 * rng.normal(size=400), 3, 3)
    assert same.favours == "neither"


def test_multinomial_logit_reproduces_frequencies_with_intercepts_only() -> None:
    frame = load_data(need(WAR)).dropna(subset=list(WAR1800_VARIABLES))
    y = np.where(frame["esc"] == 0, 0, np.where(frame["war"] == 0, 1, 2))
    mnl = multinomial_logit(frame, y, [], 3)
    freq = np.bincount(y, minlength=3) / len(y)
    assert np.allclose(mnl.predict(frame)[0], freq, atol=1e-6)


def test_compare_with_logit_on_war1800() -> None:
    frame = load_data(need(WAR))
    fit = fit_strategic("egame12", WAR1800_FORMULA, frame)
    tests = compare_with_logit(fit, frame, WAR1800_VARIABLES)
    assert [t.name for t in tests] == ["Vuong", "Clarke"]
    assert all(0 <= t.p_value <= 1 for t in tests)


def test_bootstrap_is_seeded() -> None:
    frame = load_data(need(WAR))
    a, se_a = bootstrap("egame12", WAR1800_FORMULA, frame, reps=3, seed=5)
    b, se_b = bootstrap("egame12", WAR1800_FORMULA, frame, reps=3, seed=5)
    assert a.shape == (3, 10) and np.array_equal(a, b) and np.array_equal(se_a, se_b)
    with pytest.raises(InputError, match="reps"):
        bootstrap("egame12", WAR1800_FORMULA, frame, reps=1)


def test_war1800_evaluation() -> None:
    r = war1800_evaluation(need(WAR))
    t = r["temporal"]
    assert t["train_rows"] + t["test_rows"] == 282
    cv = r["grouped_cv"]
    assert cv["rows"] == 282
    for design in (t, cv):
        assert set(design["scores"]) == {"base rate", "multinomial logit", "egame12 (probit, agent)"}
    # the base rate's log-loss is the entropy-like cost of knowing nothing: about log(3) or less
    assert cv["scores"]["base rate"]["log_loss"] < np.log(3) + 0.05
