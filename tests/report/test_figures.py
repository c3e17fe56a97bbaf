"""Every figure runs on every example and writes a non-empty file; SVG ids stay unique when inlined."""

from __future__ import annotations

import itertools
import re
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.conftest import DATA, EXAMPLES

from accord.bargaining.agreement import check_problem
from accord.bargaining.zone_grid import contestedness, margin_grid, most_contested
from accord.case import analyze_case
from accord.case.durability import durability_analysis
from accord.errors import InputError
from accord.forecast import run_forecasts
from accord.models.eum import pair_data
from accord.problem import to_problem
from accord.report import adapters as ad
from accord.report import figures as fg
from accord.scenario.io import load
from accord.scenario.model import Scenario
from accord.uncertainty.sensitivity import sensitivity
from accord.uncertainty.simulation import simulate

EXAMPLE_FILES = [
    "gaza_ceasefire_2024.yaml",
    "drc_m23_doha_2025.yaml",
    "us_tariffs_2025.yaml",
    "eu_emissions.yaml",
    "SOE-Policy.yaml",
]
CFD = DATA / "ceasefires" / "cfd_1989_2016.csv"


def agreement_ready(s: Scenario) -> Scenario:
    """The scenario, or (where it has no veto player with a reservation: eu_emissions, SOE-Policy) a
    test variant: the two most capable actors hold the veto and each issue's status quo is the scale's
    midpoint, so that the agreement figures have something to draw."""
    try:
        check_problem(to_problem(s), "quadratic")
        return s
    except InputError:
        pass
    top = {a.id for a in sorted(s.actors, key=lambda a: -a.capability)[:2]}
    actors = [a.model_copy(update={"veto": a.id in top}) for a in s.actors]
    issues = [
        i
        if i.status_quo is not None
        else i.model_copy(update={"status_quo": (i.scale.min + i.scale.max) / 2})
        for i in s.issues
    ]
    return s.model_copy(update={"actors": actors, "issues": issues})


