"""``accord report``: the HTML is valid, self-contained, escaped, and tells every section of the story."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from tests.conftest import DATA, EXAMPLES
from tests.strategies import full_scenarios

from accord.cli import main
from accord.errors import InputError
from accord.report.html import SECTIONS, collect, render
from accord.scenario.io import load
from accord.scenario.model import Scenario

GAZA = EXAMPLES / "gaza_ceasefire_2024.yaml"
CFD = DATA / "ceasefires" / "cfd_1989_2016.csv"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class StrictChecker(HTMLParser):
    """Every non-void element is closed, in order; ids are unique; no external resources."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []
        self.tags: dict[str, int] = {}
        self.doctype = False

    def handle_decl(self, decl: str) -> None:
        self.doctype = self.doctype or decl.lower() == "doctype html"

    def _attrs(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for k, v in attrs:
            if k == "id" and v is not None:
                self.ids.append(v)
            if k in ("src", "href", "xlink:href") and v and not v.startswith(("#", "data:")):
                self.errors.append(f"<{tag} {k}={v!r}>: a resource outside the page")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._attrs(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._attrs(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(
                f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}> at {self.getpos()}"
            )
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()


def check_html(text: str) -> StrictChecker:
    c = StrictChecker()
    c.feed(text)
    c.close()
    assert c.doctype, "no <!DOCTYPE html>"
    assert not c.errors, c.errors[:5]
    assert not c.stack, f"unclosed: {c.stack}"
    dup = {i for i in c.ids if c.ids.count(i) > 1}
    assert not dup, f"duplicate ids: {sorted(dup)[:5]}"
    return c


@pytest.fixture(scope="module")
def gaza(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    s = load(GAZA)
    d = collect(
        s,
        draws=100,
        models=["compromise", "ensemble"],
        sensitivity_draws=8,
        sensitivity_model="compromise",
        ceasefire_data=CFD if CFD.exists() else None,
    )
    html, written = render(d)
    assert written == []
    return {"data": d, "html": html}


def test_gaza_report_is_valid_html_with_every_section(gaza: dict[str, Any]) -> None:
    c = check_html(gaza["html"])
    for sid, heading in SECTIONS:
        assert f'<section id="{sid}">' in gaza["html"], sid
        assert heading.split(". ", 1)[1] in gaza["html"]
    order = [gaza["html"].index(f'<section id="{sid}">') for sid, _ in SECTIONS]
    assert order == sorted(order)
    figs = {i for i in c.ids if i.startswith("fig-")}
    want = {"fig-forecasts", "fig-trajectory_eum", "fig-trajectory_smp", "fig-trajectory_exchange",
            "fig-acceptance", "fig-zone", "fig-quadrant", "fig-distributions", "fig-tornado_presence",
            "fig-tornado_hostages", "fig-tornado_end_of_war"}  # fmt: skip
    if CFD.exists():
        want.add("fig-survival")
    assert want <= figs
    assert c.tags.get("svg", 0) == len(figs)
    assert c.tags.get("script", 0) == 0 and c.tags.get("link", 0) == 0
    # the numbers are the analysis objects' numbers
    d, html = gaza["data"], gaza["html"]
    for sentence in d.case.answer:
        assert sentence.replace("'", "&#x27;") in html
    # page one is the summary: the verdict before any section of evidence
    verdict = d.case.summary.verdict.replace("'", "&#x27;")
    assert html.index(verdict) < html.index('<section id="scenario">')
    assert '<section id="answer">' in html
    for name, f in d.forecasts.items():
        if f.skipped is None:
            assert f">{f.outcome['presence']:.1f}<" in html, name
    for a in d.scenario.actors:
        assert a.label in html.replace("&#x27;", "'")
    if CFD.exists():
        du = d.durability
        assert f"{100 * du.claim.base_rate_holding:.0f}%" in html
        # base rate, pessimistic bound, Cox model and the location's own record side by side
        for head in ("base rate", "pessimistic bound", "Cox model", "Israel&#x27;s own record"):
            assert f"<th>{head}</th>" in html, head
        assert '<table class="reference">' in html and du.reference[0].location in html
    else:
        assert "No cease-fire data is configured" in html


def test_scenario_text_is_escaped_and_no_veto_still_reports() -> None:
    """Scenario text is escaped everywhere; a scenario without veto players (EC emissions) still
    gets every section, with the reason there is no agreement analysis."""
    s = load(EXAMPLES / "eu_emissions.yaml")
    evil = "<script>alert('x')</script> & <b>"
    actors = [s.actors[0].model_copy(update={"name": evil}), *s.actors[1:]]
    s = s.model_copy(update={"name": evil, "description": evil, "actors": actors})
    html, _ = render(collect(s, draws=0))
    check_html(html)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;" in html
    assert html.count("No agreement analysis: no actor has a veto") == 2
    for sid, _ in SECTIONS:
        assert f'<section id="{sid}">' in html
    assert 'id="fig-forecasts"' in html and 'id="fig-quadrant"' in html


def test_cli_writes_the_report_and_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, figs = tmp_path / "ec.html", tmp_path / "figs"
    args = ["-o", str(out), "--figures", str(figs), "--draws", "100", "--model", "compromise"]
    args += ["--sensitivity-draws", "4", "--sensitivity-model", "compromise"]
    rc = main(["report", str(EXAMPLES / "eu_emissions.yaml"), *args])
    assert rc == 0, capsys.readouterr().err
    html = out.read_text(encoding="utf-8")
    c = check_html(html)
    assert 'id="fig-distributions"' in html and 'id="fig-tornado_' in html
    stems = {i[len("fig-") :] for i in c.ids if i.startswith("fig-")}
    assert stems and {p.stem for p in figs.iterdir()} == stems
    for stem in stems:
        for suffix in (".png", ".svg", ".pdf"):
            assert (figs / f"{stem}{suffix}").stat().st_size > 1000, stem
    assert (figs / "forecasts.pdf").read_bytes().startswith(b"%PDF")
    assert (figs / "forecasts.png").read_bytes().startswith(b"\x89PNG")
    assert f"{3 * len(stems)} figure files" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--focal", "nobody"], "--focal 'nobody': unknown actor"),
        (["--loss", "cubic"], "--loss 'cubic'"),
        (["--draws", "-1"], "--draws -1"),
        (["--model", "nosuch"], "unknown model"),
    ],
)
def test_cli_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    rc = main(["report", str(GAZA), "-o", str(tmp_path / "r.html"), "--draws", "0", *args])
    err = capsys.readouterr().err
    assert rc == 2 and message in err, err
    assert not (tmp_path / "r.html").exists()


PROBE = """<script>
window.__errors = [];
window.addEventListener("error", function (ev) {
  window.__errors.push(String(ev.message || (ev.target && (ev.target.src || ev.target.href)) || "error"));
}, true);
window.addEventListener("load", function () {
  var sizes = Array.prototype.map.call(document.querySelectorAll("figure svg"), function (s) {
    var r = s.getBoundingClientRect(); return [s.parentNode.parentNode.id, r.width, r.height];
  });
  var pre = document.createElement("pre"); pre.id = "probe";
  pre.textContent = JSON.stringify({errors: window.__errors, sizes: sizes});
  document.body.appendChild(pre);
});
</script>"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
        if path:
            return path
    pytest.skip("chromium is not installed (make test installs Debian's chromium package)")


def test_report_renders_in_headless_chromium(gaza: dict[str, Any], tmp_path: Path) -> None:
    exe = chromium()
    page = tmp_path / "probe.html"
    page.write_text(gaza["html"].replace("<head>", "<head>\n" + PROBE, 1), encoding="utf-8")
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-logging=stderr",
           f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1000,800",
           "--virtual-time-budget=5000", "--dump-dom", page.as_uri()]  # fmt: skip
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    m = re.search(r'<pre id="probe">(.*?)</pre>', res.stdout, re.S)
    assert m, f"no probe in the DOM (rc {res.returncode}): {res.stderr[-2000:]}"
    probe = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert probe["errors"] == []
    assert "Uncaught" not in res.stderr
    figs = [fid for fid, _, _ in probe["sizes"]]
    assert "fig-forecasts" in figs and "fig-zone" in figs and len(figs) >= 11
    for fid, w, h in probe["sizes"]:
        assert w > 100 and h > 50, (fid, w, h)


@pytest.mark.filterwarnings("ignore:Glyph")  # random names in scripts DejaVu Sans lacks
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(full_scenarios())
def test_any_valid_scenario_gives_a_valid_report(s: Scenario) -> None:
    """Random valid scenarios (missing positions, no status quo, no veto player, odd scales and
    names) give a valid report with every section, or fail only with an InputError."""
    import matplotlib.pyplot as plt

    try:
        d = collect(s, draws=20, models=["compromise"], sensitivity_draws=0)
    except InputError:
        return
    html, _ = render(d)
    plt.close("all")
    check_html(html)
    for sid, _ in SECTIONS:
        assert f'<section id="{sid}">' in html


VERDICT_PROBE = """<script>
window.addEventListener("load", function () {
  var v = document.querySelector(".summary .verdict"), r = v.getBoundingClientRect();
  var pre = document.createElement("pre"); pre.id = "verdict-probe";
  pre.textContent = JSON.stringify({text: v.textContent, top: r.top, bottom: r.bottom,
                                     height: window.innerHeight});
  document.body.appendChild(pre);
});
</script>"""


def _chromium_cmd(exe: str, tmp_path: Path) -> list[str]:
    return [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1000,800"]  # fmt: skip


def test_first_screen_of_the_report_shows_the_verdict(gaza: dict[str, Any], tmp_path: Path) -> None:
    """A headless-Chromium screenshot of the report's first screen (1000x800) holds the verdict: its
    box is drawn in the verdict's colour, and the verdict's text lies inside the screen."""
    import matplotlib.image as mpimg
    import numpy as np

    exe = chromium()
    case = gaza["data"].case
    page, shot = tmp_path / "report.html", tmp_path / "first-screen.png"
    page.write_text(gaza["html"], encoding="utf-8")
    res = subprocess.run([*_chromium_cmd(exe, tmp_path), f"--screenshot={shot}", page.as_uri()],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert shot.exists(), res.stderr[-2000:]
    img = mpimg.imread(shot)[..., :3]
    assert img.shape[:2] == (800, 1000)
    vermillion = np.array([0xD5, 0x5E, 0x00]) / 255  # the border of a "No" verdict
    assert case.summary.deal_possible is False
    assert (np.abs(img - vermillion) < 0.04).all(axis=-1).sum() > 500
    probed = tmp_path / "probe.html"
    probed.write_text(gaza["html"].replace("<head>", "<head>\n" + VERDICT_PROBE, 1), encoding="utf-8")
    res = subprocess.run([*_chromium_cmd(exe, tmp_path), "--virtual-time-budget=5000", "--dump-dom",
                          probed.as_uri()], capture_output=True, text=True, timeout=120)  # fmt: skip
    m = re.search(r'<pre id="verdict-probe">(.*?)</pre>', res.stdout, re.S)
    assert m, res.stderr[-2000:]
    probe = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert " ".join(probe["text"].split()) == "Verdict: " + case.summary.verdict
    assert 0 <= probe["top"] and probe["bottom"] <= probe["height"]


def test_pdf_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    chromium()
    html, pdf = tmp_path / "r.html", tmp_path / "brief.pdf"
    args = ["report", str(GAZA), "-o", str(html), "--pdf", str(pdf), "--draws", "0"]
    assert main(args) == 0, capsys.readouterr().err
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
    assert f"wrote {pdf}" in capsys.readouterr().out
    # without Chromium: one clear error before anything runs, nothing written
    monkeypatch.setenv("ACCORD_CHROMIUM", str(tmp_path / "no-such-chromium"))
    other = tmp_path / "other.pdf"
    rc = main(["report", str(GAZA), "-o", str(tmp_path / "r2.html"), "--pdf", str(other), "--draws", "0"])
    err = capsys.readouterr().err
    assert rc == 2 and "--pdf needs headless Chromium" in err and "make chromium" in err
    assert not other.exists() and not (tmp_path / "r2.html").exists()


def test_figures_drawn_on_processes_and_beside_the_draws_give_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import accord.report.html as report_html

    pools: list[Any] = []
    run_works = report_html.run_works

    def recorded(works: Any, **kw: Any) -> Any:
        pools.append(kw.get("started"))
        return run_works(works, **kw)

    monkeypatch.setattr(report_html, "run_works", recorded)
    s = load(GAZA)
    kw: dict[str, Any] = {"draws": 60, "models": ["compromise", "eum"], "sensitivity_draws": 4}
    one, two = tmp_path / "one", tmp_path / "two"
    ref_html, ref_written = render(collect(s, jobs=1, **kw), one, jobs=1)
    assert pools == [None]
    d = collect(s, jobs=2, figures_dir=two, **kw)
    assert len(pools) == 2 and pools[1] is not None  # the processes started before the forecasts
    assert ("forecasts_plate",) in d.drawn  # drawn while the draws ran
    html, written = render(d, two, jobs=2)
    assert html == ref_html
    assert [p.name for p in written] == [p.name for p in ref_written] and len(written) >= 30
    for a, b in zip(ref_written, written, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
