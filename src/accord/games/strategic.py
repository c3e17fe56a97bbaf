"""Statistical strategic models estimated by maximum likelihood (Signorino 1999, 2003).

The models of the R package ``games`` (Kenkel & Signorino 2014, *Journal of Statistical Software*
56(8)), written from their published definitions:

- Each player's utility for an outcome is linear in covariates, ``u_ik = X_ik beta_ik``; some
  utilities are normalised to zero (``u23`` in ``egame12``, ``u21 = u23`` in ``egame122``, ``u35``
  in ``egame123``).
- **agent** error: each decision node's actions get independent shocks of scale ``sigma``, so a
  binary choice between expected utilities ``a`` and ``b`` is ``F((a - b) / (sigma sqrt 2))``
  (Signorino 1999, eq. 6).
- **private** error: each player's utility for each outcome carries a shock of scale ``sigma`` that
  only that player sees; an earlier mover weighs later outcomes by their probabilities, so the
  difference has scale ``sigma sqrt(sum of squared weights)`` (Signorino 2003, "Structure and
  Uncertainty in Discrete Choice Models", Political Analysis 11; Kenkel & Signorino 2014, sec. 2).
- ``F`` is the standard normal CDF (probit) or the standard logistic CDF (logit); the logit is
  applied to the same ``sqrt 2``-scaled difference, so the ``games`` logit at ``sigma = 1`` equals the
  agent logit QRE at ``lambda = 1/sqrt 2`` (see :mod:`accord.games.solve`).
- ``sdformula``: ``log sigma_i = Z_i gamma``; ``fixed_utils``: the utilities are fixed and only
  ``log sigma`` is estimated.

Maximum likelihood uses exact gradients (forward-mode differentiation, :mod:`accord.games.dual`),
BFGS and then Newton steps on the Hessian (central differences of the exact gradient), which also
gives the standard errors (inverse Hessian, as ``maxLik`` reports them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from accord.errors import InputError, ParameterError
from accord.games.dual import Dual, cdf, log_cdf
from accord.games.formula import Design, Formula, Part, design, factor_levels, parse_formula, parse_part

SQRT2 = math.sqrt(2.0)
LINKS = ("probit", "logit")
ERRORS = ("agent", "private")

ProbFn = Callable[[list[Dual], Dual, str, bool], list[Dual]]


def _egame12(u: list[Dual], sigma: Dual, link: str, private: bool) -> list[Dual]:
    u11, u13, u14, u24 = u
    z2 = u24 / (sigma * SQRT2)
    p3, p4 = cdf(-z2, link), cdf(z2, link)
    diff = p3 * u13 + p4 * u14 - u11
    sd = sigma * (p3 * p3 + p4 * p4 + 1.0).sqrt() if private else sigma * SQRT2
    z1 = diff / sd
    l_r = log_cdf(z1, link)
    return [log_cdf(-z1, link), l_r + log_cdf(-z2, link), l_r + log_cdf(z2, link)]


def _egame122(u: list[Dual], sigma: Dual, link: str, private: bool) -> list[Dual]:
    u11, u12, u13, u14, u22, u24 = u
    zl = u22 / (sigma * SQRT2)
    zr = u24 / (sigma * SQRT2)
    pll, plr = cdf(-zl, link), cdf(zl, link)
    prl, prr = cdf(-zr, link), cdf(zr, link)
    diff = prl * u13 + prr * u14 - pll * u11 - plr * u12
    if private:
        sd = sigma * (pll * pll + plr * plr + prl * prl + prr * prr).sqrt()
    else:
        sd = sigma * SQRT2
    z1 = diff / sd
    l_l, l_r = log_cdf(-z1, link), log_cdf(z1, link)
    return [
        l_l + log_cdf(-zl, link),
        l_l + log_cdf(zl, link),
        l_r + log_cdf(-zr, link),
        l_r + log_cdf(zr, link),
    ]


def _egame123(u: list[Dual], sigma: Dual, link: str, private: bool) -> list[Dual]:
    u11, u13, u15, u16, u23, u25, u26, u36 = u
    z3 = u36 / (sigma * SQRT2)
    p5, p6 = cdf(-z3, link), cdf(z3, link)
    diff2 = p5 * u25 + p6 * u26 - u23
    sd2 = sigma * (p5 * p5 + p6 * p6 + 1.0).sqrt() if private else sigma * SQRT2
    z2 = diff2 / sd2
    q3, q_r = cdf(-z2, link), cdf(z2, link)
    w5, w6 = q_r * p5, q_r * p6
    diff1 = q3 * u13 + w5 * u15 + w6 * u16 - u11
    sd1 = sigma * (q3 * q3 + w5 * w5 + w6 * w6 + 1.0).sqrt() if private else sigma * SQRT2
    z1 = diff1 / sd1
    l1 = log_cdf(z1, link)
    l2 = l1 + log_cdf(z2, link)
    return [log_cdf(-z1, link), l1 + log_cdf(-z2, link), l2 + log_cdf(-z3, link), l2 + log_cdf(z3, link)]


@dataclass(frozen=True)
class ModelSpec:
    """A strategic model: its utilities (player, outcome code) in formula order and its probabilities."""

    name: str
    codes: tuple[str, ...]
    slots: tuple[tuple[int, int], ...]
    probs: ProbFn
    sequential: bool  # outcomes 1, 3, ... end the game at successive movers (naming of a + b LHS)


MODELS: dict[str, ModelSpec] = {
    "egame12": ModelSpec("egame12", ("1", "3", "4"), ((1, 0), (1, 1), (1, 2), (2, 2)), _egame12, True),
    "egame122": ModelSpec(
        "egame122",
        ("LL", "LR", "RL", "RR"),
        ((1, 0), (1, 1), (1, 2), (1, 3), (2, 1), (2, 3)),
        _egame122,
        False,
    ),
    "egame123": ModelSpec(
        "egame123",
        ("1", "3", "5", "6"),
        ((1, 0), (1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3), (3, 3)),
        _egame123,
        True,
    ),
}


def load_data(data: Any) -> Any:
    """A pandas DataFrame from a DataFrame, a mapping of columns or a CSV path."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, str | Path):
        try:
            return pd.read_csv(data)
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read the data: {exc}", source=str(data)) from None
    if isinstance(data, Mapping):
        return pd.DataFrame(dict(data))
    raise InputError(
        f"data: expected a DataFrame, a dict of columns or a CSV path, got {type(data).__name__}"
    )


