"""Freed memory stays in the process: refilling a large array faults no page in again."""

import json
import platform
import subprocess
import sys

import pytest

# A fresh interpreter (the test process's heap already holds freed blocks): fill a 64 MiB
# array twice, counting minor page faults each time.
PROBE = """
import json, resource, sys
import numpy as np
from posart.memory import keep_freed_memory
agreed = keep_freed_memory(1 << 30) if sys.argv[1] == "keep" else None
faults = []
for _ in range(2):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    block = np.ones(64 << 20, np.uint8)  # above glibc's largest default mmap threshold (32 MiB)
    del block
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(json.dumps({"agreed": agreed, "faults": faults}))
"""


def probe(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_large_blocks_are_reused_without_page_faults():
    default, kept = probe("default"), probe("keep")
    assert kept["agreed"] is True
    first, second = default["faults"]
    assert second * 2 > first > 0, default  # by default the block goes back to the kernel and faults in again
    first, second = kept["faults"]
    assert second * 10 < first, kept  # kept: the second fill reuses the pages of the first


def test_peak_memory_sees_a_short_lived_block():
    """In a fresh interpreter (this one's high-water mark may already be far above its use)."""
    code = (
        "import numpy as np; from posart.memory import peak_rss_mb; before = peak_rss_mb(); "
        "block = np.ones(256 << 20, np.uint8); del block; print(peak_rss_mb() - before)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert 250 < float(out.stdout) < 300  # MiB: the 256 MiB block, freed before the second reading


FREEZE = """
import gc, json
from posart.memory import freeze_loaded_objects
loaded = [[i] for i in range(300_000)]  # a loaded model's many long-lived objects
frozen = freeze_loaded_objects()
print(json.dumps({"frozen": frozen, "tracked": len(gc.get_objects())}))
"""


def test_frozen_objects_are_not_scanned_by_full_collections():
    out = json.loads(subprocess.run([sys.executable, "-c", FREEZE], capture_output=True, text=True, check=True).stdout)
    assert out["frozen"] > 300_000
    assert out["tracked"] < 100_000  # the collector no longer walks the 300,000 lists
