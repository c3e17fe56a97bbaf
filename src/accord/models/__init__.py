"""Models: pure functions of a Problem and their parameters, listed in the registry."""

from accord.models.registry import ModelResult, ModelSpec, Param, all_models, get

__all__ = ["ModelResult", "ModelSpec", "Param", "all_models", "get"]
