"""Game trees, builders, Gambit files, SPE and agent QRE, checked against Gambit's values."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import REFERENCE, need

from accord.errors import InputError
from accord.games import builders
from accord.games.efg import parse_efg, read_efg, to_efg, write_efg
from accord.games.solve import agent_qre, outcome_probabilities, qre_path, spe

IIG_EFG = REFERENCE / "games" / "iig_illustrative.efg"
IIG_CHECK = REFERENCE / "games" / "iig_logit_check.md"


def _gambit_table() -> dict[float, float]:
    text = need(IIG_CHECK).read_text()
    rows = re.findall(r"^\|\s*([0-9.]+)\s*\|\s*([0-9.]+)\s*\|", text, flags=re.M)
    return {float(lam): float(p) for lam, p in rows}


def test_iig_builder_matches_gambit_file() -> None:
    g = read_efg(need(IIG_EFG))
    b = builders.iig(dict(zip(g.outcomes, g.payoffs.tolist(), strict=True)))
    assert b.children == g.children
    assert np.array_equal(b.node_player, g.node_player)
    assert [b.outcomes[o] for o in b.node_outcome if o >= 0] == [
        g.outcomes[o] for o in g.node_outcome if o >= 0
    ]
    assert len(b.decision_nodes) == 12


def test_iig_logit_qre_matches_gambit() -> None:
    g = read_efg(need(IIG_EFG))
    table = _gambit_table()
    assert len(table) == 4
    for lam, p_demand in table.items():
        q = agent_qre(g, lam)
        assert q.node_probs[0][1] == pytest.approx(p_demand, abs=1e-9)
    # vectorised over lambdas: the same numbers in one pass
    path = qre_path(g, sorted(table))
    assert np.allclose(path.node_probs[0][:, 1], [table[k] for k in sorted(table)], atol=1e-9)


def test_large_lambda_follows_spe_path() -> None:
    g = read_efg(need(IIG_EFG))
    q = agent_qre(g, 200.0)
    assert q.node_probs[0][1] == pytest.approx(0.5, abs=1e-6)  # A indifferent at the root
    eqs = spe(g)
    assert len(eqs) == 2  # the tie at the root gives two SPE, both ending in negotiation
    for e in eqs:
        assert g.outcomes[int(np.argmax(e.outcome_probs))] == "Nego"
        for k in g.decision_nodes:
            if k == 0:
                continue
            assert q.node_probs[k][e.choice[k]] > 1 - 1e-6


def test_games_logit_equals_qre_at_inverse_sqrt2() -> None:
    # egame12 logit agent at sigma 1: P(R) = logistic(diff / sqrt 2) = QRE at lambda = 1/sqrt 2
    pay = {"sq": [-0.3, 0.0], "capit": [0.4, 0.0], "war": [-0.8, 0.7]}
    g = builders.egame12(pay)
    q = agent_qre(g, 1 / np.sqrt(2))
    p4 = 1 / (1 + np.exp(-(0.7 - 0.0) / np.sqrt(2)))
    p_r = 1 / (1 + np.exp(-((1 - p4) * 0.4 + p4 * -0.8 - -0.3) / np.sqrt(2)))
    assert q.outcome_probs == pytest.approx([1 - p_r, p_r * (1 - p4), p_r * p4], abs=1e-12)


def test_qre_batch_over_payoff_draws() -> None:
    g = builders.iig()
    rng = np.random.default_rng(0)
    draws = rng.normal(size=(50, len(g.outcomes), 2))
    q = agent_qre(g, 2.0, draws)
    assert q.outcome_probs.shape == (50, 8)
    assert np.allclose(q.outcome_probs.sum(axis=1), 1.0)
    single = agent_qre(g, 2.0, draws[7])
    assert np.allclose(single.outcome_probs, q.outcome_probs[7], atol=1e-14)


def test_lambda_zero_is_uniform() -> None:
    g = builders.egame12()
    q = agent_qre(g, 0.0)
    assert q.outcome_probs == pytest.approx([0.5, 0.25, 0.25])


def test_spe_all_on_ties_and_unique_otherwise() -> None:
    g = builders.egame12({"sq": [0, 0], "capit": [1, 0], "war": [-1, 0]})  # 2 indifferent
    eqs = spe(g)
    assert len(eqs) == 2
    assert sorted(g.outcomes[int(np.argmax(e.outcome_probs))] for e in eqs) == ["capit", "sq"]
    g2 = builders.egame12({"sq": [0, 0], "capit": [1, -1], "war": [-1, 0]})
    (e,) = spe(g2)
    assert [a for _, a in e.path(g2)] == ["R", "R"] or g2.outcomes[int(np.argmax(e.outcome_probs))] == "sq"
    assert g2.outcomes[int(np.argmax(e.outcome_probs))] == "sq"  # 2 resists, so 1 keeps the status quo


def test_ultimatum_spe_offers_the_least() -> None:
    g = builders.ultimatum(4)
    eqs = spe(g)
    # the responder is indifferent at offer 0: one SPE offers 0 (accepted), another offers 1
    offers = sorted(int(g.outcomes[int(np.argmax(e.outcome_probs))].split()[1]) for e in eqs)
    assert offers[0] == 0 and offers[-1] == 1


def test_escalation_ladder_backward_induction() -> None:
    g = builders.escalation_ladder(3, stake=1.0, cost=0.2, war_cost=1.0)
    assert len(g.decision_nodes) == 4 and len(g.outcomes) == 5
    (e,) = spe(g)
    assert g.outcomes[int(np.argmax(e.outcome_probs))] == "B yields at 1"
    costly = builders.escalation_ladder(3, stake=0.1, cost=0.5)
    (e2,) = spe(costly)
    assert costly.outcomes[int(np.argmax(e2.outcome_probs))] == "SQ"


def test_chance_node_expectation() -> None:
    text = """EFG 2 R "chance" { "A" "B" }
