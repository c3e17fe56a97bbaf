"""Read and write Gambit's extensive-form game format (``.efg``, version 2).

The format (Gambit documentation, "Game representation formats") lists nodes in pre-order:
``p "name" player infoset "infoset name" { "action" ... } outcome ["name" { payoffs }]`` for a
player's node, ``c "name" infoset "infoset name" { "action" prob ... } outcome`` for chance and
``t "name" outcome "outcome name" { payoffs }`` for a terminal node. Only games with perfect
information are accepted here (one node per information set); payoffs attached to non-terminal
nodes are not supported. This is our own reader, written from the format's description.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import numpy as np

from accord.errors import InputError
from accord.games.tree import CHANCE, TERMINAL, Game

_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|([{}])|([^\s{},"]+)|,|\s+', re.S)


def _tokens(text: str, source: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise InputError(
                f"cannot read the text at character {pos}: {text[pos : pos + 20]!r}", source=source
            )
        if m.group(1) is not None:
            out.append(("str", m.group(1).replace('\\"', '"')))
        elif m.group(2) is not None:
            out.append((m.group(2), m.group(2)))
        elif m.group(3) is not None:
            out.append(("word", m.group(3)))
        pos = m.end()
    return out


class _Reader:
    def __init__(self, toks: list[tuple[str, str]], source: str) -> None:
        self.toks = toks
        self.i = 0
        self.source = source

    def fail(self, msg: str) -> InputError:
        return InputError(f"token {self.i}: {msg}", source=self.source)

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, kind: str | None = None) -> str:
        tok = self.peek()
        if tok is None:
            raise self.fail("the file ends early")
        if kind is not None and tok[0] != kind:
            raise self.fail(f"expected {kind}, found {tok[1]!r}")
        self.i += 1
        return tok[1]

    def number(self) -> float:
        word = self.take("word")
        try:
            return float(Fraction(word)) if "/" in word else float(word)
        except (ValueError, ZeroDivisionError):
            raise self.fail(f"{word!r} is not a number") from None

    def integer(self) -> int:
        word = self.take("word")
        if not word.lstrip("-").isdigit():
            raise self.fail(f"{word!r} is not a whole number")
        return int(word)

    def strings(self) -> list[str]:
        self.take("{")
        out = []
        while self.peek() is not None and self.peek()[0] == "str":  # type: ignore[index]
            out.append(self.take("str"))
        self.take("}")
        return out

    def numbers(self) -> list[float]:
        self.take("{")
        out = []
        while self.peek() is not None and self.peek()[0] == "word":  # type: ignore[index]
            out.append(self.number())
        self.take("}")
        return out


def read_efg(path: str | Path) -> Game:
    """Read a perfect-information game from a Gambit ``.efg`` file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", source=str(p)) from None
    return parse_efg(text, source=str(p))


