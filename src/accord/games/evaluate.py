"""Judging strategic models: bootstrap SEs, non-nested tests, and out-of-sample scores.

- :func:`bootstrap`: standard errors from refitting on resampled rows (Efron & Tibshirani 1993),
  seeded.
- :func:`multinomial_logit`: the plain, non-strategic alternative (one softmax over outcomes with
  every covariate of the strategic model).
- :func:`vuong_test` (Vuong 1989, Econometrica 57, eq. 5.6 with the Schwarz correction) and
  :func:`clarke_test` (Clarke 2007, Political Analysis 15: the sign test on the corrected
  per-observation log-likelihood ratios), as ``games::vuong`` / ``games::clarke`` use them to compare
  a strategic model with a logit.
- :func:`log_loss`, :func:`brier` and :func:`war1800_evaluation`: out-of-sample log-loss and Brier
  score of ``egame12`` against the base rate and the multinomial logit, on disputes after 1850
  (fit before) and by grouped cross-validation (whole disputes held out together).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from accord.errors import InputError
from accord.games.formula import design, factor_levels, parse_part
from accord.games.strategic import StrategicFit, fit_strategic, load_data

WAR1800_FORMULA = "esc + war ~ s_wt_re1 + revis1 | 0 | regime1 | balanc + regime2"
WAR1800_VARIABLES = ("s_wt_re1", "revis1", "regime1", "balanc", "regime2")


def bootstrap(
    model: str, formula: str, data: Any, *, reps: int = 200, seed: int = 0, **options: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap the strategic model: (reps, coefficients) estimates and their standard deviations.

    Rows are resampled with replacement (``numpy.random.default_rng(seed)``); each refit starts
    at the full-sample estimate and skips the Hessian.
    """
    if not isinstance(reps, int) or reps < 2:
        raise InputError(f"reps: need a whole number >= 2, got {reps!r}")
    frame = load_data(data)
    full = fit_strategic(model, formula, frame, **options)
    free = np.isfinite(full.se)
    start = full.coef[free] if options.get("fixed_utils") is None else full.coef[-1:]
    rng = np.random.default_rng(seed)
    out = np.empty((reps, len(full.coef)))
    for r in range(reps):
        rows = rng.integers(0, len(frame), len(frame))
        sample = frame.iloc[rows].reset_index(drop=True)
        fit = fit_strategic(model, formula, sample, start=start, hessian=False, **options)
        out[r] = fit.coef
    return out, out.std(axis=0, ddof=1)


@dataclass
class MultinomialLogit:
    """A fitted multinomial logit. coef: (outcomes - 1, columns), the first outcome the baseline."""

    names: tuple[str, ...]
    coef: np.ndarray
    loglik: float
    n: int
    levels: dict[str, tuple[str, ...]]
    variables: tuple[str, ...]

    @property
    def n_params(self) -> int:
        return int(self.coef.size)

    def predict(self, data: Any) -> np.ndarray:
        """(rows, outcomes) probabilities."""
        frame = load_data(data)
        x = _mnl_design(frame, self.variables, self.levels)[0]
        return _softmax(x @ self.coef.T)


def _softmax(eta: np.ndarray) -> np.ndarray:
    full = np.column_stack([np.zeros(len(eta)), eta])
    full -= full.max(axis=1, keepdims=True)
    e = np.exp(full)
    return e / e.sum(axis=1, keepdims=True)


def _mnl_design(
    frame: Any, variables: Sequence[str], levels: dict[str, tuple[str, ...]]
) -> tuple[np.ndarray, tuple[str, ...]]:
    part = parse_part(" + ".join(variables) if variables else "1")
    d = design(part, {v: frame[v].to_numpy() for v in variables}, len(frame), levels)
    return d.matrix, d.names


def multinomial_logit(
    data: Any, y: np.ndarray, variables: Sequence[str], n_outcomes: int
) -> MultinomialLogit:
    """Fit a multinomial logit of outcome index ``y`` on an intercept and ``variables``."""
    from scipy import optimize

    frame = load_data(data)
    levels = factor_levels({v: frame[v].to_numpy() for v in variables}, variables)
    x, names = _mnl_design(frame, variables, levels)
    onehot = np.zeros((len(y), n_outcomes))
    onehot[np.arange(len(y)), y] = 1.0
    shape = (n_outcomes - 1, x.shape[1])

    def negll(flat: np.ndarray) -> tuple[float, np.ndarray]:
        b = flat.reshape(shape)
        p = _softmax(x @ b.T)
        val = -float(np.sum(onehot * np.log(np.maximum(p, 1e-300))))
        grad = -((onehot - p)[:, 1:].T @ x)
        return val, grad.ravel()

    res = optimize.minimize(
        negll, np.zeros(int(np.prod(shape))), jac=True, method="BFGS", options={"gtol": 1e-8}
    )
    return MultinomialLogit(
        names=names,
        coef=np.asarray(res.x).reshape(shape),
        loglik=-float(res.fun),
        n=len(y),
        levels=levels,
        variables=tuple(variables),
    )


