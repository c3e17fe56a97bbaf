"""Every model default is declared once, in the model's parameter spec."""

from __future__ import annotations

import inspect
from dataclasses import replace

import pytest

from accord.models import eum, get
from accord.models.registry import all_models


def test_no_model_function_declares_its_own_defaults() -> None:
    for spec in all_models():
        sig = inspect.signature(spec.fn)
        extra = [
            name
            for name, par in sig.parameters.items()
            if name not in ("problem", "rng") and par.default is not inspect.Parameter.empty
        ]
        assert not extra, (spec.name, extra)


def test_eum_variants_own_q_and_eu_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = get("eum")
    resolved = spec.resolve({"variant": "paper"})
    assert resolved["q"] is None and resolved["eu_zero"] is None  # "auto": the variant's
    assert spec.resolve({"q": "auto"})["q"] is None
    assert spec.resolve({"q": "0.5"})["q"] == 0.5
    # a variant whose own q differs is not overridden by the registry's default
    changed = {**eum.VARIANT_OPTIONS, "paper": replace(eum.VARIANT_OPTIONS["paper"], q=0.5, eu_zero=1e-4)}
    monkeypatch.setattr(eum, "VARIANT_OPTIONS", changed)
    opt = eum.options_for("paper", q=resolved["q"], eu_zero=resolved["eu_zero"])
    assert (opt.q, opt.eu_zero) == (0.5, 1e-4)
    assert eum.options_for("paper", q=0.8).q == 0.8  # an explicit value still wins
