"""Start-up stays light: `import accord`, `accord --help` and `accord validate` load no heavy library.

Each check runs in a fresh interpreter (this test process has long since imported everything).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GAZA = ROOT / "examples" / "gaza_ceasefire_2024.yaml"

# libraries that only some commands need: none of them may load at start-up
HEAVY = (
    "matplotlib",
    "lifelines",
    "sklearn",
    "dask",
    "distributed",
    "pandas",
    "scipy.optimize",
    "scipy.stats",
    "numba",
)

# what only a command that works on a scenario needs: `import accord` and `accord --help` load none
# of them, `accord validate` only pydantic (the scenario models)
BASE = ("numpy", "pydantic", "rich", "yaml")

# one fresh interpreter goes through the steps in order; after each it lists the heavy modules loaded
PROBE = """
import contextlib, io, json, sys
heavy = {heavy!r}
seen = {{}}
import accord
seen["import accord"] = sorted(m for m in heavy if m in sys.modules)
import accord.cli
seen["import accord.cli"] = sorted(m for m in heavy if m in sys.modules)
with contextlib.redirect_stdout(io.StringIO()):
    accord.cli.main(["--help"])
seen["accord --help"] = sorted(m for m in heavy if m in sys.modules)
with contextlib.redirect_stdout(io.StringIO()):
    rc = accord.cli.main(["validate", {gaza!r}])
assert rc == 0, rc
seen["accord validate"] = sorted(m for m in heavy if m in sys.modules)
{extra}
print(json.dumps(seen))
"""


def _probe(extra: str = "") -> dict[str, list[str]]:
    code = PROBE.format(heavy=HEAVY, gaza=str(GAZA), extra=extra)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_start_up_loads_no_heavy_library() -> None:
    seen = _probe()
    assert seen == {step: [] for step in seen}
    assert len(seen) == 4


def test_help_loads_neither_numpy_nor_the_scenario_models() -> None:
    code = PROBE.format(heavy=BASE, gaza=str(GAZA), extra="")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["import accord"] == seen["import accord.cli"] == seen["accord --help"] == []
    assert seen["accord validate"] == ["pydantic", "yaml"]


def test_the_help_s_copies_of_the_durability_names_are_the_package_s() -> None:
    from accord import durability as du
    from accord.cli import durability as cli_durability

    assert cli_durability.ENV_VAR == du.ENV_VAR
    assert cli_durability.PURPOSES == tuple(du.PURPOSES)
    assert cli_durability.MIN_CLASS_SIZE == du.MIN_CLASS_SIZE


def test_the_probe_sees_heavy_libraries_where_they_are_used() -> None:
    # the probe itself can fail: the report does load matplotlib
    seen = _probe(
        'import accord.report.figures\nseen["report"] = sorted(m for m in heavy if m in sys.modules)'
    )
    assert "matplotlib" in seen["report"]


def test_subpackages_are_attributes_after_a_bare_import() -> None:
    # as when `import accord` imported accord.scenario and accord.problem eagerly
    code = (
        f"import accord; s = accord.scenario.io.load({str(GAZA)!r}); "
        "print(accord.problem.to_problem(s).n_actors, accord.case.defaults.DEFAULT_DRAWS, "
        "hasattr(accord, 'no_such_module'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["9", "500", "False"]


def test_analyze_on_a_small_case_loads_no_numba() -> None:
    # the SMP's compiled challenge kernel is for large work only: its import costs ~0.7 s
    extra = (
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    rc = accord.cli.main(['analyze', {str(GAZA)!r}])\n"
        "assert rc == 0, rc\n"
        'seen["analyze"] = sorted(m for m in ("numba",) if m in sys.modules)'
    )
    assert _probe(extra)["analyze"] == []


def test_the_agreement_analysis_loads_scipy_optimize_only_for_linear_loss() -> None:
    # quadratic loss (the default) solves its programs with accord.bargaining.qcp; linear loss's
    # linear programs take HiGHS
    seen = _probe(
        "import accord.case.analysis\n"
        'seen["import accord.case.analysis"] = sorted(m for m in heavy if m in sys.modules)\n'
        "from accord.case.analysis import analyze_case\n"
        f"scenario = accord.load({str(GAZA)!r})\n"
        "analyze_case(scenario, draws=0)\n"
        'seen["analyze gaza"] = sorted(m for m in heavy if m in sys.modules)\n'
        'seen["scipy"] = sorted(m for m in ("scipy",) if m in sys.modules)\n'
        "analyze_case(scenario, draws=0, loss='linear')\n"
        'seen["analyze gaza, linear loss"] = sorted(m for m in heavy if m in sys.modules)'
    )
    assert seen["import accord.case.analysis"] == []
    assert seen["analyze gaza"] == seen["scipy"] == []
    assert "scipy.optimize" in seen["analyze gaza, linear loss"]
