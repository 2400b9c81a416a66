"""Where the time and memory of a run went: one row per cluster job, largest wall time first.

Every heavy rule has a Snakemake `benchmark:` record (results/benchmarks/{rule}/...tsv):
wall and CPU seconds, I/O, and a max RSS that Snakemake samples (every 0.5 s for the
first 15 s of a job, every 30 s after), which can miss a short peak. Each job's own
provenance record holds its exact peak (`posart.memory.peak_rss_mb`). Both go into
results/paper/jobs.csv, so a run shows which job needs the memory its resources ask for:
beside each peak stands the job's `mem_mb` resource (profiles/default/ sets it per heavy
rule; a cluster kills a job above it) and the peak's share of it, and a job above its
budget is logged as a warning. Each job's record also holds the seconds of its own work
(`run_s`: the adapter's body; the rest of its wall time, `overhead_s`, went to starting
Python, imports, checking inputs and hashing outputs for provenance), its threads and, for
an encode job, its encoding throughput (real tokens per second of `encode()`, the figure
benchmarks/bench_encode.py sets against the bare forward pass; a shard's includes
tokenising the whole table). Records written before these fields leave them empty.
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
# what each job's provenance record gives (None where it has none)
RECORDED = ("peak_rss_mb", "mem_mb", "run_s", "threads", "tokens_per_s")


def read_benchmark(path: str | Path) -> dict:
    """The last record of a Snakemake benchmark TSV (a rule with `repeat()` writes several)."""
    frame = pd.read_csv(path, sep="\t", na_values=["NA", "-"])
    missing = [column for column in FIELDS if column not in frame.columns]
    if frame.empty or missing:
        raise ValueError(f"benchmark record {path}: no row or no column(s) {missing}; is it Snakemake's?")
    return frame.iloc[-1].to_dict()


def summarise(jobs: Sequence[Mapping]) -> pd.DataFrame:
    """One row per job; `jobs` give `rule`, `job` (its wildcards), `benchmark` (TSV) and the
    RECORDED values of its provenance: exact peak, `mem_mb` (its memory resource), seconds of its
    own work, threads, and an encode job's real tokens per second."""
    rows = []
    for job in jobs:
        record = read_benchmark(job["benchmark"])
        rows.append(
            {
                "rule": job["rule"],
                "job": job["job"],
                **{name: job[name] for name in RECORDED},
                **{ours: record[theirs] for theirs, ours in FIELDS.items()},
            }
        )
    frame = pd.DataFrame(rows, columns=["rule", "job", *RECORDED, *FIELDS.values()])
    frame[list(RECORDED)] = frame[list(RECORDED)].astype(float)
    frame["threads"] = frame.threads.astype("Int64")
    total = frame.wall_s.sum()
    frame["wall_share"] = 100 * frame.wall_s / total if total > 0 else 0.0
    frame["overhead_s"] = frame.wall_s - frame.run_s
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
