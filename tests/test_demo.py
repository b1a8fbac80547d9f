"""The demo inbox is deterministic: the same seed gives the same bytes and modification times."""

import hashlib

from kc_demo.generator import write_demo


def _snapshot(root):
    return {
        p.relative_to(root).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime)
        for p in root.rglob("*")
        if p.is_file()
    }


def test_same_seed_same_files(tmp_path):
    write_demo(tmp_path / "a")
    write_demo(tmp_path / "b")
    a, b = _snapshot(tmp_path / "a"), _snapshot(tmp_path / "b")
    assert a == b
    assert {path.split("/")[0] for path in a} == {"projects", "census", "outcomes", "plans"}