def parse_efg(text: str, source: str = "<efg>") -> Game:
    """Parse the text of a Gambit ``.efg`` file (see :func:`read_efg`)."""
    r = _Reader(_tokens(text, source), source)
    if r.take("word") != "EFG" or r.take("word") != "2":
        raise r.fail("the file must start with 'EFG 2'")
    if r.take("word") != "R":
        raise r.fail("only rational/real ('R') payoffs are supported")
    title = r.take("str")
    players = tuple(r.strings())
    if not players:
        raise r.fail("the game has no players")
    tok = r.peek()
    if tok is not None and tok[0] == "str":
        r.take("str")  # the comment
    node_player: list[int] = []
    labels: list[str] = []
    actions: list[tuple[str, ...]] = []
    probs: list[tuple[float, ...]] = []
    node_outcome: list[int] = []
    outcome_ids: dict[int, int] = {}
    outcome_names: list[str] = []
    outcome_pay: list[list[float] | None] = []
    seen_infosets: set[tuple[int, int]] = set()

    def outcome(number: int, where: str) -> int:
        tok = r.peek()
        name = r.take("str") if tok is not None and tok[0] == "str" else None
        tok = r.peek()
        pay = r.numbers() if tok is not None and tok[0] == "{" else None
        if pay is not None and len(pay) != len(players):
            raise r.fail(f"{where}: outcome {number} has {len(pay)} payoffs for {len(players)} players")
        if number not in outcome_ids:
            outcome_ids[number] = len(outcome_names)
            outcome_names.append(name or f"outcome {number}")
            outcome_pay.append(pay)
        else:
            o = outcome_ids[number]
            if pay is not None:
                old = outcome_pay[o]
                if old is not None and not np.allclose(old, pay):
                    raise r.fail(f"{where}: outcome {number} is given two different payoffs")
                outcome_pay[o] = pay
        return outcome_ids[number]

    while r.peek() is not None:
        kind = r.take("word")
        label = r.take("str")
        where = f"node {len(node_player)} ({label or kind})"
        if kind == "t":
            number = r.integer()
            if number <= 0:
                raise r.fail(f"{where}: a terminal node needs an outcome")
            node_outcome.append(outcome(number, where))
            node_player.append(TERMINAL)
            actions.append(())
            probs.append(())
        elif kind in ("p", "c"):
            if kind == "p":
                player = r.integer()
                if not 1 <= player <= len(players):
                    raise r.fail(f"{where}: player {player} is not one of 1..{len(players)}")
            else:
                player = CHANCE
            infoset = r.integer()
            tok = r.peek()
            if tok is not None and tok[0] == "str":
                r.take("str")
            key = (player, infoset)
            new_infoset = key not in seen_infosets
            seen_infosets.add(key)
            tok = r.peek()
            if tok is not None and tok[0] == "{":
                if kind == "p":
                    acts = tuple(r.strings())
                    pr: tuple[float, ...] = ()
                else:
                    r.take("{")
                    a_list: list[str] = []
                    p_list: list[float] = []
                    while r.peek() is not None and r.peek()[0] == "str":  # type: ignore[index]
                        a_list.append(r.take("str"))
                        p_list.append(r.number())
                    r.take("}")
                    acts, pr = tuple(a_list), tuple(p_list)
                    if not np.isclose(sum(pr), 1.0, atol=1e-9) or min(pr) < 0:
                        raise r.fail(f"{where}: chance probabilities must be >= 0 and sum to 1")
            elif new_infoset:
                raise r.fail(f"{where}: a new information set must list its actions")
            else:
                acts, pr = (), ()
            if not new_infoset:
                raise r.fail(
                    f"{where}: information set {infoset} of player {player} holds several nodes; "
                    "only games with perfect information are supported"
                )
            number = r.integer()
            if number != 0:
                raise r.fail(f"{where}: payoffs at non-terminal nodes are not supported")
            node_player.append(player)
            node_outcome.append(-1)
            actions.append(acts)
            probs.append(pr)
        else:
            raise r.fail(f"unknown node type {kind!r} (expected p, c or t)")
        labels.append(label)

    if not node_player:
        raise InputError("the game has no nodes", source=source)
    # children follow from pre-order: each non-terminal node takes the next subtrees
    children: list[list[int]] = [[] for _ in node_player]
    stack: list[int] = []
    for k in range(len(node_player)):
        while stack and len(children[stack[-1]]) == len(actions[stack[-1]]):
            stack.pop()
        if stack:
            children[stack[-1]].append(k)
        elif k:
            raise InputError(f"node {k} lies outside the tree (too many nodes)", source=source)
        if node_player[k] != TERMINAL:
            stack.append(k)
    for k, kids in enumerate(children):
        if len(kids) != len(actions[k]):
            raise InputError(
                f"node {k} ({labels[k]}) is missing children: the file ends early", source=source
            )
    # outcomes in the order of their numbers in the file, as Gambit numbers them
    order = [outcome_ids[num] for num in sorted(outcome_ids)]
    rank = {old: new for new, old in enumerate(order)}
    node_outcome = [rank[o] if o >= 0 else -1 for o in node_outcome]
    outcome_names = [outcome_names[o] for o in order]
    outcome_pay = [outcome_pay[o] for o in order]
    pay = np.zeros((len(outcome_names), len(players)))
    for o, vals in enumerate(outcome_pay):
        if vals is None:
            raise InputError(f"outcome {outcome_names[o]!r} has no payoffs", source=source)
        pay[o] = vals
    return Game(
        title=title,
        players=players,
        node_player=np.asarray(node_player, dtype=int),
        node_labels=tuple(labels),
        children=tuple(tuple(c) for c in children),
        actions=tuple(actions),
        chance_probs=tuple(probs),
        node_outcome=np.asarray(node_outcome, dtype=int),
        outcomes=tuple(outcome_names),
        payoffs=pay,
    )


def _q(s: str) -> str:
    return '"' + s.replace('"', '\\"') + '"'


def _num(x: float) -> str:
    return repr(float(x)) if not float(x).is_integer() else str(int(x)) if abs(x) < 1e15 else repr(float(x))


def to_efg(game: Game) -> str:
    """The game as the text of a Gambit ``.efg`` file (each decision node its own information set)."""
    lines = [f"EFG 2 R {_q(game.title)} {{ {' '.join(_q(p) for p in game.players)} }}", _q(""), ""]
    infoset = {i: 0 for i in range(game.n_players + 1)}
    for k in range(game.n_nodes):
        pl = int(game.node_player[k])
        label = _q(game.node_labels[k])
        if pl == TERMINAL:
            o = int(game.node_outcome[k])
            pays = ", ".join(_num(v) for v in game.payoffs[o])
            lines.append(f"t {label} {o + 1} {_q(game.outcomes[o])} {{ {pays} }}")
        elif pl == CHANCE:
            infoset[0] += 1
            acts = " ".join(
                f"{_q(a)} {_num(p)}" for a, p in zip(game.actions[k], game.chance_probs[k], strict=True)
            )
            lines.append(f'c {label} {infoset[0]} "" {{ {acts} }} 0')
        else:
            infoset[pl] += 1
            acts = " ".join(_q(a) for a in game.actions[k])
            lines.append(f'p {label} {pl} {infoset[pl]} "" {{ {acts} }} 0')
    return "\n".join(lines) + "\n"


def write_efg(game: Game, path: str | Path, *, force: bool = False) -> None:
    """Write the game to a Gambit ``.efg`` file (see :func:`to_efg`); ``force`` overwrites a file."""
    from accord.outputs import write_output

    write_output(path, to_efg(game), force=force)
