"""Finite extensive-form games with perfect information and chance nodes.

A :class:`Game` holds its tree as flat arrays in pre-order (a parent comes before its children, the
root is node 0), so the solvers walk it backwards without recursion and vectorise over a batch of
payoffs or rationality parameters. Terminal nodes point to named *outcomes*; payoffs are given per
outcome and player (one outcome may end several branches, as "Nego" does in the International
Interaction Game of Bueno de Mesquita & Lalman 1992).

Node kinds: ``node_player[k]`` is ``-1`` for a terminal node, ``0`` for a chance node and ``i >= 1``
for a decision node of player ``i`` (players are numbered from 1, as in Gambit's ``.efg`` files).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from accord.errors import InputError

TERMINAL = -1
CHANCE = 0


@dataclass(frozen=True)
class Game:
    """A perfect-information game tree (nodes in pre-order, root 0).

    Fields
    ------
    title: a name for the game.
    players: player names, player ``i`` (1-based) is ``players[i - 1]``.
    node_player: (nodes,) -1 terminal, 0 chance, i >= 1 decision node of player i.
    node_labels: (nodes,) a name for each node (may be empty).
    children: per node, the child node indices (empty for a terminal).
    actions: per node, the action labels leading to ``children`` (empty for a terminal).
    chance_probs: per node, the probabilities of a chance node's actions (empty otherwise).
    node_outcome: (nodes,) the outcome index of a terminal node, -1 otherwise.
    outcomes: outcome names.
    payoffs: (outcomes, players) each player's payoff (utility) at each outcome.
    """

    title: str
    players: tuple[str, ...]
    node_player: np.ndarray
    node_labels: tuple[str, ...]
    children: tuple[tuple[int, ...], ...]
    actions: tuple[tuple[str, ...], ...]
    chance_probs: tuple[tuple[float, ...], ...]
    node_outcome: np.ndarray
    outcomes: tuple[str, ...]
    payoffs: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    # -- shape -----------------------------------------------------------------------
    @property
    def n_players(self) -> int:
        return len(self.players)

    @property
    def n_nodes(self) -> int:
        return int(self.node_player.shape[0])

    @property
    def decision_nodes(self) -> tuple[int, ...]:
        """Indices of the players' decision nodes, in pre-order."""
        return tuple(int(k) for k in np.flatnonzero(self.node_player > 0))

    @property
    def parent(self) -> np.ndarray:
        """(nodes,) the parent of each node (-1 for the root)."""
        par = np.full(self.n_nodes, -1, dtype=int)
        for k, kids in enumerate(self.children):
            for c in kids:
                par[c] = k
        return par

    def outcome_index(self, name: str) -> int:
        try:
            return self.outcomes.index(name)
        except ValueError:
            raise InputError(
                f"unknown outcome {name!r}; the game's outcomes are {list(self.outcomes)}"
            ) from None

    def player_index(self, name: str) -> int:
        """1-based index of a player named ``name``."""
        try:
            return self.players.index(name) + 1
        except ValueError:
            raise InputError(
                f"unknown player {name!r}; the game's players are {list(self.players)}"
            ) from None

    def with_payoffs(self, payoffs: np.ndarray | Mapping[str, Sequence[float]]) -> Game:
        """The same tree with new payoffs: an (outcomes, players) array or ``{outcome: [u1, u2, ...]}``."""
        if isinstance(payoffs, Mapping):
            arr = np.array(self.payoffs, dtype=float, copy=True)
            for name, vals in payoffs.items():
                row = np.asarray(vals, dtype=float)
                if row.shape != (self.n_players,):
                    raise InputError(f"payoffs of {name!r}: need {self.n_players} numbers, got {list(vals)}")
                arr[self.outcome_index(name)] = row
        else:
            arr = np.asarray(payoffs, dtype=float)
            if arr.shape != (len(self.outcomes), self.n_players):
                raise InputError(
                    f"payoffs: need shape ({len(self.outcomes)}, {self.n_players}), got {arr.shape}"
                )
        if not np.all(np.isfinite(arr)):
            raise InputError("payoffs must be finite numbers")
        return Game(
            self.title,
            self.players,
            self.node_player,
            self.node_labels,
            self.children,
            self.actions,
            self.chance_probs,
            self.node_outcome,
            self.outcomes,
            arr,
            dict(self.meta),
        )

    def path_to(self, node: int) -> list[tuple[int, int]]:
        """The (node, action index) steps from the root down to ``node``."""
        par = self.parent
        steps: list[tuple[int, int]] = []
        k = node
        while par[k] >= 0:
            p = int(par[k])
            steps.append((p, self.children[p].index(k)))
            k = p
        return steps[::-1]

    def describe_node(self, node: int) -> str:
        """A readable name: the node's label, or the actions that lead to it."""
        if self.node_labels[node]:
            return self.node_labels[node]
        steps = self.path_to(node)
        return "root" if not steps else "/".join(self.actions[p][a] for p, a in steps)