""
c "nature" 1 "" { "good" 1/4 "bad" 3/4 } 0
p "a1" 1 1 "" { "in" "out" } 0
t "" 1 "win" { 4, 0 }
t "" 2 "safe" { 1, 1 }
p "a2" 1 2 "" { "in" "out" } 0
t "" 3 "lose" { -4, 2 }
t "" 2 "safe" { 1, 1 }
"""
    g = parse_efg(text)
    (e,) = spe(g)
    assert e.outcome_probs[g.outcomes.index("win")] == pytest.approx(0.25)
    assert e.values[0, 0] == pytest.approx(0.25 * 4 + 0.75 * 1)
    q = agent_qre(g, 1e-9)
    assert np.allclose(outcome_probabilities(g, q.node_probs).sum(), 1.0)


def test_efg_round_trip() -> None:
    g = builders.iig({"War1": [-0.3, -0.6], "Nego": [0.2, 0.1]})
    g2 = parse_efg(to_efg(g))
    assert g2.children == g.children
    assert np.allclose(g2.payoffs, g.payoffs)
    assert g2.outcomes == g.outcomes


@pytest.mark.parametrize(
    ("text", "msg"),
    [
        ('EFG 2 R "x" { "A" } ""\np "" 2 1 "" { "a" } 0\nt "" 1 "o" { 1 }\n', "player 2"),
        ('EFG 2 R "x" { "A" } ""\np "" 1 1 "" { "a" "b" } 0\nt "" 1 "o" { 1 }\n', "missing children"),
        (
            'EFG 2 R "x" { "A" } ""\np "" 1 1 "" { "a" "b" } 0\np "" 1 1 "" { "a" "b" } 0\n',
            "perfect information",
        ),
        ('EFG 2 R "x" { "A" } ""\nt "" 1 "o" { 1 2 }\n', "payoffs"),
        ("GAME", "EFG 2"),
    ],
)
def test_efg_errors(text: str, msg: str) -> None:
    with pytest.raises(InputError, match=msg):
        parse_efg(text)


def test_bad_lambda() -> None:
    with pytest.raises(InputError, match="lambda"):
        agent_qre(builders.egame12(), -1.0)


def test_write_efg_refuses_to_overwrite(tmp_path: Path) -> None:
    g = builders.egame12({"war": [-1, 1]})
    path = tmp_path / "g.efg"
    write_efg(g, path)
    assert np.allclose(read_efg(path).payoffs, g.payoffs)
    with pytest.raises(InputError):
        write_efg(g, path)
    write_efg(g, path, force=True)
