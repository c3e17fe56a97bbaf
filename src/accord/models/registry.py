"""The model registry: every model's name, parameters, citation and entry point in one place.

A model is a pure function ``fn(problem, *, rng, **params) -> ModelResult``. Its module
declares a :class:`ModelSpec` named ``SPEC`` (or a list ``SPECS``); the CLI, the report
and the web app list models from here.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from accord.errors import ParameterError
from accord.problem import Problem

Array = NDArray[np.float64]

# Modules that declare models, in the order `accord models` lists them.
MODEL_MODULES: tuple[str, ...] = (
    "accord.models.baseline",
    "accord.models.nbs",
    "accord.models.eum",
    "accord.models.smp",
    "accord.models.exchange",
    "accord.models.ensemble",
)


@dataclass
class ModelResult:
    """What a model returns, on the unit scale.

    outcome: ``(*B, I)`` the forecast per issue.
    trajectory: per-round arrays for iterative models: ``positions`` has shape
        ``(*B, T, A, I)``; every other entry ``(*B, T, I)``. Round 0 is the input.
    details: model-specific diagnostics (plain JSON-able data or arrays).
    """

    outcome: Array
    trajectory: dict[str, Array] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Param:
    """A model parameter: its default, type, meaning and admissible values.

    The default is declared here and nowhere else (no dataclass defaults or ``.get()`` fallbacks
    in the model). ``default=None`` means "auto": the value follows another choice (e.g. the
    model's variant), and ``auto`` or None are accepted values.
    """

    name: str
    default: Any
    doc: str
    type: type = float
    choices: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None

    def coerce(self, value: Any, model: str) -> Any:
        where = f"model {model}, parameter {self.name}"
        if self.default is None and (value is None or (isinstance(value, str) and value.strip() == "auto")):
            return None  # a parameter whose default is another's choice (e.g. a model variant's)
        if isinstance(value, str) and self.type is not str:
            text = value.strip()
            try:
                if self.type is bool:
                    if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                        raise ValueError
                    value = text.lower() in ("true", "1", "yes")
                elif self.type is int:
                    value = int(text)
                else:
                    value = self.type(text)
            except ValueError:
                raise ParameterError(f"{where}: {value!r} is not a valid {self.type.__name__}") from None
        elif isinstance(value, bool) and self.type is not bool:
            raise ParameterError(f"{where}: expected {self.type.__name__}, got {value!r}")
        elif self.type is float and isinstance(value, int):
            value = float(value)
        if not isinstance(value, self.type):
            raise ParameterError(f"{where}: expected {self.type.__name__}, got {value!r}")
        if self.type is float and not math.isfinite(float(str(value))):
            raise ParameterError(f"{where}: {value} is not finite")
        if self.choices is not None and value not in self.choices:
            raise ParameterError(f"{where}: {value!r} is not one of {', '.join(map(str, self.choices))}")
        number: Any = value
        if self.low is not None and number < self.low:
            raise ParameterError(f"{where}: {value} is below the minimum {self.low}")
        if self.high is not None and number > self.high:
            raise ParameterError(f"{where}: {value} is above the maximum {self.high}")
        return value


@dataclass(frozen=True)
class ModelSpec:
    """A registered model."""

    name: str
    summary: str
    citation: str
    fn: Callable[..., ModelResult]
    params: tuple[Param, ...] = ()
    stochastic: bool = False
    applies: Callable[[Problem], str | None] | None = None
    """Returns a reason when the model cannot run on this problem, else None."""

    def resolve(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Defaults overridden by ``params``, each checked and converted."""
        known = {p.name: p for p in self.params}
        out = {p.name: p.default for p in self.params}
        for key, value in (params or {}).items():
            if key not in known:
                names = ", ".join(known) or "none"
                raise ParameterError(f"model {self.name} has no parameter {key!r} (parameters: {names})")
            out[key] = known[key].coerce(value, self.name)
        return out

    def run(
        self,
        problem: Problem,
        params: Mapping[str, Any] | None = None,
        seed: int | np.random.SeedSequence | None = None,
    ) -> ModelResult:
        """Run the model with checked parameters and a generator seeded by ``seed``."""
        resolved = self.resolve(params)
        rng = np.random.default_rng(seed if seed is not None else 0)
        return self.fn(problem, rng=rng, **resolved)

    def why_not(self, problem: Problem) -> str | None:
        return self.applies(problem) if self.applies is not None else None


_REGISTRY: dict[str, ModelSpec] = {}


def _load() -> dict[str, ModelSpec]:
    if not _REGISTRY:
        for name in MODEL_MODULES:
            module = importlib.import_module(name)
            specs = getattr(module, "SPECS", None) or [module.SPEC]
            for spec in specs:
                _REGISTRY[spec.name] = spec
    return _REGISTRY


def all_models() -> list[ModelSpec]:
    return list(_load().values())


def get(name: str) -> ModelSpec:
    models = _load()
    if name not in models:
        raise ParameterError(f"unknown model {name!r} (models: {', '.join(models)})")
    return models[name]


def parse_params(items: list[str] | None) -> dict[str, str]:
    """``["q=0.5", "rounds=10"]`` -> ``{"q": "0.5", "rounds": "10"}``."""
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"--param {item!r}: expected NAME=VALUE")
        out[key.strip()] = value.strip()
    return out
