r"""A learned forecaster: the base models' forecasts and issue features combined into one.

Stacked generalisation (Wolpert 1992) around an anchor model: the forecast is

.. math:: \hat{x}_j = \operatorname{clip}_{[0,1]}\bigl(a_j + g(z_j)\bigr)

where :math:`a_j` is the anchor's forecast (the compromise model by default, the literature's
best single model: Achen 2006; Thomson 2011) and :math:`g` a correction learned from the
features :math:`z_j` of the issue: the other base models' forecasts relative to the anchor
(mean, median, Nash bargaining with either disagreement point, EUM in both variants, SMP, and
the exchange model across the scenario's issues, with a flag for whether it ran), the status
quo, the spread of positions, the reference point's side (capability and weight above and
below the status quo, the anchor's side and distance) and, for DEU issues, the procedure, the
voting rule and the Commission's and the Parliament's positions and saliences. :math:`g` is
zero (the anchor alone), a fixed equal average of the anchor and some base models, an
L1-penalised least-absolute-deviation regression (Koenker & Bassett 1978), gradient-boosted
trees with absolute loss (Friedman 2001), a position-choice model, or a weighted committee of
these built by ensemble selection (Caruana et al. 2004) in a cross-validation grouped by
proposal (:mod:`accord.evaluation.learn` fits it). The position-choice model scores each candidate
outcome (every distinct actor position and the status quo) by a logistic regression on its
support (share of actors and of capability x salience there, whether the Commission, the
Parliament or the status quo sits there, its distance from the anchor) and forecasts the
weighted median of the candidates, weighted by their probabilities, and of the anchor, with
a fixed share ``mix``: in DEU, 63% of outcomes equal some actor's position.

Issue-by-issue base models run on each issue alone with the actors that hold a position on it
(as in training on one-issue DEU scenarios); a base model that does not apply (the exchange
model on one issue) counts as agreeing with the anchor; only the anchor must apply.

The interval around the forecast is split-conformal (Vovk, Gammerman & Shafer 2005; Lei et al.
2018) on out-of-fold absolute residuals from the same grouped cross-validation, clipped to
the scale. Parameters ship in ``accord/data/ensemble.json`` (trained on the whole DEU file;
the file records the data and the date). Two variants: ``deu`` for scenarios whose ``meta``
gives the procedure and the voting rule (DEU imports), ``generic`` for every other scenario
(only the features any scenario has). Forecasts are on the unit scale; the intervals in the
details (``interval_50``, ``interval_80``, ``interval_95``: ``[low, high]`` per issue) are in
the issues' own units.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from accord.errors import ParameterError
from accord.models import registry
from accord.models.registry import Field, ModelResult, ModelSpec, Param
from accord.problem import Problem

Array = NDArray[np.float64]

DEFAULT_PARAMS = "ensemble.json"
LEVELS = (0.5, 0.8, 0.95)

FIELDS = {
    "variant": Field((), doc="the trained variant used: deu or generic"),
    "learner": Field((), doc="the learner of that variant"),
    "feature_set": Field((), doc="the features it reads"),
    "anchor": Field(("issue",), "scale", "the anchor model's forecast"),
    **{
        f"interval_{round(level * 100)}": Field(
            ("bound", "issue"), "scale", f"{level:.0%} prediction interval (low, high)"
        )
        for level in LEVELS
    },
    "trained_on": Field((), doc="the training file's name"),
}

GENERIC_FEATURES = (
    "anchor_centred",
    "status_quo_rel",
    "has_status_quo",
    "spread",
    "range",
    "log_actors",
    "mean_salience",
    "share_at_status_quo",
)
# the reference point's side: where capability and weight lie relative to the status quo
SIDE_FEATURES = (
    "status_quo_side",
    "capability_above_status_quo",
    "capability_below_status_quo",
    "weight_above_status_quo",
    "weight_below_status_quo",
    "capability_anchor_side",
    "anchor_status_quo_distance",
)
DEU_FEATURES = (
    "codecision",
    "unanimity",
    "era_nice",
    "commission_rel",
    "commission_salience",
    "has_commission",
    "parliament_rel",
    "parliament_salience",
    "has_parliament",
    "parliament_rel_codecision",
)
# base models that trade across a scenario's issues; they need two issues, so they may be absent
JOINT_BASE = frozenset({"exchange"})


def base_model_name(key: str) -> str:
    """The registered model behind a base-model key (``eum:paper`` -> ``eum``)."""
    return key.partition(":")[0]


def feature_key(key: str) -> str:
    return key.replace(":", "_")


def base_feature_names(base_models: Sequence[str], anchor: str) -> list[str]:
    """Each base model's forecast relative to the anchor; an availability flag for joint ones."""
    names = [f"{feature_key(m)}_rel" for m in base_models if m != anchor]
    return names + [f"has_{feature_key(m)}" for m in base_models if base_model_name(m) in JOINT_BASE]


