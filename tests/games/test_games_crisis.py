"""The crisis block, analyze_crisis and the example: validation, determinism, thresholds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from tests.conftest import EXAMPLES

from accord.errors import InputError
from accord.games.crisis import analyze_crisis, build_game, spe_outcomes
from accord.games.solve import spe
from accord.scenario import load
from accord.scenario.model import Scenario

IRAN = EXAMPLES / "iran_israel_2024.yaml"


def _base(crisis: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "toy",
        "actors": [
            {"id": "a", "positions": {"x": {"position": 0, "salience": 1}}},
            {"id": "b", "positions": {"x": {"position": 100, "salience": 1}}},
        ],
        "issues": [{"id": "x"}],
        "crisis": crisis,
    }


def _egame12_crisis(**extra: Any) -> dict[str, Any]:
    crisis = {
        "players": ["a", "b"],
        "game": {"builder": "egame12"},
        "rationality": 4.0,
        "payoffs": {
            "sq": {"a": {"value": 0.0}, "b": {"value": 0.0}},
            "capit": {"a": {"value": 1.0, "sd": 0.2}, "b": {"value": -0.5, "sd": 0.2}},
            "war": {"a": {"value": -1.0, "low": -1.5, "high": -0.5}, "b": {"value": -0.2, "sd": 0.3}},
        },
        "war_outcomes": ["war"],
    }
    crisis.update(extra)
    return crisis


def test_example_loads_and_answers() -> None:
    s = load(IRAN)
    r = analyze_crisis(s, draws=500, seed=1)
    assert r.spe_outcomes == ["calibrated strike answered"]
    assert r.predicted == "calibrated strike answered"
    assert np.isclose(r.qre_probs.sum(), 1.0)
    d = r.to_dict()
    assert list(d)[0] == "summary" and d["summary"].startswith("Crisis: most likely outcome")
    assert 0 < d["p_war"] < 0.5
    # every payoff in the example carries a rationale
    for by_player in s.crisis.payoffs.values():  # type: ignore[union-attr]
        assert all(est.rationale for est in by_player.values())


def test_same_seed_same_numbers() -> None:
    s = Scenario.model_validate(_base(_egame12_crisis()))
    a = analyze_crisis(s, draws=300, seed=7).to_dict()
    b = analyze_crisis(s, draws=300, seed=7).to_dict()
    c = analyze_crisis(s, draws=300, seed=8).to_dict()
    assert a == b
    assert a["monte_carlo"] != c["monte_carlo"]


def test_spe_and_thresholds_on_egame12() -> None:
    s = Scenario.model_validate(_base(_egame12_crisis()))
    r = analyze_crisis(s, draws=0)
    # b prefers war (-0.2) to backing down (-0.5); a prefers sq (0) to war (-1): status quo
    assert r.spe_outcomes == ["sq"]
    thr = {(t.outcome, t.player): t for t in r.thresholds}
    # a challenges once war is worth more than 0 to it: threshold at 0
    t = thr[("war", "a")]
    assert t.threshold == pytest.approx(0.0, abs=1e-6) and t.new_outcome == "war"
    # b backs down once capitulation beats war (-0.2), then a challenges (1 > 0): 'capit'
    t = thr[("capit", "b")]
    assert t.threshold == pytest.approx(-0.2, abs=1e-6) and t.new_outcome == "capit"
    assert r.mc_mean is None


def test_vectorised_spe_matches_backward_induction() -> None:
    s = load(IRAN)
    assert s.crisis is not None
    game = build_game(s.crisis)
    rng = np.random.default_rng(3)
    draws = game.payoffs + 0.3 * rng.standard_normal((40, *game.payoffs.shape))
    fast = spe_outcomes(game, draws)
    for k in range(40):
        (e,) = spe(game, draws[k])
        assert np.allclose(fast[k], e.outcome_probs, atol=1e-9)


@pytest.mark.parametrize(
    ("change", "msg"),
    [
        ({"players": ["a", "zz"]}, "not crisis players|not an actor"),
        ({"rationality": None}, "rationality"),
        ({"war_outcomes": ["nope"]}, "war_outcomes"),
        ({"game": {"builder": "egame12", "tree": {"outcome": "sq"}}}, "either builder"),
    ],
)
def test_crisis_validation(change: dict[str, Any], msg: str) -> None:
    with pytest.raises(ValueError, match=msg):
        Scenario.model_validate(_base(_egame12_crisis(**change)))


def test_builder_outcomes_must_match() -> None:
    c = _egame12_crisis()
    c["payoffs"]["peace"] = c["payoffs"].pop("sq")
    c["war_outcomes"] = []
    s = Scenario.model_validate(_base(c))
    with pytest.raises(InputError, match="missing \\['sq'\\]"):
        analyze_crisis(s, draws=0)


def test_unknown_player_in_scenario(tmp_path: Path) -> None:
    data = yaml.safe_load(IRAN.read_text())
    data["crisis"]["players"] = ["iran", "israel", "russia"]
    for by_player in data["crisis"]["payoffs"].values():
        by_player["russia"] = by_player.pop("usa")
    data["crisis"]["game"]["tree"]["actions"]["symbolic strike"]["actions"]["escalate"]["player"] = "russia"
    for strike in ("calibrated strike", "major strike"):
        data["crisis"]["game"]["tree"]["actions"][strike]["actions"]["escalate"]["player"] = "russia"
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match="russia"):
        load(p)


def test_no_crisis_section() -> None:
    s = load(EXAMPLES / "gaza_ceasefire_2024.yaml")
    with pytest.raises(InputError, match="no `crisis` section"):
        analyze_crisis(s)