def _outcome_names(spec: ModelSpec, lhs: Sequence[str], levels: Sequence[str] | None) -> tuple[str, ...]:
    if len(lhs) == 1:
        return tuple(levels) if levels is not None else spec.codes
    if spec.sequential:
        names = []
        for k in range(len(lhs) + 1):
            if k < len(lhs):
                names.append(",".join([*lhs[:k], "~" + lhs[k]]))
            else:
                names.append(",".join(lhs))
        return tuple(names)
    a, b = lhs
    return (f"~{a},~{b}", f"~{a},{b}", f"{a},~{b}", f"{a},{b}")


def _outcome_index(
    spec: ModelSpec, frame: Any, lhs: Sequence[str], levels: Sequence[str] | None
) -> np.ndarray:
    n_out = len(spec.codes)
    if len(lhs) == 1:
        col = frame[lhs[0]].to_numpy()
        keys = [
            str(int(x)) if isinstance(x, float | np.floating) and float(x).is_integer() else str(x)
            for x in col
        ]
        names = [str(v) for v in levels] if levels is not None else list(spec.codes)
        if len(names) != n_out:
            raise InputError(f"levels: {spec.name} has {n_out} outcomes, got {len(names)} levels")
        lookup = {name: i for i, name in enumerate(names)}
        bad = sorted({k for k in keys if k not in lookup})
        if bad:
            raise InputError(
                f"column {lhs[0]!r}: values {bad[:5]} are not outcomes of {spec.name} ({names}); "
                "give levels=[...] in tree order"
            )
        return np.array([lookup[k] for k in keys], dtype=int)
    bits = np.column_stack([frame[v].to_numpy(dtype=float) for v in lhs])
    if not np.all(np.isin(bits, (0.0, 1.0))):
        raise InputError(f"columns {list(lhs)}: a left-hand side of several variables needs 0/1 values")
    if spec.sequential:
        if len(lhs) != n_out - 1:
            raise InputError(f"{spec.name} needs {n_out - 1} binary variables on the left, got {len(lhs)}")
        # the game stops at the first 0
        idx = np.full(len(bits), n_out - 1)
        for k in range(len(lhs) - 1, -1, -1):
            idx = np.where(bits[:, k] == 0, k, idx)
        return idx
    if len(lhs) != 2:
        raise InputError(f"{spec.name} needs 2 binary variables on the left, got {len(lhs)}")
    return (2 * bits[:, 0] + bits[:, 1]).astype(int)


