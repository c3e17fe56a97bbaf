"""pydantic's plugin scan is skipped only where importlib.metadata would find no plugin."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from accord.cli import plugins

ROOT = Path(__file__).resolve().parents[2]
GAZA = ROOT / "examples" / "gaza_ceasefire_2024.yaml"


def _metadata_finds_one() -> bool:
    return bool(importlib.metadata.entry_points(group="pydantic"))


def _dist(root: Path, name: str, entry_points: str | None) -> None:
    info = root / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    if entry_points is not None:
        (info / "entry_points.txt").write_text(entry_points)


def test_on_this_installation_the_check_agrees_with_importlib_metadata() -> None:
    assert plugins.no_plugin_declared() == (not _metadata_finds_one())


@pytest.mark.parametrize(
    ("entry_points", "declared"),
    [
        ("[console_scripts]\nfake = fake:main\n", False),
        (None, False),
        ("[pydantic]\nfake = fake:plugin\n", True),
        ("[console_scripts]\nfake = fake:main\n\n  [pydantic]  \nfake = fake:plugin\n", True),
    ],
)
def test_a_distribution_on_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry_points: str | None, declared: bool
) -> None:
    _dist(tmp_path, "fake_plugin", entry_points)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _metadata_finds_one() == declared
    assert plugins.no_plugin_declared() == (not declared)


def test_metadata_it_does_not_read_means_pydantic_looks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    egg = tmp_path / "eggs"
    (egg / "old-1.0.egg").mkdir(parents=True)
    archive = tmp_path / "site.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("zipped-1.0.dist-info/entry_points.txt", "[pydantic]\nz = z:plugin\n")
    for path in (egg, archive):
        with monkeypatch.context() as m:
            m.setattr(sys, "path", [str(path), *sys.path])
            assert not plugins.no_plugin_declared()
    bad = tmp_path / "bad"
    _dist(bad, "latin", None)
    (bad / "latin-1.0.dist-info" / "entry_points.txt").write_bytes(b"[caf\xe9]\n")
    monkeypatch.syspath_prepend(str(bad))
    assert not plugins.no_plugin_declared()


def test_a_value_the_user_set_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(plugins.ENV, "some_plugin")
    plugins.skip_scan_without_plugins()
    assert os.environ[plugins.ENV] == "some_plugin"


def test_validate_skips_the_scan_where_nothing_declares_a_plugin() -> None:
    if _metadata_finds_one():
        pytest.skip("a pydantic plugin is installed here")
    code = (
        "import contextlib, io, os, sys\n"
        "import accord.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert accord.cli.main(['validate', {str(GAZA)!r}]) == 0\n"
        "from pydantic.plugin import _loader\n"
        "print(_loader._plugins is None, os.environ.get('PYDANTIC_DISABLE_PLUGINS'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != plugins.ENV}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "__all__"]
