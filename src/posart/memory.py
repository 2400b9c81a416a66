"""A job's own memory: keep freed blocks for reuse, spare the loaded objects from full
garbage collections, and report the peak.

Keeping freed memory: a forward pass allocates and frees the same large activation tensors
batch after batch. glibc's malloc hands blocks above its mmap threshold (at most 32 MiB by
default) straight back to the kernel, so every batch first-touches its memory again: page
faults cost about 6% of the CPU time of MiniLM's forward pass on this machine
(benchmarks/README.md). Raising the mmap and trim thresholds makes malloc keep and reuse
that memory instead; the process then holds on to its peak, which a job does anyway.
glibc's own knob (`mallopt`) is called through ctypes because Python has no binding for
it; off glibc this changes nothing and says so.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
from pathlib import Path

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


def freeze_loaded_objects() -> int:
    """Exempt every object alive now (torch, transformers, the loaded model) from garbage collection.

    A job loads its model once and keeps it: the ~400,000 objects of torch and transformers
    never become garbage, yet every full collection scans them (0.2 s on this machine), and
    tokenising 2,000 sentences allocates enough objects to start one about every fourth
    time (benchmarks/README.md). Returns how many objects were frozen.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def peak_rss_mb() -> float | None:
    """This process's peak resident memory since it started (MiB), exact: the kernel's VmHWM.

    Snakemake's benchmark records sample memory every 30 s after the first 15 s of a job
    and so can miss a short peak; this cannot. None where /proc is not Linux's.
    """
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return None
    line = next((line for line in lines if line.startswith("VmHWM:")), None)
    return int(line.split()[1]) / 1024 if line else None
