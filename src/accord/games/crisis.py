"""Crisis analysis: the scenario's ``crisis:`` game solved, simulated and probed for thresholds.

For a scenario with a ``crisis:`` block (:mod:`accord.scenario.crisis`) :func:`analyze_crisis`
builds the game tree, then reports

- the subgame-perfect equilibria (every one when payoffs tie) and their paths of play;
- the agent logit QRE outcome probabilities at the analyst's lambda (McKelvey & Palfrey 1998);
- a Monte Carlo over payoff uncertainty (and lambda's range): each draw's QRE outcome
  probabilities and its SPE outcome, vectorised over draws, seeded;
- for each payoff, the value at which the predicted (SPE) outcome changes: "what it would take".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from accord.errors import InputError
from accord.games.builders import BUILDERS
from accord.games.solve import agent_qre, spe
from accord.games.tree import CHANCE, TERMINAL, Game, TreeBuilder
from accord.scenario.crisis import Crisis, CrisisNode

DEFAULT_DRAWS = 2000
INTERVAL = (5.0, 95.0)
THRESHOLD_GRID = 801
# a lambda so large that logit choice is best response to within floating point (SPE play)
_SPE_LAMBDA_SCALE = 1e9


def build_game(crisis: Crisis, labels: dict[str, str] | None = None) -> Game:
    """The crisis as a :class:`Game`, with the payoffs' central values (players = actor ids)."""
    players = crisis.players
    if crisis.game.builder is not None:
        make = BUILDERS[crisis.game.builder]
        try:
            game = make(players=players, **crisis.game.options)  # type: ignore[operator]
        except TypeError as exc:
            raise InputError(f"crisis.game.options: {exc}") from None
        outcomes = set(game.outcomes)
        missing = [o for o in game.outcomes if o not in crisis.payoffs]
        extra = sorted(set(crisis.payoffs) - outcomes)
        if missing or extra:
            raise InputError(
                f"crisis.payoffs: the {crisis.game.builder} game's outcomes are {list(game.outcomes)}"
                + (f"; missing {missing}" if missing else "")
                + (f"; unknown {extra}" if extra else "")
            )
    else:
        assert crisis.game.tree is not None
        b = TreeBuilder(crisis.description or "crisis", players)
        _add_node(b, crisis.game.tree, players)
        game = b.build()
        unused = sorted(set(crisis.payoffs) - set(game.outcomes))
        if unused:
            raise InputError(f"crisis.payoffs: outcomes {unused} do not occur in the game tree")
    pay = np.array([[crisis.payoffs[o][p].value for p in players] for o in game.outcomes])
    return game.with_payoffs(pay)


def _add_node(b: TreeBuilder, node: CrisisNode, players: tuple[str, ...]) -> None:
    if node.outcome is not None:
        b.terminal(node.outcome, label=node.label)
        return
    actions = list(node.actions)
    if node.chance is not None:
        b.chance(actions, [node.chance[a] for a in actions], label=node.label)
    else:
        assert node.player is not None
        b.decision(players.index(node.player) + 1, actions, label=node.label)
    for a in actions:
        _add_node(b, node.actions[a], players)


def draw_payoffs(crisis: Crisis, game: Game, draws: int, rng: np.random.Generator) -> np.ndarray:
    """(draws, outcomes, players) payoff draws: normal for ``sd``, uniform for ``low``/``high``."""
    shape = (len(game.outcomes), game.n_players)
    centre = np.zeros(shape)
    sd = np.zeros(shape)
    low = np.full(shape, np.nan)
    high = np.full(shape, np.nan)
    for o, name in enumerate(game.outcomes):
        for i, p in enumerate(crisis.players):
            est = crisis.payoffs[name][p]
            centre[o, i] = est.value
            if est.sd is not None:
                sd[o, i] = est.sd
            if est.low is not None and est.high is not None:
                low[o, i], high[o, i] = est.low, est.high
    out = centre + sd * rng.standard_normal((draws, *shape))
    ranged = ~np.isnan(low)
    if ranged.any():
        u = rng.random((draws, *shape))
        out = np.where(ranged, np.nan_to_num(low) + u * np.nan_to_num(high - low), out)
    return out


