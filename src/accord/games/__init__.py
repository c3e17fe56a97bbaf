"""Crisis escalation games: build, solve, estimate and forecast the next move.

- Games (:mod:`accord.games.tree`, :mod:`accord.games.builders`, :mod:`accord.games.efg`):
  perfect-information trees with chance nodes; egame12/122/123, ultimatum, the International
  Interaction Game, an N-rung escalation ladder; Gambit ``.efg`` files.
- Solutions (:mod:`accord.games.solve`): every subgame-perfect equilibrium; the agent logit QRE
  for any lambda (vectorised over lambdas and payoff draws).
- Estimation (:mod:`accord.games.strategic`, :mod:`accord.games.ultimatum_fit`): the strategic
  models of the R package ``games`` by maximum likelihood.
- Crisis analysis (:mod:`accord.games.crisis`): a scenario's ``crisis:`` block solved, simulated
  and probed for "what it would take".

The names below load their module on first use, so ``import accord.games`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Game": "accord.games.tree",
    "TreeBuilder": "accord.games.tree",
    "egame12": "accord.games.builders",
    "egame122": "accord.games.builders",
    "egame123": "accord.games.builders",
    "ultimatum": "accord.games.builders",
    "iig": "accord.games.builders",
    "escalation_ladder": "accord.games.builders",
    "read_efg": "accord.games.efg",
    "parse_efg": "accord.games.efg",
    "to_efg": "accord.games.efg",
    "write_efg": "accord.games.efg",
    "spe": "accord.games.solve",
    "agent_qre": "accord.games.solve",
    "qre_path": "accord.games.solve",
    "outcome_probabilities": "accord.games.solve",
    "fit_strategic": "accord.games.strategic",
    "fit_ultimatum": "accord.games.ultimatum_fit",
    "analyze_crisis": "accord.games.crisis",
    "CrisisAnalysis": "accord.games.crisis",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'accord.games' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
