"""Solutions of perfect-information games: subgame-perfect equilibria and the agent logit QRE.

- :func:`spe`: every pure subgame-perfect equilibrium by backward induction (Selten 1965; Kuhn
  1953). Where a player is indifferent between actions, each optimal action starts its own branch
  of the enumeration, so ties yield all SPE rather than an arbitrary one.
- :func:`agent_qre`: the agent logit quantal-response equilibrium (McKelvey & Palfrey 1998, "Quantal
  Response Equilibria for Extensive Form Games", Experimental Economics 1, eq. for the logit AQRE).
  Each decision node is an agent who chooses action ``a`` with probability proportional to
  ``exp(lambda * v_a)``, ``v_a`` the expected payoff of the subtree after ``a``. With perfect
  information the AQRE is unique and follows node by node from the leaves up, so it is computed
  exactly (no path following) and vectorised over a batch of lambdas and/or payoff draws.
- :func:`outcome_probabilities`: the probability of each outcome under a behaviour profile.

As lambda grows the AQRE approaches an SPE (McKelvey & Palfrey 1998, Theorem 4); with lambda = 0
every action is equally likely.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from accord.errors import InputError
from accord.games.tree import CHANCE, TERMINAL, Game

MAX_EQUILIBRIA = 10_000
TIE_TOL = 1e-9


@dataclass(frozen=True)
class Equilibrium:
    """One pure subgame-perfect equilibrium.

    choice: (nodes,) the action index chosen at each decision node (-1 at chance/terminal nodes).
    values: (nodes, players) each player's expected payoff in the subgame at each node.
    outcome_probs: (outcomes,) probability of each outcome (0/1 unless chance moves on the path).
    """

    choice: np.ndarray
    values: np.ndarray
    outcome_probs: np.ndarray

    def path(self, game: Game) -> list[tuple[int, str]]:
        """The (node, action label) steps of play from the root while no chance move intervenes."""
        steps: list[tuple[int, str]] = []
        k = 0
        while game.node_player[k] > 0:
            a = int(self.choice[k])
            steps.append((k, game.actions[k][a]))
            k = game.children[k][a]
        return steps


def spe(game: Game, payoffs: np.ndarray | None = None, *, tol: float = TIE_TOL) -> list[Equilibrium]:
    """Every pure subgame-perfect equilibrium of ``game`` by backward induction.

    payoffs: optional (outcomes, players) array replacing the game's payoffs.
    tol: payoffs closer than ``tol`` (relative to their size) count as a tie.
    Raises InputError when ties produce more than ``MAX_EQUILIBRIA`` equilibria.
    """
    pay = game.payoffs if payoffs is None else np.asarray(payoffs, dtype=float)
    n_nodes = game.n_nodes
    # per node: list of (choices as ((node, action), ...), value vector)
    sols: list[list[tuple[tuple[tuple[int, int], ...], np.ndarray]]] = [[] for _ in range(n_nodes)]
    for k in range(n_nodes - 1, -1, -1):
        pl = int(game.node_player[k])
        if pl == TERMINAL:
            sols[k] = [((), pay[game.node_outcome[k]].astype(float))]
            continue
        kids = game.children[k]
        combos = math.prod(len(sols[c]) for c in kids)
        if combos > MAX_EQUILIBRIA:
            raise InputError(f"{game.title}: ties give more than {MAX_EQUILIBRIA} subgame-perfect equilibria")
        out: list[tuple[tuple[tuple[int, int], ...], np.ndarray]] = []
        for combo in itertools.product(*(sols[c] for c in kids)):
            vals = np.array([v for _, v in combo])  # (actions, players)
            below: tuple[tuple[int, int], ...] = tuple(itertools.chain.from_iterable(ch for ch, _ in combo))
            if pl == CHANCE:
                out.append((below, np.asarray(game.chance_probs[k]) @ vals))
                continue
            u = vals[:, pl - 1]
            best = u.max()
            for a in np.flatnonzero(u >= best - tol * max(1.0, abs(best))):
                out.append((below + ((k, int(a)),), vals[a]))
        if len(out) > MAX_EQUILIBRIA:
            raise InputError(f"{game.title}: ties give more than {MAX_EQUILIBRIA} subgame-perfect equilibria")
        sols[k] = out
    result = []
    for choices, _ in sols[0]:
        choice: np.ndarray = np.full(n_nodes, -1, dtype=int)
        for node, act in choices:
            choice[node] = act
        probs = _pure_behaviour(game, choice)
        values = _values(game, probs, pay)
        result.append(Equilibrium(choice, values, outcome_probabilities(game, probs)))
    return result


def _pure_behaviour(game: Game, choice: np.ndarray) -> list[np.ndarray]:
    probs: list[np.ndarray] = []
    for k in range(game.n_nodes):
        pl = int(game.node_player[k])
        if pl == TERMINAL:
            probs.append(np.zeros(0))
        elif pl == CHANCE:
            probs.append(np.asarray(game.chance_probs[k], dtype=float))
        else:
            p = np.zeros(len(game.children[k]))
            p[choice[k]] = 1.0
            probs.append(p)
    return probs


def _values(game: Game, probs: Sequence[np.ndarray], pay: np.ndarray) -> np.ndarray:
    """(..., nodes, players) expected payoffs of each subgame under behaviour ``probs``."""
    batch = np.broadcast_shapes(pay.shape[:-2], *(p.shape[:-1] for p in probs if p.size))
    values = np.zeros(batch + (game.n_nodes, game.n_players))
    for k in range(game.n_nodes - 1, -1, -1):
        if game.node_player[k] == TERMINAL:
            values[..., k, :] = pay[..., game.node_outcome[k], :]
        else:
            kids = list(game.children[k])
            values[..., k, :] = np.einsum("...a,...an->...n", probs[k], values[..., kids, :])
    return values


@dataclass(frozen=True)
class QRE:
    """An agent logit QRE (or a batch of them).

    lam: the rationality parameter(s), broadcast to the batch shape.
    node_probs: per node, (*batch, actions) choice probabilities (chance nodes: their fixed
        probabilities; terminal nodes: an empty array).
    values: (*batch, nodes, players) expected payoffs of each subgame.
    outcome_probs: (*batch, outcomes) probability of each outcome.
    """

    lam: np.ndarray
    node_probs: list[np.ndarray]
    values: np.ndarray
    outcome_probs: np.ndarray


def agent_qre(game: Game, lam: float | np.ndarray, payoffs: np.ndarray | None = None) -> QRE:
    """The agent logit QRE of a perfect-information game (McKelvey & Palfrey 1998).

    lam: a rationality parameter >= 0, or an array of them (any shape).
    payoffs: optional (*batch, outcomes, players) payoffs; the batch broadcasts against ``lam``.
    Returns choice probabilities per node, subgame values and outcome probabilities, all with the
    broadcast batch shape in front.
    """
    lam_arr = np.asarray(lam, dtype=float)
    if np.any(~np.isfinite(lam_arr)) or np.any(lam_arr < 0):
        raise InputError(f"lambda must be a finite number >= 0, got {lam}")
    pay = game.payoffs if payoffs is None else np.asarray(payoffs, dtype=float)
    if pay.shape[-2:] != game.payoffs.shape:
        raise InputError(
            f"payoffs: need shape (..., {len(game.outcomes)}, {game.n_players}), got {pay.shape}"
        )
    batch = np.broadcast_shapes(lam_arr.shape, pay.shape[:-2])
    lam_b = np.broadcast_to(lam_arr, batch)[..., None]
    values = np.zeros(batch + (game.n_nodes, game.n_players))
    probs: list[np.ndarray] = [np.zeros(0)] * game.n_nodes
    for k in range(game.n_nodes - 1, -1, -1):
        pl = int(game.node_player[k])
        if pl == TERMINAL:
            values[..., k, :] = pay[..., game.node_outcome[k], :]
            continue
        kids = list(game.children[k])
        sub = values[..., kids, :]  # (*batch, actions, players)
        if pl == CHANCE:
            p = np.broadcast_to(np.asarray(game.chance_probs[k]), batch + (len(kids),))
        else:
            z = lam_b * sub[..., pl - 1]
            z = z - z.max(axis=-1, keepdims=True)
            e = np.exp(z)
            p = e / e.sum(axis=-1, keepdims=True)
        probs[k] = p
        values[..., k, :] = np.einsum("...a,...an->...n", p, sub)
    return QRE(np.broadcast_to(lam_arr, batch), probs, values, outcome_probabilities(game, probs))


def outcome_probabilities(game: Game, node_probs: Sequence[np.ndarray]) -> np.ndarray:
    """(*batch, outcomes) probability of each outcome under per-node choice probabilities."""
    batch = np.broadcast_shapes(*(p.shape[:-1] for p in node_probs if p.size))
    reach = np.zeros(batch + (game.n_nodes,))
    reach[..., 0] = 1.0
    out = np.zeros(batch + (len(game.outcomes),))
    for k in range(game.n_nodes):
        if game.node_player[k] == TERMINAL:
            out[..., game.node_outcome[k]] += reach[..., k]
            continue
        for a, c in enumerate(game.children[k]):
            reach[..., c] = reach[..., k] * node_probs[k][..., a]
    return out


def qre_path(game: Game, lambdas: Sequence[float] | np.ndarray) -> QRE:
    """The agent QRE along a grid of lambdas (the logit "path" of McKelvey & Palfrey 1998).

    Because the AQRE of a perfect-information game is unique, the path is the AQRE at each lambda;
    it is computed in one vectorised pass.
    """
    grid = np.asarray(lambdas, dtype=float)
    if grid.ndim != 1 or grid.size == 0:
        raise InputError("lambdas: give a non-empty list of numbers")
    return agent_qre(game, grid)
