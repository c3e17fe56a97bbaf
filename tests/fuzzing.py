"""Mutation-based fuzzing of accord's readers and commands (issue 14), shared by tests/fuzz and
benchmarks/fuzz.py.

A *seed* is a well-formed input file (the examples, the public data sets in ../shared, files written
by accord's own writers). A *mutation* changes it the way real files go wrong: a flipped or dropped
byte, a truncated tail, a repeated or dropped line, a hostile token spliced in (``nan``, ``1e999``,
a 60-digit integer, an alias, an entity declaration, a NUL, an impossible date, a non-Latin name).
The *oracle*: reading a mutant gives a Scenario or raises :class:`~accord.errors.InputError`, within
a time bound; a command exits 0 or 2, with exactly one line on stderr for 2 and never a traceback.
Everything is seeded: the same seed gives the same mutants.
"""

from __future__ import annotations

import io
import random
import signal
import time
import traceback
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accord.errors import InputError

ROOT = Path(__file__).resolve().parents[1]

# small public inputs in ../shared/data, one or more per reader (read at run time, never copied)
SHARED_SEEDS: tuple[tuple[str, int | None], ...] = (
    ("decide/copenhagen_with_errors.csv", None),
    ("decide/copenhagen.csv", None),
    ("bdm/eu_emissions.csv", None),
    ("bdm/sultan.csv", None),
    ("ktab/dummyData_3Dim.csv", None),
    ("ktab/smpExample.xml", None),
    ("ktab/dummyData_3Dim.xml", None),
    ("deu/deu_dev.tsv", 6),  # the header, the GDP row and four issues
)

TOKENS: tuple[bytes, ...] = (
    b"nan",
    b"NaN",
    b"inf",
    b"-inf",
    b"1e999",
    b"-1",
    b"0",
    b"9" * 60,
    b"true",
    b"null",
    b"~",
    b"''",
    b'"',
    b"'",
    b",",
    b";",
    b"\t",
    b"\n",
    b"\r",
    b"\x00",
    b"\xff\xfe",
    b"[",
    b"{",
    b"]",
    b"}",
    b": ",
    b"- ",
    b"? [a, b]\n: 1\n",
    b"&a ",
    b"*a",
    b"<<: *a",
    b"!!python/object:os.system",
    b"2024-13-45",
    b"31-02-03",
    b"<!ENTITY e 'x'>",
    b"&e;",
    b"<Actor>",
    b"</Actor>",
    b"<dName>Tax</dName>",
    "Россия".encode(),
    "中国".encode(),
    b" NL ",
    b"#",
    b"#min",
    b"#D",
    b"QMV(x)",
    b"\xef\xbb\xbf",
)


@dataclass(frozen=True)
class Seed:
    name: str
    suffix: str
    data: bytes


def seeds(shared: Path | None) -> list[Seed]:
    """The seed corpus: the examples, accord-written files, and the shared data sets where present."""
    out = [Seed(p.name, p.suffix, p.read_bytes()) for p in sorted((ROOT / "examples").glob("*.yaml"))]
    from accord.scenario import load
    from accord.scenario.formats import flat, native

    eu = load(ROOT / "examples" / "eu_emissions.yaml")
    out.append(Seed("eu.json", ".json", native.dumps(eu, "json").encode()))
    try:
        out.append(Seed("eu.csv", ".csv", flat.dumps(eu).encode()))
    except InputError:
        pass
    out.append(Seed("eu.xlsx", ".xlsx", xlsx_bytes(flat.rows(eu))))
    if shared is not None:
        for rel, head in SHARED_SEEDS:
            p = shared / "data" / rel
            if p.is_file():
                data = p.read_bytes()
                if head is not None:
                    data = b"\n".join(data.split(b"\n")[:head]) + b"\n"
                out.append(Seed(p.name, p.suffix, data))
    return out


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "scenario"
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# -- mutations ------------------------------------------------------------------------------------


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def mutate(data: bytes, rng: random.Random, corpus: list[Seed] | None = None) -> bytes:
    """One to three random mutations of ``data``."""
    for _ in range(rng.randint(1, 3)):
        data = _MUTATORS[rng.randrange(len(_MUTATORS))](data, rng, corpus or [])
    return data