def _meta_list(problem: Problem) -> list[dict[str, Any]]:
    n = int(np.prod(problem.batch_shape)) if problem.batch_shape else 1
    batch_meta = problem.meta.get("batch_meta")
    if isinstance(batch_meta, list) and len(batch_meta) == n:
        return [dict(m) for m in batch_meta]
    return [dict(problem.meta)] * n


def has_deu_features(problem: Problem) -> bool:
    """Whether every batch element's meta names the procedure and the voting rule."""
    return all(m.get("procedure") and m.get("voting_rule") for m in _meta_list(problem))


def issue_features(problem: Problem, forecasts: Mapping[str, Array], anchor: str) -> dict[str, Array]:
    """Every feature as an array ``(*B, I)`` on the unit scale (see the module docstring).

    ``forecasts``: base model outcomes ``(*B, I)`` by name; must include ``anchor``.
    """
    a = np.asarray(forecasts[anchor], dtype=float)
    shape = a.shape
    mask = np.broadcast_to(problem.mask, problem.position.shape)
    pos = np.where(mask, problem.position, np.nan)
    n = mask.sum(axis=-2)
    sal = np.where(mask, problem.salience, 0.0)
    sq = np.broadcast_to(problem.status_quo, shape)
    has_sq = np.isfinite(sq)
    with np.errstate(invalid="ignore"):
        at_sq = np.where(mask & (np.abs(problem.position - sq[..., None, :]) < 1e-9), sal, 0.0).sum(axis=-2)
    tot = sal.sum(axis=-2)
    feats: dict[str, Array] = {
        "anchor_centred": a - 0.5,
        "status_quo_rel": np.where(has_sq, sq - a, 0.0),
        "has_status_quo": has_sq.astype(float),
        "spread": np.nanstd(pos, axis=-2),
        "range": np.nanmax(pos, axis=-2) - np.nanmin(pos, axis=-2),
        "log_actors": np.log(np.maximum(n, 1)).astype(float) * np.ones(shape),
        "mean_salience": tot / np.maximum(n, 1),
        "share_at_status_quo": np.where(has_sq & (tot > 0), at_sq / np.where(tot > 0, tot, 1.0), 0.0),
    }
    # the reference point's side (0 where there is none): capability and capability x salience
    # strictly above / below it, and on the anchor's side of it
    cap = np.broadcast_to(problem.power, mask.shape)
    w = np.where(mask, cap * problem.salience, 0.0)
    capm = np.where(mask, cap, 0.0)
    with np.errstate(invalid="ignore"):
        above = mask & (problem.position > sq[..., None, :] + 1e-9)
        below = mask & (problem.position < sq[..., None, :] - 1e-9)
    side = np.where(has_sq, np.sign(a - sq), 0.0)

    def share(x: Array, where: NDArray[np.bool_]) -> Array:
        tot_x = x.sum(axis=-2)
        return np.where(has_sq & (tot_x > 0), (x * where).sum(axis=-2) / np.where(tot_x > 0, tot_x, 1.0), 0.0)

    feats["status_quo_side"] = side
    feats["capability_above_status_quo"] = share(capm, above)
    feats["capability_below_status_quo"] = share(capm, below)
    feats["weight_above_status_quo"] = share(w, above)
    feats["weight_below_status_quo"] = share(w, below)
    feats["capability_anchor_side"] = np.where(
        side > 0,
        feats["capability_above_status_quo"],
        np.where(side < 0, feats["capability_below_status_quo"], 0.0),
    )
    feats["anchor_status_quo_distance"] = np.where(has_sq, np.abs(a - sq), 0.0)
    # base models: forecast minus anchor, 0 where a model did not run (NaN), flagged for joint ones
    for m, f in forecasts.items():
        if m != anchor:
            arr = np.asarray(f, dtype=float)
            feats[f"{feature_key(m)}_rel"] = np.where(np.isfinite(arr), arr - a, 0.0)
            if base_model_name(m) in JOINT_BASE:
                feats[f"has_{feature_key(m)}"] = np.isfinite(arr).astype(float)
    metas = _meta_list(problem)

    def per_batch(values: list[float]) -> Array:
        arr = np.asarray(values, dtype=float).reshape(problem.batch_shape + (1,))
        return np.broadcast_to(arr, shape).astype(float)

    feats["codecision"] = per_batch([float(m.get("procedure") == "COD") for m in metas])
    feats["unanimity"] = per_batch([float(m.get("voting_rule") == "unanimity") for m in metas])
    feats["era_nice"] = per_batch([float(m.get("era") in ("nice", "lisbon")) for m in metas])
    for actor, key in (("com", "commission"), ("ep", "parliament")):
        if actor in problem.actor_ids:
            k = problem.actor_ids.index(actor)
            present = np.broadcast_to(problem.mask[k], shape)
            feats[f"{key}_rel"] = np.where(present, problem.position[..., k, :] - a, 0.0)
            feats[f"{key}_salience"] = np.where(present, problem.salience[..., k, :], 0.0)
            feats[f"has_{key}"] = present.astype(float)
        else:
            feats[f"{key}_rel"] = np.zeros(shape)
            feats[f"{key}_salience"] = np.zeros(shape)
            feats[f"has_{key}"] = np.zeros(shape)
    feats["parliament_rel_codecision"] = feats["parliament_rel"] * feats["codecision"]
    return {k: np.nan_to_num(np.asarray(v, dtype=float)) for k, v in feats.items()}


