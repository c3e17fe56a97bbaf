"""Builders of the standard crisis and strategic-choice games.

- :func:`egame12`: the three-outcome deterrence game of Signorino (1999) and the R package
  ``games`` (Kenkel & Signorino 2014): player 1 keeps the status quo (outcome 1) or challenges;
  player 2 then backs down (outcome 3) or resists (outcome 4).
- :func:`egame122`: player 1 chooses L or R, player 2 answers L or R after either (outcomes LL,
  LR, RL, RR).
- :func:`egame123`: three players in sequence; each ends the game (L: outcomes 1, 3, 5) or passes
  it on (R); the last R gives outcome 6.
- :func:`ultimatum`: a discrete ultimatum game (Güth, Schmittberger & Schwarze 1982): player 1
  offers ``x`` of ``pie`` in steps, player 2 accepts or rejects.
- :func:`iig`: the International Interaction Game (Bueno de Mesquita & Lalman, *War and Reason*,
  1992, ch. 3), 12 decision nodes, outcomes SQ, Acq1, Acq2, Nego, Cap1, Cap2, War1, War2.
- :func:`escalation_ladder`: two players alternate choosing to escalate one rung or to stop;
  escalating past the last rung is war (after Kahn 1965, *On Escalation*).

Every builder takes optional payoffs ``{outcome: [u_player1, u_player2, ...]}``; outcomes left out
get zeros.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from accord.errors import InputError
from accord.games.tree import Game, TreeBuilder

Payoffs = Mapping[str, Sequence[float]] | None

EGAME12_OUTCOMES = ("sq", "capit", "war")
EGAME122_OUTCOMES = ("LL", "LR", "RL", "RR")
EGAME123_OUTCOMES = ("1", "3", "5", "6")
IIG_OUTCOMES = ("SQ", "Acq1", "Acq2", "Nego", "Cap1", "Cap2", "War1", "War2")


def _finish(b: TreeBuilder, payoffs: Payoffs) -> Game:
    game = b.build()
    return game.with_payoffs(payoffs) if payoffs else game


def _names(given: Sequence[str] | None, default: Sequence[str], what: str) -> tuple[str, ...]:
    names = tuple(given) if given is not None else tuple(default)
    if len(names) != len(default) or len(set(names)) != len(names):
        raise InputError(f"{what}: need {len(default)} distinct names, got {list(names)}")
    return names


def egame12(
    payoffs: Payoffs = None,
    *,
    players: Sequence[str] = ("1", "2"),
    outcomes: Sequence[str] | None = None,
    actions: Sequence[Sequence[str]] = (("L", "R"), ("L", "R")),
) -> Game:
    """The three-outcome deterrence game (Signorino 1999, fig. 1; ``games::egame12``).

    Outcomes in tree order: status quo (1's L), 2 backs down (1's R, 2's L), war (R, R).
    """
    o = _names(outcomes, EGAME12_OUTCOMES, "outcomes")
    pl = _names(players, ("1", "2"), "players")
    b = TreeBuilder("egame12", pl)
    b.decision(1, actions[0], "1")
    b.terminal(o[0])
    b.decision(2, actions[1], "2")
    b.terminal(o[1])
    b.terminal(o[2])
    return _finish(b, payoffs)


def egame122(payoffs: Payoffs = None, *, players: Sequence[str] = ("1", "2")) -> Game:
    """Player 1 chooses L or R; player 2 answers L or R (``games::egame122``)."""
    b = TreeBuilder("egame122", _names(players, ("1", "2"), "players"))
    b.decision(1, ("L", "R"), "1")
    b.decision(2, ("L", "R"), "2 after L")
    b.terminal("LL")
    b.terminal("LR")
    b.decision(2, ("L", "R"), "2 after R")
    b.terminal("RL")
    b.terminal("RR")
    return _finish(b, payoffs)


def egame123(payoffs: Payoffs = None, *, players: Sequence[str] = ("1", "2", "3")) -> Game:
    """Three players in sequence, each ending the game (L) or passing it on (R) (``games::egame123``)."""
    b = TreeBuilder("egame123", _names(players, ("1", "2", "3"), "players"))
    b.decision(1, ("L", "R"), "1")
    b.terminal("1")
    b.decision(2, ("L", "R"), "2")
    b.terminal("3")
    b.decision(3, ("L", "R"), "3")
    b.terminal("5")
    b.terminal("6")
    return _finish(b, payoffs)


def ultimatum(
    pie: int = 10,
    *,
    reservation: Sequence[float] = (0.0, 0.0),
    players: Sequence[str] = ("proposer", "responder"),
) -> Game:
    """A discrete ultimatum game: player 1 offers 0..pie units, player 2 accepts or rejects.

    Payoffs: accepting ``x`` gives (pie - x, x); rejecting gives the players' reservation values.
    Outcomes are named ``accept x`` / ``reject x``.
    """
    if not isinstance(pie, int) or not 1 <= pie <= 1000:
        raise InputError(f"pie: need a whole number of units in 1..1000, got {pie!r}")
    r1, r2 = (float(v) for v in reservation)
    b = TreeBuilder("ultimatum", _names(players, ("1", "2"), "players"))
    b.decision(1, tuple(f"offer {x}" for x in range(pie + 1)), "proposer")
    for x in range(pie + 1):
        b.decision(2, ("accept", "reject"), f"responder after {x}")
        b.terminal(f"accept {x}", (pie - x, x))
        b.terminal(f"reject {x}", (r1, r2))
    return b.build()


def iig(payoffs: Payoffs = None, *, players: Sequence[str] = ("A", "B")) -> Game:
    """The International Interaction Game (Bueno de Mesquita & Lalman 1992), 12 decision nodes.

    A moves first (demand or not); B answers; a demand met by a counter-demand leads to
    negotiation or the use of force, in the node order of Gambit's ``iig`` example file.
    """
    b = TreeBuilder("International Interaction Game", _names(players, ("A", "B"), "players"))
    force = ("NoForce", "Force")
    b.decision(1, ("NoDemand", "Demand"), "n1")
    b.decision(2, ("NoDemand", "Demand"), "n2")
    b.terminal("SQ")
    b.decision(1, ("Acquiesce", "CounterDemand"), "n4")
    b.terminal("Acq1")
    b.decision(2, force, "n6")
    b.decision(1, force, "n7")
    b.terminal("Nego")
    b.decision(2, force, "n11")
    b.terminal("Cap2")
    b.terminal("War1")
    b.decision(1, force, "n8")
    b.terminal("Cap1")
    b.terminal("War2")
    b.decision(2, ("Acquiesce", "CounterDemand"), "n3")
    b.terminal("Acq2")
    b.decision(1, force, "n5")
    b.decision(2, force, "n9")
    b.terminal("Nego")
    b.decision(1, force, "n12")
    b.terminal("Cap1")
    b.terminal("War2")
    b.decision(2, force, "n10")
    b.terminal("Cap2")
    b.terminal("War1")
    game = b.build()
    # keep the conventional outcome order whatever order the tree visits them in
    order = [game.outcomes.index(o) for o in IIG_OUTCOMES]
    remap = {old: new for new, old in enumerate(order)}
    node_outcome = game.node_outcome.copy()
    for k, o in enumerate(game.node_outcome):
        if o >= 0:
            node_outcome[k] = remap[int(o)]
    game = Game(
        game.title,
        game.players,
        game.node_player,
        game.node_labels,
        game.children,
        game.actions,
        game.chance_probs,
        node_outcome,
        IIG_OUTCOMES,
        game.payoffs[order],
    )
    return game.with_payoffs(payoffs) if payoffs else game


def escalation_ladder(
    rungs: int = 3,
    *,
    players: Sequence[str] = ("A", "B"),
    stake: float = 1.0,
    cost: float = 0.2,
    war_cost: float = 1.0,
    payoffs: Payoffs = None,
) -> Game:
    """An N-rung escalation ladder for two players.

    A moves first and alternates with B. At step j (j = 0..rungs) the mover stops or escalates;
    stopping at j = 0 keeps the status quo ``SQ``; stopping at j >= 1 means the mover yields
    (outcome ``<mover> yields at <j>``); escalating at j = rungs is ``War``.
    Default payoffs: the player who did not yield wins ``stake``, the yielder loses it, and both pay
    ``cost`` per rung climbed; war costs both ``war_cost`` plus the climb.
    """
    if not isinstance(rungs, int) or not 1 <= rungs <= 100:
        raise InputError(f"rungs: need a whole number in 1..100, got {rungs!r}")
    pl = _names(players, ("A", "B"), "players")
    b = TreeBuilder(f"escalation ladder ({rungs} rungs)", pl)
    for j in range(rungs + 1):
        mover = 1 + j % 2
        b.decision(mover, ("stop", "escalate"), f"rung {j}")
        if j == 0:
            b.terminal("SQ", (0.0, 0.0))
        else:
            win = [stake - cost * j, stake - cost * j]
            win[mover - 1] = -stake - cost * j
            b.terminal(f"{pl[mover - 1]} yields at {j}", win)
    b.terminal("War", (-war_cost - cost * (rungs + 1), -war_cost - cost * (rungs + 1)))
    return _finish(b, payoffs)


BUILDERS = {
    "egame12": egame12,
    "egame122": egame122,
    "egame123": egame123,
    "ultimatum": ultimatum,
    "iig": iig,
    "escalation_ladder": escalation_ladder,
}