class Coefficients:
    """Named coefficients and standard errors of a fitted model (``names``, ``coef``, ``se``)."""

    names: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray

    @property
    def coefficients(self) -> dict[str, float]:
        return {k: float(v) for k, v in zip(self.names, self.coef, strict=True)}

    @property
    def std_errors(self) -> dict[str, float | None]:
        return {
            k: (None if not np.isfinite(v) else float(v)) for k, v in zip(self.names, self.se, strict=True)
        }


@dataclass
class StrategicFit(Coefficients):
    """A fitted strategic model (the ``games`` result: coefficients, SEs, log-likelihood, predictions)."""

    model: str
    formula: str
    link: str
    error: str
    outcomes: tuple[str, ...]
    names: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray
    vcov: np.ndarray
    loglik: float
    n: int
    converged: bool
    iterations: int
    _predict: Callable[[Any, np.ndarray], np.ndarray] = field(repr=False)
    fitted_probs: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)

    @property
    def aic(self) -> float:
        return -2.0 * self.loglik + 2.0 * int(np.isfinite(self.se).sum())

    def predict(self, data: Any = None) -> np.ndarray:
        """(rows, outcomes) predicted outcome probabilities, on the fitting data or new data."""
        if data is None:
            return self.fitted_probs
        return self._predict(load_data(data), self.coef)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "formula": self.formula,
            "link": self.link,
            "error": self.error,
            "n": self.n,
            "loglik": self.loglik,
            "converged": self.converged,
            "outcomes": list(self.outcomes),
            "coefficients": self.coefficients,
            "std_errors": self.std_errors,
        }

    def summary(self) -> str:
        """A readable table: coefficients, standard errors, z values; log-likelihood and N."""
        lines = [
            f"{self.model} ({self.link}, {self.error} error): log-likelihood {self.loglik:.4f}, N = {self.n}"
        ]
        width = max(len(n) for n in self.names)
        lines.append(f"{'':{width}}  {'estimate':>10}  {'std.err':>9}  {'z':>7}")
        for name, b, s in zip(self.names, self.coef, self.se, strict=True):
            if np.isfinite(s):
                lines.append(f"{name:{width}}  {b:10.4f}  {s:9.4f}  {b / s:7.2f}")
            else:
                lines.append(f"{name:{width}}  {b:10.4f}  {'fixed':>9}")
        return "\n".join(lines)