def feature_matrix(features: Mapping[str, Array], names: Sequence[str]) -> Array:
    """Stack the named features into ``(N, k)`` (issues of every batch element as rows)."""
    return np.stack([np.asarray(features[n], dtype=float).reshape(-1) for n in names], axis=1)


# -- learners, as plain data -------------------------------------------------------------------
def predict_correction(learner: Mapping[str, Any], X: Array) -> Array:
    """The learned correction ``g(z)`` for rows ``X (N, k)`` from a learner's stored parameters."""
    kind = learner["kind"]
    if kind == "anchor":
        return np.full(X.shape[0], float(learner.get("shift", 0.0)))
    if kind == "blend":
        # the equal-weight average of the anchor and the chosen base models (rel. to the anchor)
        index = list(learner["index"])
        return X[:, index].sum(axis=1) / (len(index) + 1.0)
    if kind == "lad":
        center = np.asarray(learner["center"], dtype=float)
        scale = np.asarray(learner["scale"], dtype=float)
        coef = np.asarray(learner["coef"], dtype=float)
        return float(learner["intercept"]) + ((X - center) / scale) @ coef
    if kind == "gbm":
        out = np.full(X.shape[0], float(learner["init"]))
        rate = float(learner["learning_rate"])
        for tree in learner["trees"]:
            out += rate * _tree_predict(tree, X)
        return out
    raise ParameterError(f"ensemble: unknown learner kind {kind!r}")


def _tree_predict(tree: Mapping[str, Any], X: Array) -> Array:
    left = np.asarray(tree["left"], dtype=np.intp)
    right = np.asarray(tree["right"], dtype=np.intp)
    feature = np.asarray(tree["feature"], dtype=np.intp)
    threshold = np.asarray(tree["threshold"], dtype=float)
    value = np.asarray(tree["value"], dtype=float)
    node = np.zeros(X.shape[0], dtype=np.intp)
    rows = np.arange(X.shape[0])
    for _ in range(len(left)):
        leaf = left[node] < 0
        if leaf.all():
            break
        go_left = X[rows, np.maximum(feature[node], 0)] <= threshold[node]
        nxt = np.where(go_left, left[node], right[node])
        node = np.where(leaf, node, nxt)
    return value[node]


# -- the position-choice learner -----------------------------------------------------------------
CHOICE_GENERIC = (
    "share_actors",
    "share_weight",
    "is_status_quo",
    "distance_anchor",
    "distance_middle",
    "at_end",
    "mean_distance",
)
CHOICE_DEU = ("commission_at", "parliament_at", "parliament_at_codecision", "status_quo_at_unanimity")


