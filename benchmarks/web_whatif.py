"""Speed of the browser's what-if: the editor's preview of the Gaza example, target <= 300 ms server-side.

Run on its own: ``python benchmarks/web_whatif.py [REPEATS]``. Times, on the Gaza example with one
reservation changed per request (Hamas's end-of-war reservation, alternating 35 and 70, so the
verdict flips), (1) the analysis without Monte Carlo that the preview runs
(``accord.web.view.preview_json``) and (2) the whole ``POST /cases/{id}/preview`` request through the
real app in-process (form parsing, validation, the analysis, rendering the panel), after one warm-up
call. Prints the median and the 95th percentile in milliseconds.
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GAZA = ROOT / "examples" / "gaza_ceasefire_2024.yaml"
TARGET_MS = 300.0


def _summary(name: str, ms: list[float]) -> str:
    p95 = sorted(ms)[max(0, round(0.95 * len(ms)) - 1)]
    return f"{name:<44}{statistics.median(ms):>10.1f}{p95:>10.1f}"


def main(repeats: int = 20) -> int:
    from fastapi.testclient import TestClient

    from accord.scenario import load
    from accord.scenario.formats.native import to_data
    from accord.server import store
    from accord.server.app import create_app
    from accord.web import forms, view

    scenario = load(GAZA)
    base = to_data(scenario)
    variants = [forms.check(forms.apply_form(base, {"a1.r2": v}))[0] for v in ("35", "70")]
    view.preview_json(scenario)  # warm-up: imports
    analysis = []
    for k in range(repeats):
        s = variants[k % 2]
        assert s is not None
        t0 = time.perf_counter()
        view.preview_json(s)
        analysis.append((time.perf_counter() - t0) * 1000)

    request = []
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(db_url=f"sqlite:///{Path(tmp) / 'bench.db'}")
        with TestClient(app) as client:
            with app.state.store.session() as db:
                user = store.create_user(db, "bench", "a long enough password")
                ws = store.create_workspace(db, "bench", user)
                case_id = store.create_case(db, ws.id, "Gaza", scenario, user).id
            client.post("/login", data={"username": "bench", "password": "a long enough password"})
            page = client.get(f"/cases/{case_id}/edit").text
            found = re.search(r'name="csrf_token" value="([^"]+)"', page)
            assert found
            token = found.group(1)
            for k in range(repeats + 1):
                form = {"csrf_token": token, "a1.r2": ("35", "70")[k % 2]}
                t0 = time.perf_counter()
                got = client.post(f"/cases/{case_id}/preview", data=form)
                ms = (time.perf_counter() - t0) * 1000
                assert got.status_code == 200 and got.json()["ok"], got.text
                if k:  # the first request warms the route up
                    request.append(ms)

    print(f"{'Gaza what-if, ' + str(repeats) + ' requests':<44}{'median ms':>10}{'p95 ms':>10}")
    print(_summary("analysis without Monte Carlo (preview_json)", analysis))
    print(_summary("POST /cases/{id}/preview, in-process", request))
    ok = statistics.median(request) <= TARGET_MS
    print(f"target: median request <= {TARGET_MS:.0f} ms: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
