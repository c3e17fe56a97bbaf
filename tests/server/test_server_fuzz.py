"""Property-based fuzzing of the JSON API from its OpenAPI schema (schemathesis): no request,
however malformed, gets a 500. Bounded: a few examples per operation, derandomised."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

EXAMPLES = 5


def test_no_operation_answers_500(sqlite_env: Any, gaza_text: str) -> None:
    import schemathesis

    env = sqlite_env
    app = env.app
    app.state.jobs.submit = lambda run_id: None  # fuzzing the API, not the analysis pool
    owner = env.user("owner")
    ws = env.workspace(owner)
    c = env.login("owner")
    c.post(f"/api/workspaces/{ws}/cases", json={"name": "Gaza", "text": gaza_text})
    token = c.post("/api/tokens", json={"name": "fuzz"}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}

    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            response = case.call(headers={**(case.headers or {}), **headers})
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:200]}"
                )

        check()
    assert operations >= 30
    assert not failures, "\n".join(failures[:20])


@pytest.mark.parametrize("body", [b"", b"null", b"[]", b'{"scenario": {"actors": [{}]}}', b"\xff\xfe"])
def test_odd_bodies_get_4xx(sqlite_env: Any, body: bytes) -> None:
    sqlite_env.user("alice")
    c = sqlite_env.login("alice")
    r = c.post("/api/validate", content=body, headers={"Content-Type": "application/json"})
    assert 200 <= r.status_code < 500 and "detail" in r.json() or r.json().get("valid") is False