@pytest.fixture(scope="module", params=EXAMPLE_FILES)
def plates(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Every plate of one example, from small runs of the analyses."""
    s = agreement_ready(load(EXAMPLES / request.param))
    p = to_problem(s)
    fc = run_forecasts(s, seed=0)
    case = analyze_case(s, seed=0, forecasts=fc, draws=0)
    # each figure function once per example (the trajectory of one model, the tornado of one issue)
    out = {pl.name: pl for pl in ad.forecast_plates(s, {m: fc[m] for m in ("mean", "eum", "smp")})}
    out["acceptance"] = ad.acceptance_plate(s, case)
    if p.n_issues >= 2:
        ix, iy = most_contested(p)
        out["zone"] = ad.zone_plate(s, case, margin_grid(p, ix, iy, case.zone.maximin_point, n=41))
    focal = max((a for a in s.actors if a.has_veto), key=lambda a: a.capability).id
    q = ad.quadrant_plate(s, pair_data(p, rounds=3), focal, most_contested(p, 1)[0])
    assert q is not None
    out["quadrant"] = q
    sim = simulate(s, 100, models=["compromise", "ensemble"], seed=0, noise=0.05)
    sens = sensitivity(s, 8, models=["compromise"], seed=0, noise=0.05)
    for pl in ad.simulation_plates(s, sim.to_json(), sens.to_json(), "compromise")[:2]:
        out[pl.name] = pl
    return {"scenario": s, "plates": out}


def test_every_figure_writes_a_file(plates: dict[str, Any], tmp_path: Path) -> None:
    s = plates["scenario"]
    names = set(plates["plates"])
    expected = {"forecasts", "acceptance", "quadrant", "distributions", "trajectory_eum", "trajectory_smp"}
    expected |= {f"tornado_{s.issue_ids[0]}"}
    if len(s.issues) >= 2:
        expected |= {"zone"}
    assert expected == names
    for k, (name, pl) in enumerate(plates["plates"].items()):
        suffix = fg.FORMATS[k % 3]  # every format on every example, each figure once
        path = fg.save(pl.figure, tmp_path / f"{name}{suffix}", dpi=60)
        assert path.stat().st_size > 1000, name


def text_overlaps(fig: Any) -> list[tuple[str, str]]:
    """Pairs of texts of ``fig`` whose boxes overlap on the canvas (matplotlib's renderer extents)."""
    boxes = fg.text_boxes(fig)
    return [
        (a.get_text()[:40], b.get_text()[:40])
        for (a, ba), (b, bb) in itertools.combinations(boxes, 2)
        if fg.overlapping(ba, bb, tol=1.0)
    ]


def test_no_two_texts_overlap_in_any_figure(plates: dict[str, Any]) -> None:
    """Every figure of every example: no title, label, tick, legend entry or annotation prints over
    another (the checks use the boxes matplotlib's renderer gives each text)."""
    for name, pl in plates["plates"].items():
        assert text_overlaps(pl.figure) == [], name


def test_survival_figure(tmp_path: Path) -> None:
    s = load(EXAMPLES / "gaza_ceasefire_2024.yaml")
    from tests.conftest import need

    du = durability_analysis(s, need(CFD), model=False)
    assert du is not None
    (pl,) = ad.durability_plates(du)
    assert fg.save(pl.figure, tmp_path / "survival.pdf").stat().st_size > 1000
    # the claim is drawn at its horizon, beside the location's own record
    assert du.claim is not None and du.claim.days == 28.0
    assert text_overlaps(pl.figure) == []
    labels = [t.get_text() for t in pl.figure.axes[0].get_legend().get_texts()]
    assert any("Israel's own record" in t for t in labels)


def test_survival_from_plain_curves(tmp_path: Path) -> None:
    curve = {"time": [0, 10, 40, 730], "survival": [1, 0.9, 0.7, 0.7], "lower": [1, 0.8, 0.5, 0.5],
             "upper": [1, 1, 0.85, 0.85]}  # fmt: skip
    claim = {"claim": "falls apart within weeks", "days": 28, "base_rate_holding": 0.9, "ci": [0.8, 1.0]}
    fig = fg.survival({"class": curve}, "t", marks={"8 weeks": 56}, claim=claim)
    assert fg.save(fig, tmp_path / "s.png").stat().st_size > 1000


def test_svg_ids_are_prefixed_and_references_follow() -> None:
    s = load(EXAMPLES / "drc_m23_doha_2025.yaml")
    fc = run_forecasts(s, seed=0, models=["mean", "compromise"])
    case = analyze_case(s, seed=0, forecasts=fc, draws=0)
    svg = fg.svg_text(ad.acceptance_plate(s, case).figure, prefix="f7-")
    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert ids and all(i.startswith("f7-") for i in ids)
    for ref in re.findall(r"url\(#([^)]+)\)", svg):
        assert ref in ids
    assert svg.startswith("<svg")


def test_quadrant_points_are_the_pair_data() -> None:
    """The chart's points are (E^i(U_ij), E^j(U_ji)) of the focal actor's row in pair_data."""
    s = load(EXAMPLES / "eu_emissions.yaml")
    p = to_problem(s)
    pairs = pair_data(p, rounds=2)
    focal = s.actors[0].id
    pl = ad.quadrant_plate(s, pairs, focal, p.issue_ids[0], round_=1)
    assert pl is not None
    ax = pl.figure.axes[0]
    pts = np.concatenate([c.get_offsets() for c in ax.collections])
    i = p.actor_ids.index(focal)
    want = np.stack([pairs.eu_challenger[1, i, :, 0], pairs.eu_target[1, i, :, 0]], axis=1)
    want = want[[j for j in range(len(p.actor_ids)) if j != i]]
    want = want[np.isfinite(want).all(axis=1)]
    assert sorted(map(tuple, np.round(pts, 9))) == sorted(map(tuple, np.round(want, 9)))
    fg.plt.close(pl.figure)


def test_margin_grid_matches_acceptance() -> None:
    """The grid's margins are the analysis' margins at the grid points; the maximin point is on it."""
    from accord.bargaining.utility import margins

    s = load(EXAMPLES / "gaza_ceasefire_2024.yaml")
    p = to_problem(s)
    case = analyze_case(s, seed=0, forecasts=run_forecasts(s, seed=0, models=["mean"]), draws=0)
    ix, iy = most_contested(p)
    g = margin_grid(p, ix, iy, case.zone.maximin_point, n=11)
    assert g.margins.shape == (2, 11, 11)
    at = np.array([g.at[i] for i in p.issue_ids])
    x = at.copy()
    x[p.issue_ids.index(ix)] = g.x[3]
    x[p.issue_ids.index(iy)] = g.y[7]
    m = margins(p, p.to_unit(x))
    veto = np.flatnonzero(p.veto)
    assert np.allclose(g.margins[:, 7, 3], m[veto])
    c = contestedness(p)
    assert c.shape == (3,) and (c >= 0).all()


def region(x: float, y: float) -> str:
    """The region of Scholz et al. (2011, fig. 6) that the quadrant chart labels."""
    if x > 0 and y > 0:
        return "conflict"
    if x < 0 and y < 0:
        return "stalemate"
    if x > 0 > y:
        return "compromise" if abs(x) > abs(y) else "capitulation"
    return "compromise" if abs(y) > abs(x) else "capitulation"


def test_quadrant_regions_agree_with_the_model() -> None:
    """On the EC emissions case every offer EUM records lies in the chart's region of that name."""
    s = load(EXAMPLES / "eu_emissions.yaml")
    p = to_problem(s)
    pairs = pair_data(p, rounds=1)
    names = pairs.offer_names()[1, :, :, 0]
    x, y = pairs.eu_challenger[1, :, :, 0], pairs.eu_target[1, :, :, 0]
    checked = 0
    for i in range(len(p.actor_ids)):
        for j in range(len(p.actor_ids)):
            if i == j or names[i, j] == "none":
                continue
            assert region(x[i, j], y[i, j]) == names[i, j], (p.actor_ids[i], p.actor_ids[j])
            checked += 1
    assert checked > 40
    # Scholz et al. figs. 7-10: Belgium sees Ireland and Greece at (0, 0)
    be = p.actor_ids.index("BE")
    for other in ("IE", "GR"):
        j = p.actor_ids.index(other)
        assert x[be, j] == 0 and y[be, j] == 0


def test_figures_for_case_gathers_the_case_figures() -> None:
    s = load(EXAMPLES / "drc_m23_doha_2025.yaml")
    p = to_problem(s)
    fc = run_forecasts(s, seed=0, models=["compromise", "eum"])
    case = analyze_case(s, seed=0, forecasts=fc, draws=0)
    ix, iy = most_contested(p)
    zone = margin_grid(p, ix, iy, case.zone.maximin_point, n=21)
    plates = ad.figures_for_case(s, case, fc, zone, pair_data(p, rounds=2), "drc", ix)
    assert [pl.name for pl in plates] == ["forecasts", "trajectory_eum", "quadrant", "acceptance", "zone"]
    for pl in plates:
        fg.plt.close(pl.figure)


def test_svg_file_reused_for_the_page_only_where_nothing_is_rasterised() -> None:
    """The SVG file (200 dpi) gives the page's markup exactly where :func:`fg.dpi_free` says so; the
    heat map (an image) is drawn at the page's own dpi. Both keep their titles and labels."""
    s = load(EXAMPLES / "gaza_ceasefire_2024.yaml")
    p = to_problem(s)
    case = analyze_case(s, seed=0, draws=0)
    focal = max((a for a in s.actors if a.has_veto), key=lambda a: a.capability).id
    quadrant = ad.quadrant_plate(s, pair_data(p, rounds=3), focal, most_contested(p, 1)[0])
    assert quadrant is not None
    for plate, free in ((quadrant, True), (ad.acceptance_plate(s, case), False)):
        fig = plate.figure
        assert fg.dpi_free(fig) is free, plate.name
        page = fg.svg_text(fig, close=False)
        from_file = fg.svg_markup(fg.figure_bytes(fig, ".svg"))
        assert (from_file == page) is free, plate.name
        # the titles and axis labels, line by line (the SVG keeps text as text)
        texts = [t for ax in fig.axes for t in (ax.title, ax._left_title, ax.xaxis.label, ax.yaxis.label)]
        lines = [line for t in texts if t.get_visible() for line in t.get_text().split("\n") if line]
        assert lines and all(escape(line, quote=False) in page for line in lines), plate.name
        fg.plt.close(fig)


def _svg_size(svg: str) -> tuple[float, float]:
    m = re.search(r'<svg[^>]* width="([0-9.]+)pt" height="([0-9.]+)pt"', svg)
    assert m, svg[:300]
    return float(m.group(1)), float(m.group(2))


def test_crop_box_is_savefigs_tight_box(plates: dict[str, Any]) -> None:
    """The crop measured on the canvas that laid the figure out (unhinted text) gives the page the
    size savefig's own tight box (an extra drawing pass with the SVG renderer) gives it, within a
    point, on every figure of every example."""
    import io

    for name, pl in plates["plates"].items():
        fig = pl.figure
        buf = io.StringIO()
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
        want = _svg_size(buf.getvalue())
        got = _svg_size(fg.svg_text(fig, close=False))
        assert abs(got[0] - want[0]) < 1.0 and abs(got[1] - want[1]) < 1.0, (name, got, want)


def test_tight_layout_measured_once_is_matplotlibs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The figures laid out with a ``rect`` (forecasts, trajectories, distributions, zone) give the
    same SVG with :func:`fg.tight_layout` (each Axes measured once) as with matplotlib's own."""
    s = load(EXAMPLES / "gaza_ceasefire_2024.yaml")
    p = to_problem(s)
    fc = run_forecasts(s, seed=0, models=["mean", "compromise", "smp"])
    case = analyze_case(s, seed=0, forecasts=fc, draws=0)
    ix, iy = most_contested(p)
    sim = simulate(s, 50, models=["compromise"], seed=0, noise=0.05)
    makers = [
        lambda: ad.forecasts_plate(s, fc),
        lambda: ad.trajectory_plate(s, "smp", fc["smp"]),
        lambda: ad.distributions_plate(s, sim.to_json()),
        lambda: ad.zone_plate(s, case, margin_grid(p, ix, iy, case.zone.maximin_point, n=21)),
    ]
    measured = 0
    real = fg.tight_layout

    def counted(fig: Any, **kwargs: Any) -> None:
        nonlocal measured
        measured += kwargs.get("rect") is not None
        real(fig, **kwargs)

    for make in makers:
        monkeypatch.setattr(fg, "tight_layout", counted)
        once = fg.svg_text(make().figure)
        monkeypatch.setattr(fg, "tight_layout", lambda fig, **kw: fig.tight_layout(**kw))
        assert fg.svg_text(make().figure) == once
    assert measured == len(makers)


def test_tight_layout_in_threads_leaves_matplotlib_as_it_was() -> None:
    """Figures laid out in several threads at once (the server draws in threads) each get the
    layout they get alone, and matplotlib's measuring function is its own again afterwards."""
    import threading

    import matplotlib.artist as martist

    s = load(EXAMPLES / "gaza_ceasefire_2024.yaml")
    fc = run_forecasts(s, seed=0, models=["mean", "compromise", "smp"])
    alone = fg.svg_text(ad.forecasts_plate(s, fc).figure)
    original = martist._get_tightbbox_for_layout_only
    out: list[str] = []
    failed: list[BaseException] = []

    def draw() -> None:
        try:
            for _ in range(3):
                out.append(fg.svg_text(ad.forecasts_plate(s, fc).figure))
        except BaseException as e:  # pragma: no cover - reported below
            failed.append(e)

    threads = [threading.Thread(target=draw) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not failed
    assert martist._get_tightbbox_for_layout_only is original
    assert len(out) == 9 and all(svg == alone for svg in out)


def test_declutter_overlap_test_at_once_is_box_by_box() -> None:
    """The vectorised overlap test of :func:`fg.declutter` answers as :func:`fg.overlapping` box by
    box, boxes touching at the tolerance included."""
    from matplotlib.transforms import Bbox

    rng = np.random.default_rng(3)
    for _ in range(300):
        rows = np.round(rng.uniform(0, 40, (rng.integers(0, 12), 2)), 1)
        placed = np.concatenate([rows, rows + np.round(rng.uniform(0, 10, rows.shape), 1)], axis=1)
        x0, y0 = np.round(rng.uniform(0, 40, 2), 1)
        box = Bbox.from_bounds(x0, y0, *np.round(rng.uniform(0, 10, 2), 1))
        want = any(fg.overlapping(box, Bbox([r[:2], r[2:]])) for r in placed)
        assert fg._overlaps_any(box, placed.reshape(-1, 4)) is want
