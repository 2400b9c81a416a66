"""Freed memory stays in the process: the second fill of a large array faults no page in."""

import platform
import resource

import numpy as np
import pytest

from posart.allocator import keep_freed_memory


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_large_blocks_are_reused_without_page_faults():
    assert keep_freed_memory(1 << 30)
    faults = []
    for _ in range(2):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        block = np.ones(64 << 20, np.uint8)  # 64 MiB, above glibc's default mmap threshold
        del block
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    assert faults[1] * 10 < faults[0], faults  # fresh pages at first (4 KiB or huge ones), then reused