def spe_outcomes(game: Game, payoffs: np.ndarray) -> np.ndarray:
    """(*batch, outcomes) outcome probabilities of subgame-perfect play, vectorised over payoffs.

    Logit choice with a lambda far beyond the payoffs' scale is best response to within rounding,
    so this is the SPE outcome (ties, a measure-zero event in continuous draws, split evenly).
    """
    scale = max(float(np.max(np.abs(payoffs))), 1e-12)
    return agent_qre(game, _SPE_LAMBDA_SCALE / scale, payoffs).outcome_probs


@dataclass
class Threshold:
    """The payoff value at which the predicted outcome changes."""

    outcome: str
    player: str
    value: float
    threshold: float | None
    new_outcome: str | None

    @property
    def change(self) -> float | None:
        return None if self.threshold is None else self.threshold - self.value

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "player": self.player,
            "value": self.value,
            "threshold": self.threshold,
            "change": self.change,
            "new_outcome": self.new_outcome,
        }


@dataclass
class CrisisAnalysis:
    """The solved crisis game. Probabilities are on [0, 1]; payoffs in the analyst's payoff units."""

    title: str
    players: tuple[str, ...]
    player_labels: tuple[str, ...]
    outcomes: tuple[str, ...]
    rationality: float
    rationality_range: tuple[float, float] | None
    spe_paths: list[list[tuple[str, str]]]
    spe_outcomes: list[str]
    qre_probs: np.ndarray
    node_probs: list[np.ndarray] = field(repr=False)
    draws: int = 0
    seed: int = 0
    mc_mean: np.ndarray | None = None
    mc_low: np.ndarray | None = None
    mc_high: np.ndarray | None = None
    mc_spe_freq: np.ndarray | None = None
    war_outcomes: tuple[str, ...] = ()
    thresholds: list[Threshold] = field(default_factory=list)
    question: str = ""
    game: Game | None = field(default=None, repr=False)

    @property
    def predicted(self) -> str:
        """The most likely outcome under the QRE at the analyst's lambda."""
        return self.outcomes[int(np.argmax(self.qre_probs))]

    def p_war(self) -> float | None:
        if not self.war_outcomes:
            return None
        return float(sum(self.qre_probs[self.outcomes.index(o)] for o in self.war_outcomes))

    def _mc_war(self) -> tuple[float, float, float] | None:
        if not self.war_outcomes or self.mc_mean is None or self._war_draws is None:
            return None
        w = self._war_draws
        return float(w.mean()), float(np.percentile(w, INTERVAL[0])), float(np.percentile(w, INTERVAL[1]))

    _war_draws: np.ndarray | None = field(default=None, repr=False)

    @property
    def summary(self) -> str:
        """One line: the most likely outcome, its probability, the SPE, and P(war) if asked."""
        o = int(np.argmax(self.qre_probs))
        parts = [f"Crisis: most likely outcome '{self.outcomes[o]}' (P = {self.qre_probs[o]:.2f}"]
        if self.mc_low is not None and self.mc_high is not None:
            parts[0] += f", 90% interval {self.mc_low[o]:.2f}-{self.mc_high[o]:.2f} over payoff uncertainty"
        parts[0] += ")"
        spe_txt = " or ".join(f"'{s}'" for s in dict.fromkeys(self.spe_outcomes))
        parts.append(f"subgame-perfect play ends in {spe_txt}")
        pw = self.p_war()
        if pw is not None:
            mc = self._mc_war()
            txt = f"P(wider war) = {pw:.2f}"
            if mc is not None:
                txt += f" (90% interval {mc[1]:.2f}-{mc[2]:.2f})"
            parts.append(txt)
        return "; ".join(parts) + "."

    def what_it_would_take(self, top: int = 5) -> list[str]:
        """Sentences for the smallest payoff changes that change the predicted outcome."""
        found = [t for t in self.thresholds if t.threshold is not None and t.change is not None]
        found.sort(key=lambda t: abs(t.change or 0.0))
        labels = dict(zip(self.players, self.player_labels, strict=True))
        out = []
        for t in found[:top]:
            verb = "rose" if (t.change or 0) > 0 else "fell"
            out.append(
                f"if {labels[t.player]}'s payoff for '{t.outcome}' {verb} from {t.value:+.2f} to "
                f"{t.threshold:+.2f} (by {abs(t.change or 0):.2f} payoff units), play would end in "
                f"'{t.new_outcome}' instead"
            )
        return out

    def tree_nodes(self) -> list[dict[str, Any]]:
        """The tree in pre-order for drawing: mover, actions, QRE choice probabilities, children."""
        g = self.game
        if g is None:
            return []
        nodes: list[dict[str, Any]] = []
        for k in range(g.n_nodes):
            pl = int(g.node_player[k])
            mover = None if pl == TERMINAL else "chance" if pl == CHANCE else self.player_labels[pl - 1]
            nodes.append(
                {
                    "node": k,
                    "mover": mover,
                    "label": g.node_labels[k],
                    "outcome": g.outcomes[int(g.node_outcome[k])] if pl == TERMINAL else None,
                    "actions": list(g.actions[k]),
                    "probabilities": [float(p) for p in self.node_probs[k]],
                    "children": list(g.children[k]),
                }
            )
        return nodes

    def tree_lines(self) -> list[str]:
        """The game tree as indented text, each action with its QRE choice probability."""
        g = self.game
        if g is None:
            return []
        labels = dict(enumerate(self.player_labels, start=1))
        lines: list[str] = []

        def walk(k: int, depth: int) -> None:
            pad = "  " * depth
            pl = int(g.node_player[k])
            if pl == TERMINAL:
                return
            who = "chance" if pl == CHANCE else labels[pl]
            for a, c in enumerate(g.children[k]):
                p = float(self.node_probs[k][a])
                end = f" -> {g.outcomes[g.node_outcome[c]]}" if g.node_player[c] == TERMINAL else ""
                lines.append(f"{pad}{who}: {g.actions[k][a]} (p = {p:.2f}){end}")
                walk(c, depth + 1)

        walk(0, 0)
        return lines

    def _mc_dict(self) -> dict[str, Any] | None:
        if self.mc_mean is None or self.mc_low is None or self.mc_high is None or self.mc_spe_freq is None:
            return None
        rows = zip(self.outcomes, self.mc_mean, self.mc_low, self.mc_high, self.mc_spe_freq, strict=True)
        return {
            "draws": self.draws,
            "seed": self.seed,
            "interval": [INTERVAL[0] / 100, INTERVAL[1] / 100],
            "outcomes": {
                o: {"mean": float(m), "low": float(lo), "high": float(hi), "p_spe_outcome": float(f)}
                for o, m, lo, hi, f in rows
            },
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (no NaN): the summary first, then every figure."""

        def arr(x: np.ndarray | None) -> list[float] | None:
            return None if x is None else [float(v) for v in x]

        mc_war = self._mc_war()
        return {
            "summary": self.summary,
            "title": self.title,
            "question": self.question,
            "players": [
                {"id": p, "label": lab} for p, lab in zip(self.players, self.player_labels, strict=True)
            ],
            "outcomes": list(self.outcomes),
            "rationality": self.rationality,
            "rationality_range": list(self.rationality_range) if self.rationality_range else None,
            "predicted_outcome": self.predicted,
            "qre_probabilities": dict(zip(self.outcomes, arr(self.qre_probs) or [], strict=True)),
            "spe": [
                {"outcome": o, "path": [{"player": who, "action": a} for who, a in path]}
                for o, path in zip(self.spe_outcomes, self.spe_paths, strict=True)
            ],
            "monte_carlo": self._mc_dict(),
            "war_outcomes": list(self.war_outcomes),
            "p_war": self.p_war(),
            "p_war_monte_carlo": None
            if mc_war is None
            else {"mean": mc_war[0], "low": mc_war[1], "high": mc_war[2]},
            "thresholds": [t.to_dict() for t in self.thresholds],
            "tree": self.tree_nodes(),
            "what_it_would_take": self.what_it_would_take(),
        }


def _thresholds(game: Game, players: tuple[str, ...], base: np.ndarray) -> list[Threshold]:
    """For each payoff, the nearest value (grid, then bisection) where the SPE outcome changes.

    Every payoff is probed at once: a grid of offsets within twice the payoffs' spread, then
    50 bisection steps between 0 and the nearest offset that changes the outcome, all vectorised.
    """
    n_out, n_pl = base.shape
    base_o = int(np.argmax(spe_outcomes(game, base)))
    spread = float(base.max() - base.min()) or 1.0
    offsets = np.linspace(-2.0 * spread, 2.0 * spread, THRESHOLD_GRID)
    entries = [(o, i) for o in range(n_out) for i in range(n_pl)]
    rows = np.arange(len(entries))
    eo = np.array([o for o, _ in entries])
    ei = np.array([i for _, i in entries])

    def predict(shift: np.ndarray) -> np.ndarray:
        """shift: (entries, m) offsets -> (entries, m) predicted outcome index."""
        batch = np.broadcast_to(base, (*shift.shape, n_out, n_pl)).copy()
        batch[rows[:, None], np.arange(shift.shape[1])[None, :], eo[:, None], ei[:, None]] += shift
        return np.argmax(spe_outcomes(game, batch), axis=-1)

    pred = predict(np.broadcast_to(offsets, (len(entries), THRESHOLD_GRID)))
    differ = pred != base_o
    found = differ.any(axis=1)
    dist = np.where(differ, np.abs(offsets)[None, :], np.inf)
    hi = offsets[np.argmin(dist, axis=1)]
    lo = np.zeros(len(entries))
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        same = predict(mid[:, None])[:, 0] == base_o
        lo = np.where(same, mid, lo)
        hi = np.where(same, hi, mid)
    new = predict(hi[:, None])[:, 0]
    out: list[Threshold] = []
    for k, (o, i) in enumerate(entries):
        current = float(base[o, i])
        if not found[k]:
            out.append(Threshold(game.outcomes[o], players[i], current, None, None))
        else:
            out.append(
                Threshold(
                    game.outcomes[o], players[i], current, current + float(hi[k]), game.outcomes[int(new[k])]
                )
            )
    return out


def analyze_crisis(
    scenario: Any, *, draws: int = DEFAULT_DRAWS, seed: int = 0, rationality: float | None = None
) -> CrisisAnalysis:
    """Solve, simulate and probe the scenario's crisis game (see the module docstring).

    draws: Monte Carlo draws of the payoffs (0 turns the Monte Carlo off); seed: its seed.
    rationality: override the scenario's lambda.
    """
    crisis: Crisis | None = getattr(scenario, "crisis", None)
    if crisis is None:
        raise InputError("the scenario has no `crisis` section")
    if not isinstance(draws, int) or draws < 0 or draws > 1_000_000:
        raise InputError(f"draws: need a whole number in 0..1000000, got {draws!r}")
    if rationality is not None and (not np.isfinite(rationality) or rationality < 0):
        raise InputError(f"rationality: need a finite number >= 0, got {rationality}")
    labels = {a.id: a.label for a in scenario.actors}
    game = build_game(crisis)
    rng_range = (
        (crisis.rationality_range.low, crisis.rationality_range.high) if crisis.rationality_range else None
    )
    if rationality is not None:
        lam = float(rationality)
    elif crisis.rationality is not None:
        lam = float(crisis.rationality)
    else:
        assert rng_range is not None
        lam = 0.5 * (rng_range[0] + rng_range[1])
    q = agent_qre(game, lam)
    eqs = spe(game)
    player_labels = tuple(labels.get(p, p) for p in crisis.players)
    spe_paths = []
    spe_outs = []
    for e in eqs:
        path = []
        k = 0
        while game.node_player[k] > 0:
            a = int(e.choice[k])
            path.append((player_labels[int(game.node_player[k]) - 1], game.actions[k][a]))
            k = game.children[k][a]
        spe_paths.append(path)
        spe_outs.append(game.outcomes[int(np.argmax(e.outcome_probs))])
    result = CrisisAnalysis(
        title=crisis.description or scenario.name,
        players=crisis.players,
        player_labels=player_labels,
        outcomes=game.outcomes,
        rationality=lam,
        rationality_range=rng_range,
        spe_paths=spe_paths,
        spe_outcomes=spe_outs,
        qre_probs=q.outcome_probs,
        node_probs=q.node_probs,
        draws=draws,
        seed=seed,
        war_outcomes=crisis.war_outcomes,
        question=crisis.question,
        game=game,
    )
    if draws:
        rng = np.random.default_rng(seed)
        pay = draw_payoffs(crisis, game, draws, rng)
        if rationality is None and rng_range is not None:
            lams = rng_range[0] + rng.random(draws) * (rng_range[1] - rng_range[0])
        else:
            lams = np.full(draws, lam)
        probs = agent_qre(game, lams, pay).outcome_probs
        result.mc_mean = probs.mean(axis=0)
        result.mc_low = np.percentile(probs, INTERVAL[0], axis=0)
        result.mc_high = np.percentile(probs, INTERVAL[1], axis=0)
        result.mc_spe_freq = spe_outcomes(game, pay).mean(axis=0)
        if crisis.war_outcomes:
            idx = [game.outcomes.index(o) for o in crisis.war_outcomes]
            result._war_draws = probs[:, idx].sum(axis=1)
    result.thresholds = _thresholds(game, crisis.players, game.payoffs)
    return result
