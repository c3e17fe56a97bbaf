"""The ``crisis:`` block of a scenario: a crisis escalation game in the analyst's words.

A crisis names its players (actor ids of the scenario, in the game's player order), the game
(a standard builder with its options, or an explicit tree of nested moves), each player's payoff
at each outcome with its uncertainty and rationale, and the rationality parameter lambda of the
agent logit QRE (a value or a range). See docs/scenario-format.md and docs/games.md.
"""

import math
from typing import Any, Literal, Self

from pydantic import ConfigDict, Field, model_validator

from accord.scenario.edit import ValidatedModel

BuilderName = Literal["egame12", "egame122", "egame123", "iig", "escalation_ladder", "ultimatum"]


class _Strict(ValidatedModel):  # model_copy and model_construct validate (accord.scenario.edit)
    model_config = ConfigDict(extra="forbid", frozen=True)


class PayoffEstimate(_Strict):
    """A player's payoff at an outcome: a value, its uncertainty (sd, or low/high) and why."""

    value: float
    sd: float | None = Field(default=None, ge=0)
    low: float | None = None
    high: float | None = None
    rationale: str = ""

    @model_validator(mode="after")
    def _check(self) -> Self:
        for name in ("value", "sd", "low", "high"):
            v = getattr(self, name)
            if v is not None and not math.isfinite(v):
                raise ValueError(f"{name} must be a finite number, got {v}")
        if (self.low is None) != (self.high is None):
            raise ValueError("a range needs both low and high")
        if self.low is not None and self.sd is not None:
            raise ValueError("give either sd or low/high, not both")
        if self.low is not None and self.high is not None and not self.low <= self.value <= self.high:
            raise ValueError(f"value {self.value} is outside low..high {self.low}..{self.high}")
        return self


class CrisisNode(_Strict):
    """One node of an explicit game tree.

    A terminal node names its ``outcome``; a decision node names its ``player`` (an actor id) and
    maps each action to the node it leads to; a chance node gives ``chance``: {action: probability}
    and the same ``actions`` mapping.
    """

    outcome: str | None = None
    player: str | None = None
    chance: dict[str, float] | None = None
    label: str = ""
    actions: dict[str, "CrisisNode"] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _kind(self) -> Self:
        kinds = [self.outcome is not None, self.player is not None, self.chance is not None]
        if sum(kinds) != 1:
            raise ValueError(
                "a node is exactly one of: {outcome: ...}, {player: ..., actions: ...}, "
                "{chance: ..., actions: ...}"
            )
        if self.outcome is not None and self.actions:
            raise ValueError(f"outcome node {self.outcome!r} cannot have actions")
        if self.outcome is None and not self.actions:
            raise ValueError("a decision or chance node needs actions")
        if self.chance is not None:
            if set(self.chance) != set(self.actions):
                raise ValueError("chance: give one probability per action, with the same names")
            probs = list(self.chance.values())
            if any(not math.isfinite(p) or p < 0 for p in probs) or abs(sum(probs) - 1.0) > 1e-9:
                raise ValueError(f"chance probabilities must be >= 0 and sum to 1, got {probs}")
        return self


class CrisisGame(_Strict):
    """The game: a builder and its options, or an explicit ``tree``."""

    builder: BuilderName | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    tree: CrisisNode | None = None

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.builder is None) == (self.tree is None):
            raise ValueError("give either builder (with options) or tree")
        if self.tree is not None and self.options:
            raise ValueError("options go with a builder, not with an explicit tree")
        return self


class LambdaRange(_Strict):
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low > self.high:
            raise ValueError(f"need finite low <= high, got {self.low}..{self.high}")
        return self


class Crisis(_Strict):
    """A crisis escalation game attached to a scenario."""

    description: str = ""
    question: str = ""
    players: tuple[str, ...] = Field(min_length=2)
    game: CrisisGame
    payoffs: dict[str, dict[str, PayoffEstimate]]
    """``{outcome: {player id: estimate}}``; every outcome of the game, every player."""
    rationality: float | None = Field(default=None, ge=0)
    """The logit QRE's lambda: 0 = random play; large = close to subgame-perfect play."""
    rationality_range: LambdaRange | None = None
    """An uncertain lambda: drawn uniformly on the range in the Monte Carlo."""
    war_outcomes: tuple[str, ...] = ()
    """Outcomes that count as the wider war the analyst asks about (summed in the summary)."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if len(set(self.players)) != len(self.players):
            raise ValueError(f"players: duplicate ids in {list(self.players)}")
        if self.rationality is None and self.rationality_range is None:
            raise ValueError("give rationality (lambda) or rationality_range")
        if self.rationality_range is not None and self.rationality is not None:
            r = self.rationality_range
            if not r.low <= self.rationality <= r.high:
                raise ValueError(
                    f"rationality {self.rationality} is outside rationality_range {r.low}..{r.high}"
                )
        for outcome, by_player in self.payoffs.items():
            unknown = set(by_player) - set(self.players)
            if unknown:
                raise ValueError(
                    f"payoffs.{outcome}: {sorted(unknown)} are not crisis players {list(self.players)}"
                )
            missing = [p for p in self.players if p not in by_player]
            if missing:
                raise ValueError(f"payoffs.{outcome}: no payoff for {missing}")
        for name in self.war_outcomes:
            if name not in self.payoffs:
                raise ValueError(f"war_outcomes: {name!r} is not an outcome with payoffs")
        if self.game.tree is not None:
            self._check_tree(self.game.tree, "game.tree")
        return self

    def _check_tree(self, node: CrisisNode, where: str) -> None:
        if node.outcome is not None:
            if node.outcome not in self.payoffs:
                raise ValueError(f"{where}: outcome {node.outcome!r} has no payoffs")
            return
        if node.player is not None and node.player not in self.players:
            raise ValueError(
                f"{where}: player {node.player!r} is not one of the crisis players {list(self.players)}"
            )
        for action, child in node.actions.items():
            self._check_tree(child, f"{where}.actions.{action}")

    def check_actors(self, actor_ids: tuple[str, ...]) -> None:
        """Raise ValueError unless every crisis player is an actor of the scenario."""
        for i, p in enumerate(self.players):
            if p not in actor_ids:
                raise ValueError(f"crisis.players[{i}]: {p!r} is not an actor of the scenario")
