"""accord.outputs.write_output: outputs never destroy input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from accord.errors import InputError
from accord.outputs import check_output, write_output


def test_writes_new_file_text_and_bytes(tmp_path: Path) -> None:
    write_output(tmp_path / "a.txt", "héllo\n")
    write_output(tmp_path / "b.bin", b"\x00\x01")
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "héllo\n"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    # no temporary file left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.bin"]


def test_plain_permissions(tmp_path: Path) -> None:
    write_output(tmp_path / "a.txt", "x")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o666 & ~umask


def test_refuses_existing_without_force(tmp_path: Path) -> None:
    out = tmp_path / "a.txt"
    out.write_text("keep")
    with pytest.raises(InputError, match="already exists; give --force"):
        write_output(out, "new")
    assert out.read_text() == "keep"
    write_output(out, "new", force=True)
    assert out.read_text() == "new"


def test_refuses_input_even_with_force(tmp_path: Path) -> None:
    src = tmp_path / "in.yaml"
    src.write_text("name: x\n")
    for target in (src, tmp_path / "." / "in.yaml"):
        with pytest.raises(InputError, match="is an input of this command"):
            write_output(target, "<html>", force=True, inputs=[src])
    assert src.read_text() == "name: x\n"


def test_refuses_input_through_hard_link_and_symlink(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("data")
    hard = tmp_path / "hard.csv"
    os.link(src, hard)
    soft = tmp_path / "soft.csv"
    soft.symlink_to(src)
    for target in (hard, soft):
        with pytest.raises(InputError, match="is an input"):
            write_output(target, "x", force=True, inputs=[src])
    assert src.read_text() == "data"


def test_never_follows_symlink_onto_existing_file(tmp_path: Path) -> None:
    table = tmp_path / "deu.csv"
    table.write_text("precious")
    link = tmp_path / "out.yaml"
    link.symlink_to(table)
    with pytest.raises(InputError, match="symbolic link"):
        write_output(link, "scenario")
    assert table.read_text() == "precious"
    # with force the link itself is replaced; its target is untouched
    write_output(link, "scenario", force=True)
    assert table.read_text() == "precious"
    assert not link.is_symlink() and link.read_text() == "scenario"


def test_dangling_symlink_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "out.txt"
    link.symlink_to(tmp_path / "nowhere" / "x")
    with pytest.raises(InputError, match="symbolic link"):
        write_output(link, "x")


def test_missing_folder_needs_make_dirs(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "r.html"
    with pytest.raises(InputError, match="does not exist; create it or give --make-dirs"):
        write_output(out, "x")
    assert not (tmp_path / "a").exists()
    write_output(out, "x", make_dirs=True)
    assert out.read_text() == "x"


def test_folder_device_and_fifo_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder"):
        write_output(tmp_path, "x", force=True)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        write_output(fifo, "x", force=True)
    with pytest.raises(InputError, match="not a regular file"):
        write_output("/dev/null", "x", force=True)


def test_unwritable_folder(tmp_path: Path) -> None:
    """Refused with a clear message; as root (CI) the check runs in a child without root's rights."""
    base = tmp_path / "base"
    base.mkdir()
    ro = base / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        if os.geteuid() != 0:
            with pytest.raises(InputError, match="not writable"):
                write_output(ro / "x.txt", "x")
            return
        # root ignores permission bits: the child takes the rights of 'nobody'
        for p in (tmp_path, *tmp_path.parents):
            if p != Path("/"):
                p.chmod(p.stat().st_mode | 0o011)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            code = 5
            try:
                os.setgid(65534)
                os.setuid(65534)
                write_output(ro / "x.txt", "x")
            except InputError as exc:
                code = 0 if "not writable" in str(exc) else 3
            except BaseException:
                code = 4
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert not (ro / "x.txt").exists()
    finally:
        ro.chmod(0o700)


def test_parent_is_a_file(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(InputError, match="is not a folder"):
        write_output(f / "out.txt", "y", make_dirs=True)


def test_check_output_returns_path_and_checks_name(tmp_path: Path) -> None:
    assert check_output(tmp_path / "x.json") == tmp_path / "x.json"
    with pytest.raises(InputError, match="not a file name"):
        check_output("")