class TreeBuilder:
    """Build a :class:`Game` top-down: ``decision``/``chance`` nodes, then ``terminal`` leaves.

    Children are added in pre-order by nesting: :meth:`decision` returns the node index; the next
    nodes created become its children in order until it has as many as it has actions.
    """

    def __init__(self, title: str, players: Sequence[str]) -> None:
        self.title = title
        self.players = tuple(players)
        self._player: list[int] = []
        self._labels: list[str] = []
        self._children: list[list[int]] = []
        self._actions: list[tuple[str, ...]] = []
        self._probs: list[tuple[float, ...]] = []
        self._outcome: list[int] = []
        self._outcomes: list[str] = []
        self._payoffs: dict[int, tuple[float, ...]] = {}
        self._open: list[int] = []  # nodes still waiting for children, innermost last

    def _add(
        self, player: int, label: str, actions: Sequence[str], probs: Sequence[float], outcome: int
    ) -> int:
        k = len(self._player)
        # the parent is the innermost node still missing children
        while self._open and len(self._children[self._open[-1]]) == len(self._actions[self._open[-1]]):
            self._open.pop()
        if self._open:
            self._children[self._open[-1]].append(k)
        elif k != 0:
            raise InputError(f"{self.title}: node {k} has no parent (the tree is already complete)")
        self._player.append(player)
        self._labels.append(label)
        self._children.append([])
        self._actions.append(tuple(actions))
        self._probs.append(tuple(float(p) for p in probs))
        self._outcome.append(outcome)
        if actions:
            self._open.append(k)
        return k

    def decision(self, player: int, actions: Sequence[str], label: str = "") -> int:
        if not 1 <= player <= len(self.players):
            raise InputError(f"{self.title}: player {player} is not one of 1..{len(self.players)}")
        if len(actions) < 1:
            raise InputError(f"{self.title}: a decision node needs at least one action")
        return self._add(player, label, actions, (), -1)

    def chance(self, actions: Sequence[str], probs: Sequence[float], label: str = "") -> int:
        p = np.asarray(probs, dtype=float)
        if len(actions) != len(p) or np.any(p < 0) or not np.isclose(p.sum(), 1.0, atol=1e-9):
            raise InputError(
                f"{self.title}: chance node {label!r} needs one probability per action, summing to 1"
            )
        return self._add(CHANCE, label, actions, tuple(p), -1)

    def terminal(self, outcome: str, payoffs: Sequence[float] | None = None, label: str = "") -> int:
        if outcome not in self._outcomes:
            self._outcomes.append(outcome)
        o = self._outcomes.index(outcome)
        if payoffs is not None:
            vals = tuple(float(x) for x in payoffs)
            if len(vals) != len(self.players):
                raise InputError(f"{self.title}: outcome {outcome!r} needs {len(self.players)} payoffs")
            old = self._payoffs.get(o)
            if old is not None and old != vals:
                raise InputError(f"{self.title}: outcome {outcome!r} is given two different payoffs")
            self._payoffs[o] = vals
        return self._add(TERMINAL, label, (), (), o)

    def build(self) -> Game:
        for k, kids in enumerate(self._children):
            if len(kids) != len(self._actions[k]):
                raise InputError(
                    f"{self.title}: node {k} has {len(kids)} children for {len(self._actions[k])} actions"
                )
        pay = np.zeros((len(self._outcomes), len(self.players)))
        for o, vals in self._payoffs.items():
            pay[o] = vals
        return Game(
            title=self.title,
            players=self.players,
            node_player=np.asarray(self._player, dtype=int),
            node_labels=tuple(self._labels),
            children=tuple(tuple(c) for c in self._children),
            actions=tuple(self._actions),
            chance_probs=tuple(self._probs),
            node_outcome=np.asarray(self._outcome, dtype=int),
            outcomes=tuple(self._outcomes),
            payoffs=pay,
        )
