"""Model names and parameters as Python callers give them, checked with Python-speaking errors.

``models`` is one name or a list (``"eum"``, ``["eum", "eum:paper"]``; ``NAME:VARIANT`` picks a
variant); parameters are keywords (``rounds=5``, applied to every selected model that has the
parameter) or one mapping per model (``eum={"rounds": 5}`` or ``params={"eum": {"rounds": 5}}``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from accord.errors import ParameterError


def model_names(models: str | Sequence[str] | None, call: str) -> list[str] | None:
    """``models`` as a list of registry entries (``NAME`` or ``NAME:VARIANT``), or None for all."""
    from accord.evaluation.backtest import variants
    from accord.models import registry

    if models is None:
        return None
    names = [models] if isinstance(models, str) else list(models)
    if not names:
        return None
    for n in names:
        if not isinstance(n, str):
            raise ParameterError(f"{call}(models=...): expected model names, got {n!r}")
        model, colon, variant = n.partition(":")
        try:
            spec = registry.get(model)
        except ParameterError as exc:
            raise ParameterError(f"{call}(models={n!r}): {exc}") from None
        if colon and variant not in variants(spec):
            choices = ", ".join(variants(spec)) or "none"
            raise ParameterError(
                f"{call}(models={n!r}): model {model} has no variant {variant!r} (variants: {choices})"
            )
    if len(set(names)) < len(names):
        raise ParameterError(f"{call}(models=...): a model is named twice in {names}")
    return names


def flat_params(
    models: list[str] | None,
    params: Mapping[str, Any] | None,
    keywords: Mapping[str, Any],
    call: str,
) -> dict[str, Any]:
    """Keyword and per-model parameters as ``{"name": v, "model.name": v}``, checked against the
    selected models (every registered model when ``models`` is None)."""
    from accord.models import registry

    specs = {s.name: s for s in registry.all_models()}
    selected = sorted({n.partition(":")[0] for n in models}) if models else list(specs)
    given: list[tuple[str, Any, str]] = []  # (key, value, how the caller wrote it)
    for source, mapping in (("params", params or {}), ("", keywords)):
        if not isinstance(mapping, Mapping):
            raise ParameterError(f"{call}(params=...): expected a mapping, got {type(mapping).__name__}")
        for key, value in mapping.items():
            shown = f"params={{{key!r}: ...}}" if source else f"{key}=..."
            if isinstance(value, Mapping):
                if key not in specs:
                    raise ParameterError(
                        f"{call}({shown}): {key!r} is not a model (models: {', '.join(specs)})"
                    )
                for name, v in value.items():
                    given.append((f"{key}.{name}", v, shown))
            else:
                given.append((str(key), value, shown))
    out: dict[str, Any] = {}
    for key, value, shown in given:
        model, dot, name = key.partition(".")
        if dot:
            if model not in specs:
                raise ParameterError(
                    f"{call}({shown}): {model!r} is not a model (models: {', '.join(specs)})"
                )
            if model not in selected:
                raise ParameterError(
                    f"{call}({shown}): model {model} is not selected (models={', '.join(selected)})"
                )
            known = [p.name for p in specs[model].params]
            if name not in known:
                raise ParameterError(
                    f"{call}({shown}): model {model} has no parameter {name!r} "
                    f"(parameters: {', '.join(known) or 'none'})"
                )
        elif not any(p.name == key for m in selected for p in specs[m].params):
            raise ParameterError(
                f"{call}({shown}): no selected model has a parameter {key!r} "
                f"(selected: {', '.join(selected)}; see accord.models.all_models())"
            )
        out[key] = value
    return out


def split_variant(name: str) -> tuple[str, dict[str, Any]]:
    """``"eum:paper"`` -> ``("eum", {"variant": "paper"})``."""
    model, _, variant = name.partition(":")
    return model, ({"variant": variant} if variant else {})


def for_model(flat: Mapping[str, Any], model: str) -> dict[str, Any]:
    """The parameters of ``flat`` that reach ``model``, as ``model.name`` keys."""
    from accord.models import registry

    names = {p.name for p in registry.get(model).params}
    out: dict[str, Any] = {}
    for key, value in flat.items():
        m, dot, name = key.partition(".")
        if dot and m == model:
            out[key] = value
        elif not dot and key in names:
            out[f"{model}.{key}"] = value
    return out