def candidate_arrays(problem: Problem, anchor: Array, deu: bool) -> tuple[Array, Array, NDArray[np.bool_]]:
    """Candidate outcomes of every issue and their features, for the position-choice learner.

    The candidates are the distinct positions actors hold and the status quo (outcomes of EU
    decisions equal some actor's position in 63% of DEU issues). Returns ``values (N, K)``,
    ``features (N, K, f)`` and ``valid (N, K)`` with one row per issue of every batch element
    and ``K = A + 1`` slots (actors, then the status quo; repeated positions are invalid).
    """
    mask = np.broadcast_to(problem.mask, problem.position.shape)
    pos = np.where(mask, problem.position, np.nan)  # (*B, A, I)
    sq = np.broadcast_to(problem.status_quo, anchor.shape)[..., None, :]  # (*B, 1, I)
    values = np.concatenate([pos, sq], axis=-2)  # (*B, K, I)
    finite = np.isfinite(values)
    same = np.abs(values[..., :, None, :] - values[..., None, :, :]) < 1e-9  # (*B, K, K, I)
    k = values.shape[-2]
    earlier = np.tril(np.ones((k, k), dtype=bool), -1)[..., None]  # [c, d]: d before c
    dup = (same & earlier & finite[..., None, :, :]).any(axis=-2)
    valid = finite & ~dup
    v = np.where(finite, values, 0.0)
    at = np.abs(v[..., :, None, :] - np.where(mask, problem.position, np.inf)[..., None, :, :]) < 1e-9
    at = at & finite[..., :, None, :]  # (*B, K, A, I): actor a holds candidate c
    n = np.maximum(mask.sum(axis=-2), 1)[..., None, :]
    w = np.where(mask, problem.power * problem.salience, 0.0)
    tot = w.sum(axis=-2)[..., None, :]
    share_w = np.where(tot > 0, (at * w[..., None, :, :]).sum(axis=-2) / np.where(tot > 0, tot, 1.0), 0.0)
    a = anchor[..., None, :]
    is_sq = (np.abs(v - np.where(np.isfinite(sq), sq, np.inf)) < 1e-9) & finite
    with np.errstate(invalid="ignore"):
        mean_dist = np.nanmean(np.abs(pos[..., None, :, :] - v[..., :, None, :]), axis=-2)
    feats = {
        "share_actors": at.sum(axis=-2) / n,
        "share_weight": share_w,
        "is_status_quo": is_sq.astype(float),
        "distance_anchor": np.abs(v - a),
        "distance_middle": np.abs(v - 0.5),
        "at_end": ((v <= 1e-9) | (v >= 1 - 1e-9)).astype(float),
        "mean_distance": np.nan_to_num(mean_dist),
    }
    names = list(CHOICE_GENERIC)
    if deu:
        metas = _meta_list(problem)
        shape = anchor.shape

        def per_batch(flags: list[float]) -> Array:
            return np.broadcast_to(np.asarray(flags, float).reshape(problem.batch_shape + (1,)), shape)

        cod = per_batch([float(m.get("procedure") == "COD") for m in metas])[..., None, :]
        una = per_batch([float(m.get("voting_rule") == "unanimity") for m in metas])[..., None, :]
        for actor, key in (("com", "commission_at"), ("ep", "parliament_at")):
            if actor in problem.actor_ids:
                feats[key] = at[..., problem.actor_ids.index(actor), :].astype(float)
            else:
                feats[key] = np.zeros(v.shape)
        feats["parliament_at_codecision"] = feats["parliament_at"] * cod
        feats["status_quo_at_unanimity"] = feats["is_status_quo"] * una
        names += list(CHOICE_DEU)
    F = np.stack([np.broadcast_to(feats[nm], v.shape) for nm in names], axis=-1)  # (*B, K, I, f)
    # rows: (batch..., issue), candidates second
    v_rows = np.moveaxis(v, -2, -1).reshape(-1, k)
    f_rows = np.moveaxis(F, -3, -2).reshape(-1, k, len(names))
    valid_rows = np.moveaxis(valid, -2, -1).reshape(-1, k)
    return v_rows, np.nan_to_num(f_rows), valid_rows


def choice_probabilities(learner: Mapping[str, Any], features: Array, valid: NDArray[np.bool_]) -> Array:
    """Probability that each candidate is the outcome: logistic scores normalised per issue."""
    center = np.asarray(learner["center"], dtype=float)
    scale = np.asarray(learner["scale"], dtype=float)
    score = ((features - center) / scale) @ np.asarray(learner["coef"], dtype=float) + float(
        learner["intercept"]
    )
    p = np.where(valid, 1.0 / (1.0 + np.exp(-score)), 0.0)
    tot = p.sum(axis=-1, keepdims=True)
    return p / np.where(tot > 0, tot, 1.0)