def _flip(data: bytes, rng: random.Random, corpus: list[Seed]) -> bytes:
    if not data:
        return data
    k = rng.randrange(len(data))
    return data[:k] + bytes([data[k] ^ (1 << rng.randrange(8))]) + data[k + 1 :]


def _insert_token(data: bytes, rng: random.Random, corpus: list[Seed]) -> bytes:
    k = rng.randint(0, len(data))
    return data[:k] + rng.choice(TOKENS) + data[k:]


def _replace_number(data: bytes, rng: random.Random, corpus: list[Seed]) -> bytes:
    import re

    spans = [m.span() for m in re.finditer(rb"-?\d+(?:\.\d+)?", data[:200_000])]
    if not spans:
        return _insert_token(data, rng, corpus)
    a, b = rng.choice(spans)
    numbers = TOKENS[:12] + (b"1e308", b"-0", b"100", b"101", b"1.5", b"0.0001")
    return data[:a] + rng.choice(numbers) + data[b:]


def _delete_chunk(data: bytes, rng: random.Random, corpus: list[Seed]) -> bytes:
    if not data:
        return data
    a = rng.randrange(len(data))
    return data[:a] + data[a + rng.randint(1, 64) :]


def _truncate(data: bytes, rng: random.Random, corpus: list[Seed]) -> bytes:
    return data[: rng.randint(0, len(data))]


def _duplicate_line(data: bytes, rng: random.Random, corpus: list[Seed]) -> bytes:
    lines = _lines(data)
    k = rng.randrange(len(lines))
    lines.insert(rng.randint(0, len(lines)), lines[k])
    return b"\n".join(lines)


def _drop_line(data: bytes, rng: random.Random, corpus: list[Seed]) -> bytes:
    lines = _lines(data)
    if len(lines) > 1:
        del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


def _swap_lines(data: bytes, rng: random.Random, corpus: list[Seed]) -> bytes:
    lines = _lines(data)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def _splice(data: bytes, rng: random.Random, corpus: list[Seed]) -> bytes:
    if not corpus:
        return data
    other = _lines(rng.choice(corpus).data)
    lines = _lines(data)
    lines.insert(rng.randint(0, len(lines)), rng.choice(other))
    return b"\n".join(lines)


def _pad_cell(data: bytes, rng: random.Random, corpus: list[Seed]) -> bytes:
    """Space-pad a field (``NL`` -> ``NL ``) or blank it."""
    lines = _lines(data)
    k = rng.randrange(len(lines))
    for sep in (b",", b"\t", b": "):
        if sep in lines[k]:
            cells = lines[k].split(sep)
            j = rng.randrange(len(cells))
            cells[j] = rng.choice([cells[j] + b" ", b" " + cells[j], b"", b"   "])
            lines[k] = sep.join(cells)
            break
    return b"\n".join(lines)


def _xlsx_inner(data: bytes, rng: random.Random, corpus: list[Seed]) -> bytes:
    """Mutate the worksheet XML inside a workbook (bytes mutations mostly just break the zip)."""
    try:
        zin = zipfile.ZipFile(io.BytesIO(data))
        names = zin.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return _flip(data, rng, corpus)
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for name in names:
                part = zin.read(name)
                if name.startswith("xl/worksheets/") or (name.endswith(".xml") and rng.random() < 0.1):
                    part = mutate(part, rng)
                zout.writestr(name, part)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return _flip(data, rng, corpus)
    return out.getvalue()


_MUTATORS: tuple[Callable[[bytes, random.Random, list[Seed]], bytes], ...] = (
    _flip,
    _insert_token,
    _insert_token,
    _replace_number,
    _replace_number,
    _delete_chunk,
    _truncate,
    _duplicate_line,
    _drop_line,
    _swap_lines,
    _splice,
    _pad_cell,
)


