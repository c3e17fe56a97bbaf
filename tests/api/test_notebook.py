"""examples/tutorial.ipynb runs end to end in a Jupyter kernel, and its results render."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES

NOTEBOOK = EXAMPLES / "tutorial.ipynb"


def test_tutorial_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat", reason="the notebook test needs the dev extra (nbformat)")
    nbclient = pytest.importorskip("nbclient", reason="the notebook test needs the dev extra (nbclient)")
    # a kernel on this interpreter (the one with accord installed), whatever kernels the machine has
    spec = tmp_path / "kernels" / "accord-test"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "accord", "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="accord-test", resources={"metadata": {"path": str(EXAMPLES)}}
    )
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("Forecasts of" in h for h in html)  # Forecasts._repr_html_
    assert any("Sweep of" in h for h in html)
    assert any("Verdict:" in h for h in html)  # the case analysis summary
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 3  # each figure plot() returns is shown once
