"""Optional oracle: our agent QRE against pygambit's logit solver (skipped when pygambit is absent).

Gambit is GPL and never a dependency; install ``pygambit`` by hand to run this check.
"""

from __future__ import annotations

import pytest
from tests.conftest import REFERENCE, need

from accord.games.efg import read_efg
from accord.games.solve import agent_qre

IIG_EFG = REFERENCE / "games" / "iig_illustrative.efg"


def test_agent_qre_matches_pygambit() -> None:
    gbt = pytest.importorskip("pygambit")
    path = need(IIG_EFG)
    game = gbt.read_efg(str(path)) if hasattr(gbt, "read_efg") else gbt.Game.read_game(str(path))
    ours = read_efg(path)
    for lam in (0.5, 1.0, 5.0):
        result = gbt.qre.logit_solve_lambda(game, lam=[lam])
        profile = result[0].profile if hasattr(result[0], "profile") else result[0]
        demand = game.root.infoset.actions[1]
        assert float(profile[demand]) == pytest.approx(agent_qre(ours, lam).node_probs[0][1], abs=1e-6)
