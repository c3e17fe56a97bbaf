"""The browser pages in a real browser: Debian's headless Chromium driven by Selenium against the real
app (uvicorn on a free loopback port, a temporary SQLite database).

Covers: sign in, a case created by uploading the Gaza example, one party's reservation changed in
the grid (live validation and the what-if verdict), save, run, the verdict changing, the timeline
and the diff; a viewer sees no edit controls and a forged edit gets 403; a user of another
workspace cannot see the case; names holding HTML and script render as text. Every page is
checked with axe-core (serious and critical violations fail) and saved as a screenshot at 1280 px
and 390 px under out/screenshots/.

Needs /usr/bin/chromium and /usr/bin/chromedriver (``make test`` installs Debian's packages) and
npm for axe-core (installed under out/node on first use; a missing npm fails the test).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import EXAMPLES, ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
OUT = ROOT / "out"
SHOTS = OUT / "screenshots"
AXE = OUT / "node" / "node_modules" / "axe-core" / "axe.min.js"
GAZA = EXAMPLES / "gaza_ceasefire_2024.yaml"
PASSWORD = "correct horse battery staple"
EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


def axe_source() -> str:
    """axe-core's script, installed from npm under out/node when missing."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail(
                "npm is not installed: the accessibility check needs axe-core from npm (apt-get install npm)"
            )
        (OUT / "node").mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(OUT / "node"),
                "--no-audit",
                "--no-fund",
                "--silent",
                "axe-core@4",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0 or not AXE.exists():
            pytest.fail(f"npm could not install axe-core: {done.stderr.strip()[-500:]}")
    return AXE.read_text(encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SERVE = """
import sys, uvicorn
from accord.server.app import create_app
uvicorn.run(create_app(db_url=sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The real app on a loopback port, with users: alice (owner), vera (viewer), mallory (another team)."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("chromium and chromium-driver are not installed (make test installs Debian's packages)")
    from accord.scenario import load
    from accord.server import store
    from accord.server.db import Store

    tmp = tmp_path_factory.mktemp("site")
    url = f"sqlite:///{tmp / 'accord.db'}"
    db_store = Store(url)
    db_store.migrate()
    port = free_port()
    env = {**os.environ, "ACCORD_DATA_DIR": str(tmp)}
    # the server boots (seconds) while the users are made (argon2 hashing takes seconds too)
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, url, str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    with db_store.session() as db:
        alice = store.create_user(db, "alice", PASSWORD, display_name="Alice Analyst")
        vera = store.create_user(db, "vera", PASSWORD)
        mallory = store.create_user(db, "mallory", PASSWORD)
        desk = store.create_workspace(db, "Gaza desk", alice)
        store.set_member(db, desk.id, vera, "viewer")
        store.create_workspace(db, "Other desk", mallory)
        seeded = store.create_case(db, desk.id, "Gaza (seeded)", load(GAZA), alice, message="seeded")
        ids = {"desk": desk.id, "seeded": seeded.id}
    db_store.close()
    base = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/login", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            out = proc.stdout.read().decode() if proc.stdout else ""
            proc.kill()
            pytest.fail(f"the server did not start: {out[-2000:]}")
        time.sleep(0.2)
    try:
        yield {"base": base, "tmp": tmp, **ids}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser(site: dict[str, Any]) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,900",
    ):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    driver.set_script_timeout(60)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


# --- helpers -------------------------------------------------------------------------------------


def wait(driver: Any, condition: Any, timeout: float = 30.0, what: str = "") -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition, message=what)


def css(driver: Any, selector: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


def all_css(driver: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(driver.find_elements(By.CSS_SELECTOR, selector))


def sign_in(driver: Any, base: str, username: str) -> None:
    driver.delete_all_cookies()
    driver.get(base + "/login")
    css(driver, "#username").send_keys(username)
    css(driver, "#password").send_keys(PASSWORD)
    css(driver, "form button[type=submit]").click()
    wait(driver, lambda d: "/workspaces" in d.current_url, what=f"{username} signed in")


def check_page(driver: Any, name: str) -> None:
    """axe-core on the page (serious and critical violations fail), then screenshots at 1280 and 390 px."""
    t0 = time.perf_counter()
    driver.execute_script(axe_source())
    violations = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));"
    )
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: accessibility violations {bad}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
        )
        height = min(int(driver.execute_script("return document.documentElement.scrollHeight")), 8000)
        # nothing may stick out sideways: the page itself never scrolls horizontally
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 1:
            wide = driver.execute_script(
                "const clipped = e => { for (let p = e.parentElement; p; p = p.parentElement) {"
                " if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true; }"
                " return false; };"
                "return Array.from(document.querySelectorAll('body *')).filter(e => !clipped(e) && "
                "e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
                ".slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)"
            )
            pytest.fail(f"{name} at {width} px is {overflow} px wider than the screen: {wide}")
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            },
        )
        (SHOTS / f"{name}-{width}.png").write_bytes(base64.b64decode(shot["data"]))
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    if os.environ.get("ACCORD_WEB_TIMES"):
        print(f"check_page {name}: {time.perf_counter() - t0:.1f} s")


def wait_for_run(driver: Any) -> None:
    t0 = time.perf_counter()
    wait(driver, lambda d: "/runs/" in d.current_url, what="the run page")
    wait(
        driver,
        lambda d: not all_css(d, "[data-status-url]"),
        timeout=180,
        what="the analysis to finish (progress bar gone)",
    )
    assert not all_css(driver, ".flash.error"), css(driver, ".flash.error").text
    if os.environ.get("ACCORD_WEB_TIMES"):
        print(f"run: {time.perf_counter() - t0:.1f} s")


def verdict(driver: Any) -> str:
    return str(css(driver, "#run-verdict .verdict").text)


# --- tests ---------------------------------------------------------------------------------------


def test_build_run_and_follow_a_case(site: dict[str, Any], browser: Any) -> None:
    from selenium.webdriver.common.by import By

    base, d = site["base"], browser
    d.get(base + "/login")
    check_page(d, "login")
    sign_in(d, base, "alice")
    check_page(d, "workspaces")
    d.find_element(By.LINK_TEXT, "Gaza desk").click()
    wait(d, lambda d: "/w/" in d.current_url)

    # create a case by uploading the Gaza example
    css(d, "#file").send_keys(str(GAZA))
    css(d, "#message").clear()
    css(d, "#message").send_keys("August 2024 estimates")
    css(d, "form[action$='/cases'] button[type=submit]").click()
    wait(d, lambda d: re.search(r"/cases/\d+$", d.current_url), what="the new case's page")
    case_url = d.current_url
    assert "Gaza cease-fire and hostage release" in css(d, "h1").text

    # run version 1: no deal as encoded
    Select(css(d, "#run-draws")).select_by_value("100")
    css(d, "#run").click()
    wait_for_run(d)
    assert verdict(d) == "no deal"
    check_page(d, "results")
    assert "Download JSON" in d.page_source

    # the grid: a typo is flagged at its field as you type, then Hamas's end-of-war reservation moves
    d.get(case_url + "/edit")
    cell = css(d, "input[name='a1.r2']")
    assert cell.get_attribute("value") == "35"
    cell.clear()
    cell.send_keys("170")
    wait(d, lambda d: "outside the scale 0..100" in css(d, "#err-a1-r2").text, what="the inline error")
    assert cell.get_attribute("aria-invalid") == "true"
    cell.clear()
    cell.send_keys("70")
    wait(d, lambda d: css(d, "#err-a1-r2").text == "", what="the error to clear")
    wait(d, lambda d: css(d, "#preview-verdict").text == "deal possible", what="the what-if verdict")
    # the server-side time is shown; its target (300 ms) is measured by benchmarks/web_whatif.py
    assert re.search(r"Computed in [\d.]+ ms", css(d, "#preview-timing").text)
    check_page(d, "editor")
    d.execute_script(
        "const f = document.getElementById('f-as_of'); f.value = '2024-08-27';"
        "f.dispatchEvent(new Event('input', {bubbles: true}));"
    )
    css(d, "#f-message").send_keys("Hamas accepts mediators' guarantees on ending the war")
    css(d, "#save").click()
    wait(d, lambda d: "Saved version 2" in d.page_source, what="the save")

    # run version 2: the verdict changes
    Select(css(d, "#run-draws")).select_by_value("100")
    css(d, "#run").click()
    wait_for_run(d)
    assert verdict(d) == "deal possible"
    run_url = d.current_url

    # downloads of the run
    import httpx

    cookies = {c["name"]: c["value"] for c in d.get_cookies()}
    got = httpx.get(run_url + "/analysis.json", cookies=cookies)
    assert got.status_code == 200 and got.json()["zone"]["exists"] is True
    got = httpx.get(run_url + "/acceptance.csv", cookies=cookies)
    assert got.status_code == 200 and got.text.startswith("point,kind,actor")

    # the timeline and the diff
    d.get(case_url + "/timeline")
    assert len(all_css(d, "svg.chart")) >= 3
    rows = all_css(d, "table tbody tr")
    assert [r.find_element(By.CSS_SELECTOR, ".verdict").text for r in rows] == ["no deal", "deal possible"]
    assert "2024-08-27" in rows[1].text
    check_page(d, "timeline")
    d.find_element(By.PARTIAL_LINK_TEXT, "What changed").click()
    wait(d, lambda d: "/diff" in d.current_url)
    text = css(d, "table.diff").text
    assert "end_of_war" in text and "35" in text and "70" in text
    check_page(d, "diff")
    d.get(case_url)
    check_page(d, "case")
    d.get(base + f"/w/{site['desk']}")
    rows = all_css(d, "table tbody tr")
    assert any("deal possible" in r.text for r in rows)
    check_page(d, "cases")
    d.get(case_url + "/yaml")
    check_page(d, "yaml")


def Select(element: Any) -> Any:  # noqa: N802 - selenium's class, imported lazily
    from selenium.webdriver.support.ui import Select as _Select

    return _Select(element)


def test_viewer_sees_no_edit_controls_and_a_forged_edit_gets_403(site: dict[str, Any], browser: Any) -> None:
    import httpx

    base, d = site["base"], browser
    case = f"{base}/cases/{site['seeded']}"
    sign_in(d, base, "vera")
    d.get(case)
    assert "Gaza (seeded)" in css(d, "h1").text
    assert not all_css(d, "#run") and "Edit in the grid" not in d.page_source
    assert not all_css(d, "form[action$='/cases']")
    d.get(case + "/edit")
    assert "Not allowed" in css(d, "h1").text
    # forge the save with the viewer's own session and CSRF token
    cookies = {c["name"]: c["value"] for c in d.get_cookies()}
    d.get(case)
    token = css(d, "input[name=csrf_token]").get_attribute("value")
    form = {"csrf_token": token, "expected_version": "1", "a1.r2": "70", "message": "forged"}
    got = httpx.post(case + "/edit", data=form, cookies=cookies)
    assert got.status_code == 403
    got = httpx.post(case + "/run", data={"csrf_token": token, "draws": "100"}, cookies=cookies)
    assert got.status_code == 403
    got = httpx.post(case + "/preview", data=form, cookies=cookies)
    assert got.status_code == 403
    d.get(case)
    assert "Version 1" in d.page_source and "forged" not in d.page_source


def test_another_workspace_cannot_see_the_case(site: dict[str, Any], browser: Any) -> None:
    base, d = site["base"], browser
    sign_in(d, base, "mallory")
    assert "Gaza desk" not in d.page_source
    for path in (f"/cases/{site['seeded']}", f"/cases/{site['seeded']}/timeline", f"/w/{site['desk']}"):
        d.get(base + path)
        assert css(d, "h1").text == "Not found", path
        assert "Gaza" not in d.page_source
    check_page(d, "not-found")


def test_html_and_script_in_names_render_as_text(site: dict[str, Any], browser: Any) -> None:
    data = yaml.safe_load(GAZA.read_text(encoding="utf-8"))
    data["name"] = "Case " + EVIL
    data["description"] = "About " + EVIL
    data["actors"][0]["name"] = "Israel " + EVIL
    data["issues"][0]["name"] = "Presence " + EVIL
    data["issues"][0]["scale"]["min_label"] = "withdrawal " + EVIL
    data["proposals"][0]["name"] = "Bridging " + EVIL
    path = site["tmp"] / "evil.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    base, d = site["base"], browser
    sign_in(d, base, "alice")
    d.get(f"{base}/w/{site['desk']}")
    css(d, "#file").send_keys(str(path))
    css(d, "form[action$='/cases'] button[type=submit]").click()
    wait(d, lambda d: re.search(r"/cases/\d+$", d.current_url), what="the new case's page")
    case_url = d.current_url
    Select(css(d, "#run-draws")).select_by_value("0")
    css(d, "#run").click()
    wait_for_run(d)
    for url in (
        case_url,
        case_url + "/edit",
        case_url + "/yaml",
        case_url + "/timeline",
        d.current_url,
        f"{base}/w/{site['desk']}",
    ):
        d.get(url)
        assert d.execute_script("return window.__pwned === undefined"), url
        assert not all_css(d, "img[src=x]"), url
        assert "<script>window.__pwned=1</script>" in d.find_element("tag name", "body").text + (
            d.execute_script(
                "return Array.from(document.querySelectorAll('input,textarea')).map(e => e.value).join(' ')"
            )
        ), url