def fit_strategic(
    model: str,
    formula: str,
    data: Any,
    *,
    link: str = "probit",
    error: str = "agent",
    sdformula: str | None = None,
    fixed_utils: Sequence[float] | None = None,
    levels: Sequence[str] | None = None,
    start: Sequence[float] | np.ndarray | None = None,
    hessian: bool = True,
) -> StrategicFit:
    """Fit ``egame12``, ``egame122`` or ``egame123`` by maximum likelihood (the R ``games`` models).

    formula: ``"y ~ part1 | part2 | ..."`` with one part per utility in the order of the R package
        (egame12: u11 | u13 | u14 | u24; egame122: u11 | u12 | u13 | u14 | u22 | u24;
        egame123: u11 | u13 | u15 | u16 | u23 | u25 | u26 | u36); see :mod:`accord.games.formula`.
    link: ``"probit"`` or ``"logit"``; error: ``"agent"`` or ``"private"``.
    sdformula: a one-sided formula such as ``"~ prioratt - 1"``: log sigma is linear in it.
    fixed_utils: fix every utility (same order as the parts) and estimate only log sigma.
    levels: the outcome names in tree order when the outcome is one text/number column.
    """
    if model not in MODELS:
        raise ParameterError(f"model {model!r}: expected one of {', '.join(MODELS)}")
    if link not in LINKS:
        raise ParameterError(f"link {link!r}: expected probit or logit")
    if error not in ERRORS:
        raise ParameterError(f"error {error!r}: expected agent or private")
    spec = MODELS[model]
    form = parse_formula(formula)
    n_parts = len(spec.slots)
    if fixed_utils is not None:
        fixed = np.asarray(fixed_utils, dtype=float)
        if fixed.shape != (n_parts,) or not np.all(np.isfinite(fixed)):
            raise ParameterError(
                f"fixed_utils: {model} needs {n_parts} finite numbers, got {list(fixed_utils)}"
            )
        parts: tuple[Part, ...] = tuple(
            Part(zero=True, intercept=False, variables=()) for _ in range(n_parts)
        )
        if sdformula is not None:
            raise ParameterError("fixed_utils and sdformula cannot be combined")
    else:
        fixed = None
        parts = form.parts
        if len(parts) != n_parts:
            raise InputError(
                f"formula {formula!r}: {model} needs {n_parts} parts separated by '|', got {len(parts)}"
            )
    sd_part = None
    if sdformula is not None:
        text = sdformula.strip()
        if not text.startswith("~"):
            raise InputError(f"sdformula {sdformula!r}: write it as '~ x1 + x2'")
        sd_part = parse_part(text[1:], f"sdformula {sdformula!r}")

    frame = load_data(data)
    import pandas as pd

    columns = [str(c) for c in frame.columns]
    needed = list(form.lhs)
    for part in (*parts, *([sd_part] if sd_part else [])):
        for v in [c for c in columns if c not in form.lhs] if part.dot else part.variables:
            if v not in needed:
                needed.append(v)
    missing = [v for v in needed if v not in columns]
    if missing:
        raise InputError(
            f"formula {formula!r}: no column {missing[0]!r} in the data (columns: {', '.join(columns)})"
        )
    frame = frame.loc[~pd.isna(frame[needed]).any(axis=1)].reset_index(drop=True)
    if len(frame) == 0:
        raise InputError("no rows left after dropping rows with missing values")
    fac = factor_levels(
        {v: frame[v].to_numpy() for v in needed if v not in form.lhs}, needed[len(form.lhs) :]
    )
    outcomes = _outcome_names(spec, form.lhs, levels)
    y = _outcome_index(spec, frame, form.lhs, levels)

    def designs(fr: Any) -> tuple[list[Design], Design | None]:
        cols = {v: fr[v].to_numpy() for v in needed if v in fr.columns and v not in form.lhs}
        for v in needed[len(form.lhs) :]:
            if v not in cols:
                raise InputError(f"new data: no column {v!r}")
        rows = len(fr)
        ds = [
            design(p, cols, rows, fac, form.lhs) if not p.zero else Design(np.zeros((rows, 0)), ())
            for p in parts
        ]
        sd = design(sd_part, cols, rows, fac, form.lhs) if sd_part is not None else None
        return ds, sd

    ds, sd_design = designs(frame)
    out_names = outcomes
    names: list[str] = []
    for (player, o), d in zip(spec.slots, ds, strict=True):
        label = f"u{player}({out_names[o]})"
        names += [f"{label}:{c}" for c in d.names]
    if fixed is not None:
        names = ["log(sigma)"]
    elif sd_design is not None:
        names += [f"log(sigma):{c}" for c in sd_design.names]
    n_params = len(names)
    if n_params == 0:
        raise InputError(f"formula {formula!r}: nothing to estimate (every utility is fixed at zero)")

    n_in = n_parts + 1  # derivatives are carried per utility and log sigma, then chained to theta

    def log_probs(theta: np.ndarray, ds: list[Design], sd_d: Design | None, rows: int) -> list[Dual]:
        utils: list[Dual] = []
        pos = 0
        for k, d in enumerate(ds):
            jac = np.zeros((rows, n_in))
            jac[:, k] = 1.0
            if fixed is not None:
                utils.append(Dual(np.full(rows, fixed[k]), jac))
                continue
            width = d.matrix.shape[1]
            utils.append(Dual(d.matrix @ theta[pos : pos + width], jac))
            pos += width
        if fixed is not None:
            log_sigma = np.full(rows, theta[0])
        elif sd_d is not None:
            log_sigma = sd_d.matrix @ theta[pos:]
        else:
            log_sigma = np.zeros(rows)
        jac = np.zeros((rows, n_in))
        jac[:, -1] = 1.0
        return spec.probs(utils, Dual(log_sigma, jac).exp(), link, error == "private")

    rows = len(frame)
    onehot = np.zeros((rows, len(spec.codes)), dtype=bool)
    onehot[np.arange(rows), y] = True
    blocks = [d.matrix for d in ds]

    def negll(theta: np.ndarray) -> tuple[float, np.ndarray]:
        lps = log_probs(theta, ds, sd_design, rows)
        v = np.zeros(rows)
        g = np.zeros((rows, n_in))
        for k, lp in enumerate(lps):
            m = onehot[:, k]
            v[m] = lp.v[m]
            g[m] = lp.d[m]
        val = float(v.sum())
        if not math.isfinite(val):
            return 1e300, np.zeros(n_params)
        if fixed is not None:
            grad = np.array([g[:, -1].sum()])
        else:
            parts_grad = [x.T @ g[:, k] for k, x in enumerate(blocks)]
            if sd_design is not None:
                parts_grad.append(sd_design.matrix.T @ g[:, -1])
            grad = np.concatenate(parts_grad)
        return -val, -grad

    if start is not None:
        theta0 = np.asarray(start, dtype=float)
    elif model == "egame12" and fixed is None:
        theta0 = _sbi_start_egame12(ds, y, link, error == "private", n_params)
    else:
        theta0 = np.zeros(n_params)
    if theta0.shape != (n_params,):
        raise ParameterError(f"start: need {n_params} values ({', '.join(names)})")
    theta, converged, iters, h = _maximise(negll, theta0)
    val, _ = negll(theta)
    if hessian:
        try:
            vcov = np.linalg.inv(h)
            se = np.sqrt(np.where(np.diag(vcov) > 0, np.diag(vcov), np.nan))
        except np.linalg.LinAlgError:
            vcov = np.full((n_params, n_params), np.nan)
            se = np.full(n_params, np.nan)
    else:
        vcov = np.full((n_params, n_params), np.nan)
        se = np.full(n_params, np.nan)

    def predict(fr: Any, th: np.ndarray) -> np.ndarray:
        pds, psd = designs(fr)
        est = th if fixed is None else th[-1:]
        return np.exp(np.column_stack([lp.v for lp in log_probs(est, pds, psd, len(fr))]))

    if fixed is not None:
        names_all = [f"u{p}({out_names[o]})" for p, o in spec.slots] + names
        coef_all = np.concatenate([fixed, theta])
        se_all = np.concatenate([np.full(n_parts, np.nan), se])
        vcov_all = np.full((len(coef_all), len(coef_all)), np.nan)
        vcov_all[n_parts:, n_parts:] = vcov
    else:
        names_all, coef_all, se_all, vcov_all = names, theta, se, vcov

    return StrategicFit(
        model=model,
        formula=formula,
        link=link,
        error=error,
        outcomes=outcomes,
        names=tuple(names_all),
        coef=coef_all,
        se=se_all,
        vcov=vcov_all,
        loglik=-val,
        n=rows,
        converged=converged,
        iterations=iters,
        _predict=predict,
        fitted_probs=predict(frame, coef_all),
        y=y,
    )


