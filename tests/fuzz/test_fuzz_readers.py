"""The fuzz suite (issue 14): mutants of every input format, and random bytes and text for every
reader, read with a bounded budget; nothing may crash or hang. ``benchmarks/fuzz.py`` runs the
same campaign longer. Every failure found becomes a regression test (tests/scenario/test_hardening.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import fuzzing
from accord.scenario import Scenario, io
from conftest import SHARED
from strategies import full_scenarios

# a fixed budget: derandomized (the same cases every run) and no shrinking (a failure prints its input)
_fast = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
)


# characters and tokens that matter to some reader's syntax
PIECES = [*"ab01 .,-:;\t\n[]{}#&*!?'\"<>/=eE", "nan", "true", "Россия", "\x00", "#A", "#D", "actor", "id"]
PIECES += ["x.position", "x.salience", "capability", "position", "salience", "<Scenario>", "&e;"]


@pytest.fixture(scope="module")
def corpus() -> list[fuzzing.Seed]:
    return fuzzing.seeds(SHARED if SHARED.is_dir() else None)


def test_corpus_covers_every_reader(corpus: list[fuzzing.Seed]) -> None:
    if not (SHARED / "data").is_dir():
        pytest.skip("shared data not present")
    formats = set()
    for s in corpus:
        formats.add(io.detect_format(Path(s.name), s.data))
    assert {"yaml", "json", "flat", "xlsx", "decide", "bdm", "ktab", "ktab-xml"} <= formats, formats


def test_mutants_read_or_fail_cleanly(tmp_path: Path, corpus: list[fuzzing.Seed]) -> None:
    n, failures = fuzzing.run_campaign(tmp_path, corpus, n=240, seed=14, commands=False, budget_s=25)
    assert n >= 60, n
    assert not failures, "\n\n".join(map(str, failures[:5]))


def test_commands_on_mutants(tmp_path: Path, corpus: list[fuzzing.Seed]) -> None:
    n, failures = fuzzing.run_campaign(tmp_path, corpus, n=24, seed=41, commands=True, budget_s=15)
    assert n >= 8
    assert not failures, "\n\n".join(map(str, failures[:5]))


@_fast
@given(data=st.binary(max_size=400), fmt=st.sampled_from(sorted(io.READERS)))
def test_random_bytes_for_every_reader(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, fmt: str
) -> None:
    path = tmp_path_factory.mktemp("b") / "case.bin"
    path.write_bytes(data)
    assert fuzzing.check_read(path, fmt, bound=5) is None


@_fast
@given(
    text=st.lists(st.sampled_from(PIECES), max_size=120).map("".join),
    fmt=st.sampled_from(sorted(io.READERS)),
)
def test_random_text_for_every_reader(
    tmp_path_factory: pytest.TempPathFactory, text: str, fmt: str
) -> None:
    path = tmp_path_factory.mktemp("t") / "case.txt"
    path.write_text(text, encoding="utf-8")
    assert fuzzing.check_read(path, fmt, bound=5) is None


@settings(_fast, max_examples=15)
@given(s=full_scenarios(), suffix=st.sampled_from([".yaml", ".json"]), seed=st.integers(0, 2**16))
def test_mutated_valid_scenarios(
    tmp_path_factory: pytest.TempPathFactory, s: Scenario, suffix: str, seed: int
) -> None:
    """Hypothesis draws a valid scenario; the mutation engine breaks its file; reading stays clean."""
    import random

    from accord.scenario.formats import native

    data = native.dumps(s, suffix[1:]).encode()
    folder = tmp_path_factory.mktemp("m")
    rng = random.Random(seed)
    for k in range(4):
        path = folder / f"c{k}{suffix}"
        path.write_bytes(fuzzing.mutate(data, rng))
        assert fuzzing.check_read(path, bound=5) is None
