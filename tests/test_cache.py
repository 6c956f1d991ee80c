"""The on-disk cache keeps what it was given, and nothing else: a damaged or foreign entry is
ignored, an unusable folder costs nothing but time."""

from __future__ import annotations

import os

from pipeline import cache


def test_an_entry_comes_back_as_written(tmp_path, monkeypatch):
    monkeypatch.setenv("SFIA_QA_CACHE", str(tmp_path))
    key = cache.key_of("dictionary", b"\x00bytes")
    assert cache.read("kind", key) is None
    cache.write("kind", key, b"body\nwith lines")
    assert cache.read("kind", key) == b"body\nwith lines"
    assert cache.key_of("a", "bc") != cache.key_of("ab", "c")


def test_a_damaged_truncated_or_foreign_entry_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("SFIA_QA_CACHE", str(tmp_path))
    key, other = cache.key_of("one"), cache.key_of("two")
    cache.write("kind", key, b"the verdicts")
    path = tmp_path / "kind" / f"{key}.bin"
    good = path.read_bytes()
    path.write_bytes(good[:-1] + b"X")           # one byte changed
    assert cache.read("kind", key) is None
    path.write_bytes(good[: len(good) // 2])     # cut short
    assert cache.read("kind", key) is None
    cache.write("kind", other, b"another entry")
    os.replace(tmp_path / "kind" / f"{other}.bin", path)  # a valid entry under the wrong name
    assert cache.read("kind", key) is None


def test_off_or_unwritable_means_no_cache_and_no_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SFIA_QA_CACHE", "off")
    cache.write("kind", cache.key_of("x"), b"y")
    assert cache.read("kind", cache.key_of("x")) is None
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SFIA_QA_CACHE", str(blocker / "cache"))
    cache.write("kind", cache.key_of("x"), b"y")   # cannot create the folder: silently nothing
    assert cache.read("kind", cache.key_of("x")) is None
    assert cache.read("../escape", cache.key_of("x")) is None and cache.read("kind", "../../etc") is None


def test_each_kind_keeps_its_newest_entries(tmp_path, monkeypatch):
    monkeypatch.setenv("SFIA_QA_CACHE", str(tmp_path))
    for i in range(cache.KEEP + 3):
        cache.write("kind", cache.key_of(str(i)), b"x")
        os.utime(tmp_path / "kind" / f"{cache.key_of(str(i))}.bin", (i, i))
    cache.write("kind", cache.key_of("last"), b"x")
    left = {p.stem for p in (tmp_path / "kind").glob("*.bin")}
    assert len(left) == cache.KEEP and cache.key_of("last") in left and cache.key_of("0") not in left