def pointwise_loglik(probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(rows,) log-probability of each observed outcome."""
    return np.log(np.maximum(probs[np.arange(len(y)), y], 1e-300))


@dataclass(frozen=True)
class NonNestedTest:
    """A Vuong or Clarke test: positive statistics favour the first model."""

    name: str
    statistic: float
    p_value: float
    favours: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.name,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "favours": self.favours,
        }


def _correction(k1: int, k2: int, n: int) -> float:
    return (k1 - k2) * math.log(n) / 2.0  # Schwarz (BIC) correction


def vuong_test(
    ll1: np.ndarray, ll2: np.ndarray, k1: int, k2: int, names: tuple[str, str] = ("1", "2")
) -> NonNestedTest:
    """Vuong's (1989) test of non-nested models from per-observation log-likelihoods (two-sided p)."""
    from scipy import stats

    m = ll1 - ll2
    n = len(m)
    sd = float(m.std(ddof=1))
    z = (float(m.sum()) - _correction(k1, k2, n)) / (math.sqrt(n) * sd) if sd > 0 else 0.0
    p = float(2 * stats.norm.sf(abs(z)))
    return NonNestedTest(
        "Vuong", z, p, names[0] if z > 0 and p < 0.05 else names[1] if z < 0 and p < 0.05 else "neither"
    )


def clarke_test(
    ll1: np.ndarray, ll2: np.ndarray, k1: int, k2: int, names: tuple[str, str] = ("1", "2")
) -> NonNestedTest:
    """Clarke's (2007) distribution-free test: how many corrected ratios favour model 1 (binomial)."""
    from scipy import stats

    n = len(ll1)
    m = ll1 - ll2 - _correction(k1, k2, n) / n
    wins = int((m > 0).sum())
    p = float(min(1.0, 2 * min(stats.binom.cdf(wins, n, 0.5), stats.binom.sf(wins - 1, n, 0.5))))
    favours = names[0] if wins > n / 2 and p < 0.05 else names[1] if wins < n / 2 and p < 0.05 else "neither"
    return NonNestedTest("Clarke", float(wins), p, favours)


def compare_with_logit(fit: StrategicFit, data: Any, variables: Sequence[str]) -> list[NonNestedTest]:
    """Vuong and Clarke tests of a strategic fit against a multinomial logit on the same rows."""
    frame = load_data(data).dropna(subset=list(variables)).reset_index(drop=True)
    if len(frame) != fit.n:
        raise InputError(f"the data give {len(frame)} complete rows, the fit used {fit.n}")
    mnl = multinomial_logit(frame, fit.y, variables, len(fit.outcomes))
    ll1 = pointwise_loglik(fit.fitted_probs, fit.y)
    ll2 = pointwise_loglik(mnl.predict(frame), fit.y)
    k1 = int(np.isfinite(fit.se).sum())
    names = (fit.model, "multinomial logit")
    return [vuong_test(ll1, ll2, k1, mnl.n_params, names), clarke_test(ll1, ll2, k1, mnl.n_params, names)]


def log_loss(probs: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-probability of the observed outcomes (nats per observation)."""
    return float(-pointwise_loglik(probs, y).mean())


def brier(probs: np.ndarray, y: np.ndarray) -> float:
    """Multi-outcome Brier score: mean over observations of the summed squared errors (0 is perfect)."""
    onehot = np.zeros_like(probs)
    onehot[np.arange(len(y)), y] = 1.0
    return float(((probs - onehot) ** 2).sum(axis=1).mean())


def _scores(train: Any, test: Any) -> dict[str, dict[str, float]]:
    fit = fit_strategic("egame12", WAR1800_FORMULA, train)
    y_test = _war_outcome(test)
    base = np.bincount(fit.y, minlength=3) / len(fit.y)
    mnl = multinomial_logit(train, fit.y, WAR1800_VARIABLES, 3)
    preds = {
        "base rate": np.broadcast_to(base, (len(test), 3)),
        "multinomial logit": mnl.predict(test),
        "egame12 (probit, agent)": fit.predict(test),
    }
    return {k: {"log_loss": log_loss(p, y_test), "brier": brier(p, y_test)} for k, p in preds.items()}


def _war_outcome(frame: Any) -> np.ndarray:
    esc = frame["esc"].to_numpy(dtype=float)
    war = frame["war"].to_numpy(dtype=float)
    return np.where(esc == 0, 0, np.where(war == 0, 1, 2)).astype(int)


def war1800_evaluation(path: Any, *, split_year: int = 1850, folds: int = 5, seed: int = 0) -> dict[str, Any]:
    """Out-of-sample scores on ``war1800``: a temporal split and grouped K-fold cross-validation.

    Rows with missing covariates are dropped first (as the fit does). Cross-validation folds
    hold out whole disputes (``midnum``), so dyads of one dispute never sit on both sides.
    Returns, per design and model, the mean log-loss (nats) and Brier score, with row counts.
    """
    frame = load_data(path)
    cols = ["esc", "war", "year", "midnum", *WAR1800_VARIABLES]
    frame = frame.dropna(subset=cols).reset_index(drop=True)
    early = frame[frame["year"] < split_year].reset_index(drop=True)
    late = frame[frame["year"] >= split_year].reset_index(drop=True)
    out: dict[str, Any] = {
        "temporal": {
            "train_rows": len(early),
            "test_rows": len(late),
            "split_year": split_year,
            "scores": _scores(early, late),
        },
    }
    groups = frame["midnum"].to_numpy()
    unique = np.unique(groups)
    rng = np.random.default_rng(seed)
    fold_of = dict(zip(unique, rng.permutation(len(unique)) % folds, strict=True))
    fold = np.array([fold_of[g] for g in groups])
    totals: dict[str, dict[str, float]] = {}
    for f in range(folds):
        train = frame[fold != f].reset_index(drop=True)
        test = frame[fold == f].reset_index(drop=True)
        for model, s in _scores(train, test).items():
            t = totals.setdefault(model, {"log_loss": 0.0, "brier": 0.0})
            t["log_loss"] += s["log_loss"] * len(test)
            t["brier"] += s["brier"] * len(test)
    out["grouped_cv"] = {
        "folds": folds,
        "seed": seed,
        "rows": len(frame),
        "disputes": len(unique),
        "scores": {m: {k: v / len(frame) for k, v in s.items()} for m, s in totals.items()},
    }
    return out