def choice_forecast(
    learner: Mapping[str, Any], anchor: Array, values: Array, features: Array, valid: NDArray[np.bool_]
) -> Array:
    """The weighted median of the candidates (weights ``(1 - mix) p``) and the anchor (``mix``)."""
    from accord.models.weighted import weighted_median

    mix = float(learner["mix"])
    p = choice_probabilities(learner, features, valid)
    pts = np.concatenate([values, anchor[:, None]], axis=1)[..., None]  # (N, K+1, 1)
    wts = np.concatenate([(1.0 - mix) * p, np.full((len(anchor), 1), mix)], axis=1)[..., None]
    keep = np.concatenate([valid, np.ones((len(anchor), 1), dtype=bool)], axis=1)[..., None]
    pts = np.where(keep, pts, 0.0)
    return np.clip(weighted_median(pts, np.where(keep, wts, 0.0), keep)[:, 0], 0.0, 1.0)


def _needs_candidates(learner: Mapping[str, Any]) -> bool:
    if learner["kind"] == "committee":
        return any(_needs_candidates(m) for m in learner["members"])
    return bool(learner["kind"] == "choice")


def forecast_rows(
    learner: Mapping[str, Any],
    anchor: Array,
    X: Array,
    candidates: tuple[Array, Array, NDArray[np.bool_]] | None,
) -> Array:
    """Forecasts ``(N,)`` of any learner from rows of features (and candidates for ``choice``)."""
    if learner["kind"] == "committee":
        members = [forecast_rows(m, anchor, X, candidates) for m in learner["members"]]
        return np.average(members, axis=0, weights=learner.get("weights"))
    if learner["kind"] == "choice":
        if candidates is None:
            raise ParameterError("ensemble: the choice learner needs candidate arrays")
        return choice_forecast(learner, anchor, *candidates)
    return np.clip(anchor + predict_correction(learner, X), 0.0, 1.0)


# -- loading and running ------------------------------------------------------------------------
@cache
def _load_json(path: str) -> dict[str, Any]:
    if path == DEFAULT_PARAMS:
        text = resources.files("accord").joinpath("data", DEFAULT_PARAMS).read_text(encoding="utf-8")
    else:
        from accord.errors import InputError
        from accord.limits import read_input

        where = "model ensemble, parameter params"
        try:
            text = read_input(Path(path), what="parameter file (JSON)").decode("utf-8")
        except InputError as exc:
            raise ParameterError(f"{where}: cannot read {exc}") from None
        except UnicodeDecodeError:
            raise ParameterError(f"{where}: {path}: not UTF-8 text, not a trained parameter file") from None
        try:
            parsed = json.loads(text)
        except (json.JSONDecodeError, RecursionError, ValueError) as exc:
            raise ParameterError(f"{where}: {path}: not a JSON parameter file ({exc})") from None
        missing = (
            [k for k in ("base_models", "variants") if k not in parsed]
            if isinstance(parsed, dict)
            else ["a JSON object"]
        )
        if missing or not isinstance(parsed["variants"], dict) or not isinstance(parsed["base_models"], dict):
            raise ParameterError(
                f"{where}: {path}: not a trained parameter file written by accord.evaluation.learn "
                f"(missing {', '.join(missing) or 'variants/base_models mappings'})"
            )
        return dict(parsed)
    data: dict[str, Any] = json.loads(text)
    return data


def load_parameters(path: str = DEFAULT_PARAMS) -> dict[str, Any]:
    """The trained parameters: the shipped file, or a file written by :mod:`accord.evaluation.learn`."""
    return _load_json(path)


def issue_problem(problem: Problem, k: int) -> Problem:
    """Issue ``k`` alone, with only the actors that take a position on it (as a one-issue DEU
    scenario has them), so issue-by-issue base models see what they saw in training."""
    keep = np.flatnonzero(problem.mask[:, k])
    col = np.array([k])

    def ai(x: Array) -> Array:
        return x[..., keep, :][..., col]

    return Problem(
        position=ai(problem.position),
        salience=ai(problem.salience),
        capability=problem.capability[..., keep],
        power=ai(problem.power),
        mask=problem.mask[keep][:, col],
        status_quo=problem.status_quo[..., col],
        reservation_utility=problem.reservation_utility[..., keep],
        reservation_point=ai(problem.reservation_point),
        veto=problem.veto[keep],
        scale_min=problem.scale_min[col],
        scale_max=problem.scale_max[col],
        actor_ids=tuple(problem.actor_ids[i] for i in keep),
        issue_ids=(problem.issue_ids[k],),
        meta=problem.meta,
    )