def _binary_fit(x: np.ndarray, chose: np.ndarray, link: str) -> np.ndarray:
    """A plain probit/logit of a 0/1 choice on ``x`` (used for starting values)."""
    from scipy import optimize

    if x.shape[1] == 0 or x.shape[0] == 0:
        return np.zeros(x.shape[1])
    sign = np.where(chose, 1.0, -1.0)

    def f(b: np.ndarray) -> tuple[float, np.ndarray]:
        z = Dual(sign * (x @ b), sign[:, None] * x)
        lp = log_cdf(z, link)
        return -float(lp.v.sum()), -lp.d.sum(axis=0)

    res = optimize.minimize(f, np.zeros(x.shape[1]), jac=True, method="BFGS")
    return np.asarray(res.x, dtype=float)


def _sbi_start_egame12(
    ds: list[Design], y: np.ndarray, link: str, private: bool, n_params: int
) -> np.ndarray:
    """Starting values by statistical backwards induction (Bas, Signorino & Walker 2008).

    Player 2's choice is fitted on the rows where it was observed; its fitted probabilities make
    player 1's choice a binary model linear in the remaining coefficients.
    """
    x11, x13, x14, x24 = (d.matrix for d in ds)
    reached = y > 0
    b24 = _binary_fit(x24[reached], y[reached] == 2, link) * SQRT2
    p4 = cdf(Dual.const(x24 @ b24 / SQRT2, len(y), 1), link).v
    p3 = 1.0 - p4
    scale = np.sqrt(1.0 + p3**2 + p4**2) if private else np.full(len(y), SQRT2)
    x1 = np.column_stack([-x11, p3[:, None] * x13, p4[:, None] * x14]) / scale[:, None]
    b1 = _binary_fit(x1, reached, link)
    w11, w13 = x11.shape[1], x13.shape[1]
    start = np.concatenate([b1[:w11], b1[w11 : w11 + w13], b1[w11 + w13 :], b24])
    out = np.zeros(n_params)
    out[: len(start)] = start
    return out


