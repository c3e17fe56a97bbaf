"""Load on the accord server over loopback: concurrent clients mixing reads, saves and analysis runs.

Starts ``accord serve`` on a fresh SQLite file (or ``--db URL``), signs in once and shares the
session (cookie + CSRF header, as the browser pages send them) among ``--clients``
concurrent clients (asyncio tasks, each with its own keep-alive HTTP/1.1 connection), and has
each run ``--rounds`` rounds of: read a case, list its versions, save a new version of its own
case, and in one round of five start an analysis run (no Monte Carlo; staggered across the
clients). Prints p50/p95 latency per kind of request, the error count, and the CPU seconds of
the clients and of the server (with its analysis workers).

Usage: ``python benchmarks/server_load.py [--clients 50] [--rounds 10] [--db URL]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GAZA = ROOT / "examples" / "gaza_ceasefire_2024.yaml"
USER, PASSWORD = "loadtest", "load test password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """``accord serve`` in a subprocess (its own process group, so kill -9 takes its pool too)."""

    def __init__(
        self, db_url: str, port: int | None = None, log: Path | None = None, http_workers: int = 1
    ) -> None:
        self.db_url, self.port, self.http_workers = db_url, port or free_port(), http_workers
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def add_user(self, username: str = USER, password: str = PASSWORD) -> None:
        """Create an account in the server's database (what ``accord serve --add-user`` does)."""
        from accord.server import store
        from accord.server.db import Store

        st = Store(self.db_url)
        try:
            st.migrate()
            with st.session() as db:
                store.create_user(db, username, password)
        finally:
            st.close()

    def start(self, timeout: float = 90.0) -> LiveServer:
        import httpx

        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115 - lives with the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "accord", "serve", "--db", self.db_url, "--port", str(self.port)]
            + (["--http-workers", str(self.http_workers)] if self.http_workers > 1 else []),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with code {self.proc.returncode}")
            try:
                if httpx.get(self.url + "/api/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"the server did not answer within {timeout} s")

    def kill(self) -> None:
        """kill -9 the server and its process group (its analysis workers)."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        """Stop it gracefully (SIGTERM), killing it if it lingers."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def signed_in(url: str, username: str = USER, password: str = PASSWORD) -> Any:
    """An httpx client with a session cookie and the CSRF header."""
    import httpx

    c = httpx.Client(base_url=url, timeout=60)
    r = c.post("/api/session", json={"username": username, "password": password})
    r.raise_for_status()
    c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return c


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if error:
                self.errors.append(f"{kind}: {error}")

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for kind, xs in sorted(self.latencies.items()):
            qs = statistics.quantiles(xs, n=20, method="inclusive") if len(xs) > 1 else xs * 19
            out[kind] = {
                "n": len(xs),
                "p50_ms": round(statistics.median(xs) * 1000, 1),
                "p95_ms": round(qs[18] * 1000, 1),
            }
        out["errors"] = len(self.errors)
        return out


class Connection:
    """One client's keep-alive HTTP/1.1 connection on asyncio streams: real HTTP over loopback at
    a small fraction of a full client library's CPU, so the load generator's own work, which
    shares the machine with the server, distorts the latencies less."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        hostport = url.split("://", 1)[1].rstrip("/")
        self.host, _, port = hostport.partition(":")
        self.port = int(port or 80)
        self.headers = "".join(f"{k}: {v}\r\n" for k, v in {"Host": hostport, **headers}.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        """Send one request, read the whole answer: (status, body)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        data = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\n{self.headers}Content-Length: {len(data)}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        self.writer.write(head.encode() + b"\r\n" + data)
        status_line = await self.reader.readline()
        if not status_line:
            await self.close()
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                chunked = "chunked" in value
            elif name == "connection":
                close = value == "close"
        if chunked:
            parts = []
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                parts.append(await self.reader.readexactly(size + 2))
            await self.reader.readline()
            content = b"".join(p[:-2] for p in parts)
        else:
            content = await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, content

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


def run_load(url: str, clients: int = 50, rounds: int = 10, run_every: int = 5, think: float = 0.0) -> Stats:
    """``clients`` concurrent clients (asyncio tasks in one thread), each with its own keep-alive
    connection and case, ``rounds`` rounds each; between two requests a client pauses a random
    time, uniform on 0..2*``think`` seconds (seeded), as a user reading the page would (0: back to
    back, the server's throughput bound)."""
    setup = signed_in(url)
    ws = setup.post("/api/workspaces", json={"name": "load"}).json()["id"]
    text = GAZA.read_text(encoding="utf-8")
    shared = setup.post(f"/api/workspaces/{ws}/cases", json={"name": "shared", "text": text}).json()["id"]
    own = [
        setup.post(f"/api/workspaces/{ws}/cases", json={"name": f"c{k}", "text": text}).json()["id"]
        for k in range(clients)
    ]
    scenario = setup.get(f"/api/cases/{shared}/versions/1").json()["scenario"]
    # one sign-in shared by every client (the load is on cases, not on argon2)
    headers = {
        "Cookie": "; ".join(f"{k}={v}" for k, v in setup.cookies.items()),
        "X-CSRF-Token": setup.headers["X-CSRF-Token"],
    }
    setup.close()
    stats = Stats()

    async def client(k: int, go: asyncio.Event) -> None:
        c, case, base = Connection(url, headers), own[k], 1
        data = json.loads(json.dumps(scenario))
        pause = random.Random(k)
        await go.wait()

        async def timed(kind: str, method: str, path: str, body: Any, ok: int) -> Any:
            if think > 0:
                await asyncio.sleep(pause.uniform(0, 2 * think))
            t0 = time.perf_counter()
            try:
                status, content = await c.request(method, path, body)
            except Exception as exc:  # noqa: BLE001 - a refused or dropped connection is an error to count
                stats.add(kind, time.perf_counter() - t0, repr(exc))
                await c.close()
                return None
            error = None if status == ok else f"{status} {content[:100]!r}"
            stats.add(kind, time.perf_counter() - t0, error)
            return json.loads(content) if status == ok else None

        for i in range(rounds):
            await timed("read case", "GET", f"/api/cases/{shared}", None, 200)
            await timed("list versions", "GET", f"/api/cases/{shared}/versions", None, 200)
            data["actors"][0]["capability"] = 50 + k + i / 100
            body = {"base_version": base, "scenario": data, "message": f"client {k} round {i}"}
            saved = await timed("save version", "POST", f"/api/cases/{case}/versions", body, 201)
            if saved is not None:
                base = saved["number"]
            if (i * clients + k) % run_every == run_every - 1:
                await timed("start run", "POST", f"/api/cases/{case}/runs", {"draws": 0}, 202)
        await c.close()

    async def everyone() -> None:
        go = asyncio.Event()
        tasks = [asyncio.create_task(client(k, go)) for k in range(clients)]
        await asyncio.sleep(0)
        go.set()
        await asyncio.gather(*tasks)

    asyncio.run(everyone())
    return stats


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    p.add_argument("--http-workers", type=int, default=1, help="the server's web worker processes")
    p.add_argument(
        "--think", type=float, default=0.5, help="mean pause between a client's requests, s (0: back to back)"
    )
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="accord-load-") as tmp:
        db = args.db or f"sqlite:///{Path(tmp) / 'load.db'}"
        server = LiveServer(db, log=Path(tmp) / "server.log", http_workers=args.http_workers)
        server.add_user()
        server.start()
        try:
            t0, cpu0 = time.perf_counter(), time.process_time()
            stats = run_load(server.url, args.clients, args.rounds, think=args.think)
            wall, client_cpu = time.perf_counter() - t0, time.process_time() - cpu0
        finally:
            server.stop()
        # the server and its analysis workers, set-up and start included (it has been waited for)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        server_cpu = children.ru_utime + children.ru_stime
    summary = stats.summary()
    where = "SQLite" if not args.db else args.db.split(":")[0]
    print(
        f"server load: {args.clients} clients x {args.rounds} rounds on {where} "
        f"({args.http_workers} web worker{'s' if args.http_workers > 1 else ''}), mean think time "
        f"{args.think:g} s, {wall:.1f} s wall, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"  CPU s: clients {client_cpu:.1f}, server with its analysis workers {server_cpu:.1f}")
    for kind, s in summary.items():
        if kind != "errors":
            print(f"  {kind:14s} n={s['n']:5d}  p50 {s['p50_ms']:7.1f} ms  p95 {s['p95_ms']:7.1f} ms")
    print(f"  errors: {summary['errors']}")
    for e in stats.errors[:10]:
        print("   ", e)
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