def base_forecasts(
    problem: Problem,
    base_models: Mapping[str, Mapping[str, Any]],
    seed: int | np.random.SeedSequence = 0,
    anchor: str | None = None,
    known: Mapping[str, Array] | None = None,
) -> dict[str, Array]:
    """Run the base models on the problem (unit scale, ``(*B, I)`` each).

    Keys are model names, or ``NAME:LABEL`` for a second parameter set of one model
    (``eum:paper``). Models in :data:`JOINT_BASE` run on the whole problem (they trade across
    its issues); every other model runs issue by issue on the actors with a position there.
    A base model that does not apply gives NaN (its features then say so), except the
    ``anchor``, which must apply. ``known``: forecasts the caller already has for this very
    problem, by key (:func:`same_forecasts` says which of its models' forecasts qualify); they
    are used as given.
    """
    out: dict[str, Array] = {}
    shape = problem.batch_shape + (problem.n_issues,)
    for key, params in base_models.items():
        if known is not None and key in known:
            out[key] = np.asarray(known[key], dtype=float).reshape(shape)
            continue
        spec = registry.get(base_model_name(key))
        if base_model_name(key) in JOINT_BASE or problem.n_issues == 1:
            parts = [problem]
        else:
            parts = [issue_problem(problem, k) for k in range(problem.n_issues)]
        values = np.full(shape, np.nan)
        for k, part in enumerate(parts):
            reason = spec.why_not(part)
            if reason is not None:
                if key == anchor:
                    raise ParameterError(
                        f"model ensemble needs its anchor {key}, which does not apply: {reason}"
                    )
                continue
            cases = _distinct_cases(part) if _case_by_case(key, params) else None
            if cases is None:
                result = np.asarray(spec.run(part, dict(params), seed=seed).outcome, dtype=float)
            else:  # each distinct case once: its numbers do not depend on the rest of the batch
                first, inverse = cases
                distinct = spec.run(part.take(first), dict(params), seed=seed)
                result = np.asarray(distinct.outcome, dtype=float)
                result = result[inverse]
            if len(parts) == 1:
                values = result.reshape(shape)
            else:
                values[..., k] = result[..., 0]
        out[key] = values
    return out


def _case_by_case(key: str, params: Mapping[str, Any]) -> bool:
    """Whether base model ``key`` gives each case of a batch the numbers it gives that case alone,
    so that it may run on the distinct cases only: the Nash bargaining solution (its one sum, over
    the players, runs on a C-ordered array whatever the batch's layout), and the SMP in
    deterministic mode (its stochastic draws are keyed by the case's place in the batch) with the
    initiator's estimates alone (the receiver's, for InitRcvrInterp and PWCompInterp, still depend
    on the batch in the last bits). Not the weighted means (mean, compromise): their sums follow
    the layout of the issue cut out of the batch."""
    if base_model_name(key) == "nbs":
        return True
    if base_model_name(key) != "smp":
        return False
    resolved = registry.get("smp").resolve(params)
    return resolved["transitions"] == "Deterministic" and resolved["bargain_model"] == "InitOnlyInterp"


def _distinct_cases(problem: Problem) -> tuple[NDArray[np.intp], NDArray[np.intp]] | None:
    """``first, inverse`` of :func:`~accord.models.rows.distinct_rows` over every batched input
    of a one-axis batch, or None when the batch is not one axis or has no repeated case."""
    if len(problem.batch_shape) != 1:
        return None
    from accord.models.rows import distinct_rows

    first, inverse = distinct_rows(*(getattr(problem, name) for name in problem.batched()))
    return None if first.size == problem.batch_shape[0] else (first, inverse)


