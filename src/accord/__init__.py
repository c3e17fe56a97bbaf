"""accord: forecast multi-party negotiations with the established models of political science."""

from accord.problem import Problem, to_problem
from accord.scenario import Scenario, load

__version__ = "0.1.0"

__all__ = ["Problem", "Scenario", "__version__", "load", "to_problem"]
