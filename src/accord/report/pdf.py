"""The report as PDF, for people who mail briefs: headless Chromium prints the HTML report.

Chromium renders the same self-contained HTML (inline SVG figures, print styles: each section on
a new page, figures not split) and prints it with ``--print-to-pdf``. Without Chromium the export
says how to get it instead of failing obscurely.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from accord.errors import InputError

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT_S = 120


def chromium_path() -> str | None:
    """The headless Chromium to print with: ``$ACCORD_CHROMIUM``, /usr/bin/chromium, or one on PATH."""
    env = os.environ.get("ACCORD_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in CHROMIUM_NAMES:
        if Path(f"/usr/bin/{name}").exists():
            return f"/usr/bin/{name}"
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html: str, *, timeout: float = TIMEOUT_S) -> bytes:
    """Print ``html`` to PDF with headless Chromium; the PDF's bytes."""
    exe = chromium_path()
    if exe is None:
        raise InputError(
            "--pdf needs headless Chromium (looked for /usr/bin/chromium, chromium on PATH and "
            "$ACCORD_CHROMIUM): install Debian's chromium package (make chromium), or open the HTML "
            "report in a browser and print it to PDF"
        )
    with tempfile.TemporaryDirectory(prefix="accord-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        out = Path(tmp) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise InputError(f"--pdf: Chromium did not finish printing within {timeout:g} s") from None
        except OSError as exc:
            raise InputError(f"--pdf: could not start Chromium ({exe}): {exc}") from None
        if not out.exists() or out.stat().st_size == 0:
            tail = (res.stderr or "").strip().splitlines()[-1:] or ["no message"]
            raise InputError(f"--pdf: Chromium printed no PDF (exit {res.returncode}): {tail[0]}")
        return out.read_bytes()
