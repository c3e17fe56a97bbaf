"""Kaplan-Meier against lifelines' KaplanMeierFitter (the oracle) on shared inputs, to 1e-10."""

from __future__ import annotations

import numpy as np
import pytest

from accord.durability.survival import kaplan_meier


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kaplan_meier_equals_lifelines(seed: int) -> None:
    from lifelines import KaplanMeierFitter

    rng = np.random.default_rng(seed)
    n = 300
    # whole days, as in the cease-fire data: many ties between events and censorings
    durations = np.floor(rng.exponential(60.0, n))
    events = rng.uniform(size=n) < 0.6
    ours = kaplan_meier(durations, events)
    fit = KaplanMeierFitter(alpha=0.05).fit(durations, events)
    sf = fit.survival_function_["KM_estimate"]
    ci = fit.confidence_interval_
    times = ours.timeline
    np.testing.assert_allclose(ours.survival, sf.loc[times].to_numpy(), rtol=0, atol=1e-10)
    # lifelines' interval is the same exponential Greenwood (log(-log)) interval
    np.testing.assert_allclose(ours.ci_low, ci.iloc[:, 0].loc[times].to_numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.ci_high, ci.iloc[:, 1].loc[times].to_numpy(), rtol=0, atol=1e-10)
    grid = np.array([0.0, 7.0, 30.0, 56.0, 182.0, 365.0, 1000.0])
    np.testing.assert_allclose(ours.at(grid), fit.survival_function_at_times(grid).to_numpy(), atol=1e-10)
    median = fit.median_survival_time_
    assert (ours.median is None and not np.isfinite(median)) or ours.median == median