def same_forecasts(
    problem: Problem,
    base_models: Mapping[str, Mapping[str, Any]],
    name: str,
    params: Mapping[str, Any],
    same_seed: bool = False,
    seed_free: bool = False,
) -> list[str]:
    """The base-model keys whose forecast on ``problem`` (or any batch of its draws) is, bit for
    bit, model ``name`` run with ``params`` on the whole problem: the EUM with the same settings
    (:func:`accord.models.eum.outcome_settings`) when every actor has a position on every issue,
    since it forecasts each issue from that issue alone (its rows do not interact) and issue by
    issue it then sees the same actors; a model in :data:`JOINT_BASE` (run on the whole problem
    here too) with the same resolved parameters, when ``same_seed`` says it ran with the seed the
    ensemble gives its base models (the exchange model breaks ties at random), or, with
    ``seed_free``, on the condition that the caller checks that its run drew nothing from its
    generator (:func:`run_noting_draws`): the exchange model draws only to break an exact tie
    (or, with ``p`` > 0, to randomise a rate), so a run that drew nothing gives the same numbers
    with any seed."""
    if name in JOINT_BASE:
        if not (same_seed or seed_free):
            return []
        spec = registry.get(name)
        resolved = spec.resolve(params)
        return [
            key
            for key, base in base_models.items()
            if base_model_name(key) == name and spec.resolve(base) == resolved
        ]
    if name != "eum" or not (problem.mask.all() or problem.n_issues == 1):
        return []
    from accord.models import eum

    settings = eum.outcome_settings(params)
    return [
        key
        for key, base in base_models.items()
        if base_model_name(key) == "eum" and eum.outcome_settings(base) == settings
    ]


def reusable(
    problem: Problem,
    base_models: Mapping[str, Mapping[str, Any]],
    runs: Iterable[tuple[str, Mapping[str, Any]]],
    same_seed: bool = False,
    seed_free: bool = False,
) -> dict[str, str]:
    """Of the models already run on ``problem`` (``runs``: name and resolved parameters), which
    one's forecast each base model's is (:func:`same_forecasts`): base-model key -> model name."""
    return {
        key: name
        for name, params in runs
        for key in same_forecasts(problem, base_models, name, params, same_seed, seed_free)
    }


def seed_dependent(base_models: Mapping[str, Mapping[str, Any]], reuses: Mapping[str, str]) -> list[str]:
    """Of ``reuses`` (from :func:`reusable` with ``seed_free``), the keys that hold only where the
    model's run drew nothing from its generator (:func:`run_noting_draws`)."""
    return [key for key in reuses if base_model_name(key) in JOINT_BASE]


class _DrawWatch(np.random.Generator):
    """A generator that can tell afterwards whether it, or any generator spawned from it, drew.

    Drawing changes a bit generator's state; spawning through :meth:`spawn` makes children of
    this class, which are watched in turn, and so are the children made one by one from its
    seed sequence by :class:`accord.models.exchange.RunGenerators` (:meth:`note_child`). A child
    spawned from the seed sequence by any other path cannot be watched, so it counts as a draw
    (the answer errs towards "drew")."""

    def __init__(self, bit_generator: np.random.BitGenerator) -> None:
        super().__init__(bit_generator)
        self._start = bit_generator.state
        self._children: list[_DrawWatch] = []
        self._made: list[np.random.Generator] = []

    def spawn(self, n_children: int) -> list[np.random.Generator]:
        children = super().spawn(n_children)
        self._children.extend(children)  # type: ignore[arg-type]  # type(self), see numpy
        return children

    def note_child(self, child: np.random.Generator) -> None:
        """A child made from this generator's seed sequence without :meth:`spawn`, to watch too."""
        self._made.append(child)

    def drew(self) -> bool:
        seq = self.bit_generator.seed_seq
        unwatched = getattr(seq, "n_children_spawned", 0) != len(self._children)
        changed = self.bit_generator.state != self._start
        children = (*self._children, *self._made)
        return unwatched or changed or any(not isinstance(c, _DrawWatch) or c.drew() for c in children)


def run_noting_draws(
    name: str, problem: Problem, params: Mapping[str, Any], seed: int | np.random.SeedSequence
) -> tuple[ModelResult, bool]:
    """Model ``name`` run as :meth:`ModelSpec.run` does (same generator, same numbers), and
    whether it drew anything from that generator: if not, any seed gives these numbers."""
    spec = registry.get(name)
    resolved = spec.resolve(params)
    rng = _DrawWatch(np.random.PCG64(seed))  # as np.random.default_rng(seed)
    result = spec.fn(problem, rng=rng, **resolved)
    return result, rng.drew()


