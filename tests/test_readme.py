"""The README's Python example runs as written."""

from __future__ import annotations

import os
import re

from conftest import ROOT


def test_readme_python_example_runs(capsys) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S)
    assert code is not None
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(code.group(1), "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("{'presence':")
    assert out[2].startswith("No")