def _maximise(
    negll: Callable[[np.ndarray], tuple[float, np.ndarray]], theta0: np.ndarray
) -> tuple[np.ndarray, bool, int, np.ndarray]:
    """BFGS on the exact gradient, then Newton steps until the gradient vanishes.

    Returns the estimate, whether it converged, the iterations and the Hessian at the estimate.
    """
    from scipy import optimize

    res = optimize.minimize(negll, theta0, jac=True, method="BFGS", options={"gtol": 1e-6, "maxiter": 2000})
    theta = np.asarray(res.x, dtype=float)
    iters = int(res.nit)
    val, grad = negll(theta)
    h = _hessian(negll, theta)
    # Newton steps on this Hessian (it barely changes this close to the optimum); a fresh one
    # only if they stall, so a fit usually costs one Hessian
    for step_no in range(30):
        if np.max(np.abs(grad)) < 1e-8:
            break
        if step_no and step_no % 5 == 0:
            h = _hessian(negll, theta)
        try:
            step = np.linalg.solve(h, grad)
        except np.linalg.LinAlgError:
            break
        t = 1.0
        while t > 1e-6:
            cand = theta - t * step
            c_val, c_grad = negll(cand)
            if c_val <= val + 1e-12:
                break
            t *= 0.5
        else:
            break
        theta, val, grad = cand, c_val, c_grad
        iters += 1
    return theta, bool(np.max(np.abs(grad)) < 1e-5), iters, h


def _hessian(
    negll: Callable[[np.ndarray], tuple[float, np.ndarray]], theta: np.ndarray, rel_step: float = 1e-5
) -> np.ndarray:
    """Central differences of the exact gradient (``negll`` returns value and gradient), symmetrised."""
    return hessian_from_gradient(lambda t: negll(t)[1], theta, rel_step)


def hessian_from_gradient(
    grad: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, rel_step: float
) -> np.ndarray:
    """The Hessian as central differences of a gradient, step ``rel_step * max(1, |theta_j|)``,
    symmetrised (one column per parameter: a loop over parameters, not over data)."""
    n = len(theta)
    h = np.zeros((n, n))
    for j in range(n):
        step = rel_step * max(1.0, abs(theta[j]))
        tp, tm = theta.copy(), theta.copy()
        tp[j] += step
        tm[j] -= step
        h[:, j] = (grad(tp) - grad(tm)) / (2 * step)
    return 0.5 * (h + h.T)


def egame12(formula: str, data: Any, **options: Any) -> StrategicFit:
    """The three-outcome deterrence model (``games::egame12``); see :func:`fit_strategic`."""
    return fit_strategic("egame12", formula, data, **options)


def egame122(formula: str, data: Any, **options: Any) -> StrategicFit:
    """The two-player, two-move model (``games::egame122``); see :func:`fit_strategic`."""
    return fit_strategic("egame122", formula, data, **options)


def egame123(formula: str, data: Any, **options: Any) -> StrategicFit:
    """The three-player model (``games::egame123``); see :func:`fit_strategic`."""
    return fit_strategic("egame123", formula, data, **options)


__all__ = [
    "MODELS",
    "StrategicFit",
    "egame12",
    "egame122",
    "egame123",
    "fit_strategic",
    "load_data",
    "Formula",
]
