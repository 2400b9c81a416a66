"""Keep freed memory in the process, so that a hot loop's large tensors do not fault in afresh.

A forward pass allocates and frees the same large activation tensors batch after batch.
glibc's malloc hands blocks above its mmap threshold (at most 32 MiB by default) straight
back to the kernel, so every batch first-touches its memory again: page faults cost about
6% of the CPU time of MiniLM's forward pass on this machine (benchmarks/README.md). Raising
the mmap and trim thresholds makes malloc keep and reuse that memory instead; the process
then holds on to its peak, which a job does anyway. glibc's own knob (`mallopt`) is called
through ctypes because Python has no binding for it; off glibc this changes nothing and
says so.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)
M_TRIM_THRESHOLD = -1  # from glibc's malloc.h
M_MMAP_THRESHOLD = -3


def keep_freed_memory(threshold_bytes: int = 1 << 30) -> bool:
    """Serve allocations up to `threshold_bytes` from (and return frees to) the heap; True if glibc agreed."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        log.info("no glibc mallopt (%s): freed memory goes back to the system as usual", name)
        return False
    done = bool(mallopt(M_MMAP_THRESHOLD, threshold_bytes)) and bool(mallopt(M_TRIM_THRESHOLD, threshold_bytes))
    log.info("malloc keeps freed blocks up to %d bytes: %s", threshold_bytes, "yes" if done else "refused")
    return done