def mutants(corpus: list[Seed], n: int, seed: int) -> Iterator[tuple[str, str, bytes]]:
    """``n`` mutants (name, suffix, bytes) of the corpus, deterministic in ``seed``."""
    rng = random.Random(seed)
    for k in range(n):
        s = corpus[k % len(corpus)]
        if s.suffix == ".xlsx":
            data = _xlsx_inner(s.data, rng, corpus)
        else:
            data = mutate(s.data, rng, corpus)
        yield f"{s.name}#{seed}.{k}", s.suffix, data


# -- the oracle -----------------------------------------------------------------------------------


class Hang(Exception):
    """A case ran past its time bound."""


@contextmanager
def time_bound(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` in the main thread after ``seconds`` (SIGALRM; a no-op where unavailable)."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"ran past {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@dataclass
class Failure:
    case: str
    what: str
    data: bytes

    def __str__(self) -> str:
        return f"{self.case}: {self.what}\n  input (first 300 bytes): {self.data[:300]!r}"


def check_read(path: Path, fmt: str | None = None, bound: float = 10.0) -> str | None:
    """None when reading ``path`` gives a Scenario or an InputError in time; else what went wrong."""
    from accord.scenario import load

    try:
        with time_bound(bound):
            load(path, fmt)
    except InputError as exc:
        if not str(exc).strip() or "\n" in str(exc).strip():
            return f"InputError without a one-line message: {str(exc)!r}"
        return None
    except Hang as exc:
        return f"hang: {exc}"
    except Exception:  # noqa: BLE001 - the oracle's whole point
        return "crash:\n" + traceback.format_exc(limit=6)
    return None


def check_command(args: list[str], bound: float = 20.0) -> str | None:
    """None when ``accord ARGS`` exits 0, or 2 with one line on stderr, in time; else what went wrong."""
    from accord.cli import main

    out, err = io.StringIO(), io.StringIO()
    try:
        with time_bound(bound), redirect_stdout(out), redirect_stderr(err):
            rc = main(args)
    except Hang as exc:
        return f"hang: {exc}"
    except SystemExit as exc:
        rc = int(exc.code or 0) if isinstance(exc.code, int) else 1
    except Exception:  # noqa: BLE001
        return "crash:\n" + traceback.format_exc(limit=6)
    text = err.getvalue()
    if "Traceback" in text:
        return f"traceback on stderr (rc {rc}): {text[-500:]}"
    if rc not in (0, 2):
        return f"exit code {rc}: {text[-300:]}"
    if rc == 2 and text.startswith("error: ") and text.count("\n") != 1:
        return f"error message is not one line: {text!r}"
    body = out.getvalue().lstrip()
    if rc == 0 and body[:1] in ("{", "["):
        import json

        def constant(name: str) -> float:
            raise ValueError(name)

        try:
            json.loads(body, parse_constant=constant)
        except ValueError as exc:
            return f"JSON output is not strict JSON: {exc}"
    return None


def run_campaign(
    folder: Path,
    corpus: list[Seed],
    n: int,
    seed: int,
    *,
    commands: bool = True,
    budget_s: float | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, list[Failure]]:
    """Read ``n`` mutants (and run commands on some); returns (cases run, failures)."""
    failures: list[Failure] = []
    t0 = time.perf_counter()
    done = 0
    for k, (name, suffix, data) in enumerate(mutants(corpus, n, seed)):
        if budget_s is not None and time.perf_counter() - t0 > budget_s:
            break
        path = folder / f"m{k}{suffix}"
        path.write_bytes(data)
        problem = check_read(path)
        if problem:
            failures.append(Failure(name, problem, data))
        if commands and k % 4 == 0:
            out = folder / f"out{k}.yaml"
            commands_run = [
                ["forecast", str(path), "-m", "compromise", "-m", "median", "--format", "json"],
                ["convert", str(path), str(out), "--force"],
            ]
            if k % 8 == 0:
                commands_run += [
                    ["simulate", str(path), "-n", "40", "-m", "compromise", "--noise", "0.1"]
                    + ["--format", "json"],
                    ["analyze", str(path), "--draws", "20", "--format", "json"],
                ]
            for args in commands_run:
                problem = check_command(args)
                if problem:
                    failures.append(Failure(f"{name} [{' '.join(args[:1])}]", problem, data))
            out.unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        done += 1
        if progress is not None:
            progress(done)
    return done, failures