def choose_variant(problem: Problem, trained: Mapping[str, Any], variant: str) -> str:
    if variant != "auto":
        if variant not in trained["variants"]:
            raise ParameterError(f"model ensemble: no trained variant {variant!r}")
        if variant == "deu" and not has_deu_features(problem):
            raise ParameterError(
                "model ensemble, variant=deu: the scenario's meta lacks the procedure and the voting "
                "rule (DEU imports carry them); use variant=generic or auto"
            )
        return variant
    return "deu" if "deu" in trained["variants"] and has_deu_features(problem) else "generic"


def predict(
    problem: Problem,
    trained: Mapping[str, Any],
    variant: str = "auto",
    seed: int | None = None,
    known: Mapping[str, Array] | None = None,
) -> tuple[Array, dict[str, Any]]:
    """Forecast ``(*B, I)`` on the unit scale and details (intervals in scale units).

    The base models run with ``seed``, by default the training seed (the exchange model breaks
    ties at random): a DEU proposal then gets exactly the features it had in training.
    ``known``: base forecasts already computed on this problem (see :func:`base_forecasts`).
    """
    chosen = choose_variant(problem, trained, variant)
    spec = trained["variants"][chosen]
    anchor = trained["anchor"]
    seed = int(trained.get("seed", 0)) if seed is None else seed
    forecasts = base_forecasts(problem, trained["base_models"], seed, anchor, known)
    feats = issue_features(problem, forecasts, anchor)
    X = feature_matrix(feats, spec["features"])
    shape = forecasts[anchor].shape
    learner = spec["learner"]
    deu = spec.get("feature_set", chosen) == "deu"
    cands = candidate_arrays(problem, forecasts[anchor], deu) if _needs_candidates(learner) else None
    outcome = forecast_rows(learner, forecasts[anchor].reshape(-1), X, cands).reshape(shape)
    details: dict[str, Any] = {
        "variant": chosen,
        "learner": spec["learner"]["kind"],
        "feature_set": spec.get("feature_set", chosen),
        "anchor": problem.to_scale(forecasts[anchor]),
    }
    for level in LEVELS:
        q = float(spec["interval"][f"{level:g}"])
        lo = problem.to_scale(np.clip(outcome - q, 0.0, 1.0))
        hi = problem.to_scale(np.clip(outcome + q, 0.0, 1.0))
        details[f"interval_{round(level * 100)}"] = np.stack([lo, hi], axis=-2)
    details["trained_on"] = trained.get("training_data", {}).get("file")
    return outcome, details


def _applies(problem: Problem) -> str | None:
    try:
        trained = load_parameters()
    except (OSError, ValueError) as exc:
        return f"no trained parameters ({exc})"
    for key in trained["base_models"]:
        try:
            spec = registry.get(base_model_name(key))
        except ParameterError:
            return f"base model {key} is not registered"
        if key == trained["anchor"]:
            reason = spec.why_not(problem)
            if reason is not None:
                return f"its anchor {key} does not apply: {reason}"
    return None


def ensemble_model(problem: Problem, *, rng: np.random.Generator, variant: str, params: str) -> ModelResult:
    """The learned forecaster (see the module docstring)."""
    return ensemble_given(problem, {}, variant=variant, params=params)


def ensemble_given(problem: Problem, known: Mapping[str, Array], *, variant: str, params: str) -> ModelResult:
    """The learned forecaster given the base forecasts the caller already has on this problem
    (``known``, by base-model key; :func:`same_forecasts` says which qualify)."""
    trained = load_parameters(params)
    outcome, details = predict(problem, trained, variant, known=known)
    return ModelResult(outcome=outcome, details=details, fields=FIELDS)


SPEC = ModelSpec(
    name="ensemble",
    summary="Learned combination of the models' forecasts and issue features (trained on DEU)",
    citation=(
        "Wolpert (1992), Neural Networks 5; Vovk, Gammerman & Shafer (2005); trained on Arregui & "
        "Perarnaud (2022), DEU III, doi:10.34810/data53"
    ),
    fn=ensemble_model,
    params=(
        Param(
            "variant",
            "auto",
            "auto (deu when the scenario names procedure and voting rule, else generic), deu, generic",
            str,
            choices=("auto", "deu", "generic"),
        ),
        Param("params", DEFAULT_PARAMS, "trained parameter file (default: the shipped one)", str),
    ),
    applies=_applies,
)
