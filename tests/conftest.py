"""Shared fixtures. Tests that need ../shared (licensed SFIA data, WMT23) skip without it."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not present (licensed data lives outside the repository)")
    return SHARED


@pytest.fixture(scope="session")
def sfia8_xlsx(shared) -> Path:
    p = shared / "sfia" / "sfia-8_en_220221.xlsx"
    if not p.is_file():
        pytest.skip(f"{p} missing")
    return p


@pytest.fixture(scope="session")
def sfia9_csv(shared) -> Path:
    p = shared / "sfia" / "sfia-9_current-standard_en_US_250129.csv"
    if not p.is_file():
        pytest.skip(f"{p} missing")
    return p


@pytest.fixture(scope="session", autouse=True)
def _own_cache(tmp_path_factory):
    """The tests' own cache folder (pipeline.cache), not the user's, shared by the whole session."""
    import os

    old = os.environ.get("SFIA_QA_CACHE")
    os.environ["SFIA_QA_CACHE"] = str(tmp_path_factory.mktemp("sfia-qa-cache"))
    yield
    if old is None:
        os.environ.pop("SFIA_QA_CACHE", None)
    else:
        os.environ["SFIA_QA_CACHE"] = old
