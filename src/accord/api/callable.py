"""Modules that are also the API function of the same name.

``accord.forecast``, ``accord.report`` and ``accord.durability`` are modules (the layer that
runs the models, the report package, the durability analysis) and also the one-call API
functions of the notebook API. Python sets a submodule as an attribute of its package once it
is imported, so the two cannot be separate objects; instead the module is made callable, and
calling it calls :mod:`accord.api`'s function: ``accord.forecast(scenario)`` runs the models,
``from accord.forecast import run_forecasts`` still imports from the module.
"""

from __future__ import annotations

import sys
import types
from typing import Any


def make_callable(module_name: str, function: str) -> None:
    """Make the module ``module_name`` callable as ``accord.api.<function>``."""
    module = sys.modules[module_name]

    class CallableModule(types.ModuleType):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            from accord import api

            return getattr(api, function)(*args, **kwargs)

    CallableModule.__call__.__doc__ = f"Call :func:`accord.api.{function}` (see its docstring)."
    module.__class__ = CallableModule
