"""Where the time and memory of a run went: one row per cluster job, largest wall time first.

Every heavy rule has a Snakemake `benchmark:` record (results/benchmarks/{rule}/...tsv):
wall and CPU seconds, I/O, and a max RSS that Snakemake samples (every 0.5 s for the
first 15 s of a job, every 30 s after), which can miss a short peak. Each job's own
provenance record holds its exact peak (`posart.memory.peak_rss_mb`). Both go into
results/paper/jobs.csv, so a run shows which job needs the memory its resources ask for:
beside each peak stands the job's `mem_mb` resource (profiles/default/ sets it per heavy
rule; a cluster kills a job above it) and the peak's share of it, and a job above its
budget is logged as a warning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import logging

import pandas as pd

log = logging.getLogger(__name__)

# Snakemake's benchmark columns (MB and seconds) -> ours
FIELDS = {
    "s": "wall_s",
    "cpu_time": "cpu_s",
    "max_rss": "sampled_max_rss_mb",
    "io_in": "io_in_mb",
    "io_out": "io_out_mb",
}


def read_benchmark(path: str | Path) -> dict:
    """The last record of a Snakemake benchmark TSV (a rule with `repeat()` writes several)."""
    frame = pd.read_csv(path, sep="\t", na_values=["NA", "-"])
    missing = [column for column in FIELDS if column not in frame.columns]
    if frame.empty or missing:
        raise ValueError(f"benchmark record {path}: no row or no column(s) {missing}; is it Snakemake's?")
    return frame.iloc[-1].to_dict()


def summarise(jobs: Sequence[Mapping]) -> pd.DataFrame:
    """One row per job; `jobs` give `rule`, `job` (its wildcards), `benchmark` (TSV), `peak_rss_mb`
    and `mem_mb` (the job's memory resource; None where it had none)."""
    rows = []
    for job in jobs:
        record = read_benchmark(job["benchmark"])
        rows.append(
            {
                "rule": job["rule"],
                "job": job["job"],
                "peak_rss_mb": job["peak_rss_mb"],
                "mem_mb": job["mem_mb"],
                **{ours: record[theirs] for theirs, ours in FIELDS.items()},
            }
        )
    frame = pd.DataFrame(rows, columns=["rule", "job", "peak_rss_mb", "mem_mb", *FIELDS.values()])
    frame[["peak_rss_mb", "mem_mb"]] = frame[["peak_rss_mb", "mem_mb"]].astype(float)
    total = frame.wall_s.sum()
    frame["wall_share"] = 100 * frame.wall_s / total if total > 0 else 0.0
    frame["peak_share_of_mem"] = 100 * frame.peak_rss_mb / frame.mem_mb
    for job in frame[frame.peak_share_of_mem > 100].itertuples():
        log.warning(
            "%s (%s) peaked at %.0f MiB, above its mem_mb resource %.0f: raise it in profiles/default/ "
            "or lower the rule's memory settings",
            job.rule,
            job.job,
            job.peak_rss_mb,
            job.mem_mb,
        )
    return frame.sort_values(["wall_s", "rule", "job"], ascending=[False, True, True], ignore_index=True)
