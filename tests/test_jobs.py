"""The jobs summary: Snakemake benchmark records and exact peaks, one row per job, by hand."""

import pandas as pd
import pytest

from posart import jobs

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def record(path, *rows):
    path.write_text(HEADER + "".join("\t".join(map(str, row)) + "\n" for row in rows))
    return path


def job(rule, wildcards, benchmark, peak_rss_mb, mem_mb, run_s=None, threads=1, tokens_per_s=None):
    """What scripts/jobs_summary.py reads off a job's provenance record, beside its benchmark TSV."""
    return {
        "rule": rule,
        "job": wildcards,
        "benchmark": benchmark,
        "peak_rss_mb": peak_rss_mb,
        "mem_mb": mem_mb,
        "run_s": run_s,
        "threads": threads,
        "tokens_per_s": tokens_per_s,
    }


def test_one_row_per_job_largest_wall_time_first(tmp_path):
    encode = record(tmp_path / "encode.tsv", [30.0, "0:00:30", 900.5, 2000, 850, 860, 10.0, 150.0, 180.0, 55.0])
    stats = record(tmp_path / "stats.tsv", [10.0, "0:00:10", "NA", "NA", "NA", "NA", "NA", "NA", "NA", "NA"])
    repeated = record(
        tmp_path / "sts.tsv",
        [99.0, "0:01:39", 1, 1, 1, 1, 0, 0, 0, 1],
        [20.0, "0:00:20", 300.0, 400, 290, 295, 1.0, 0.5, 90.0, 19.0],
    )
    frame = jobs.summarise(
        [
            job("stats", "model=m corpus=c", stats, 400.0, 300, run_s=7.5),
            job("encode", "model=m dataset=d shard=0 nshards=1", encode, 1024.0, 8000, 26.0, 2, 5000.0),
            job("sts", "model=m method=raw", repeated, None, None),
        ]
    )
    assert frame.rule.tolist() == ["encode", "sts", "stats"]
    assert frame.wall_s.tolist() == [30.0, 20.0, 10.0]  # the last record of a repeated benchmark
    assert frame.wall_share.tolist() == pytest.approx([50.0, 100 / 3, 50 / 3])
    assert frame.cpu_s.iloc[0] == 55.0 and frame.sampled_max_rss_mb.iloc[0] == 900.5
    assert frame.io_in_mb.iloc[0] == 10.0 and frame.io_out_mb.iloc[0] == 150.0
    assert frame.peak_rss_mb.iloc[0] == 1024.0 and pd.isna(frame.peak_rss_mb.iloc[1])
    assert pd.isna(frame.sampled_max_rss_mb.iloc[2])  # a job shorter than Snakemake's first sample
    assert frame.mem_mb.iloc[0] == 8000 and frame.peak_share_of_mem.iloc[0] == pytest.approx(12.8)
    assert pd.isna(frame.peak_share_of_mem.iloc[1])  # no peak, no share
    # the job's own work against its wall time: the rest went to starting Python, imports, provenance
    by_rule = frame.set_index("rule")
    assert by_rule.run_s.encode == 26.0 and by_rule.overhead_s.encode == 4.0
    assert by_rule.run_s.stats == 7.5 and by_rule.overhead_s.stats == 2.5
    assert pd.isna(by_rule.overhead_s.sts)  # a record without the seconds of its work: unknown, not 0
    assert frame.threads.tolist() == [2, 1, 1] and frame.threads.dtype == "Int64"
    assert frame.tokens_per_s.iloc[0] == 5000.0 and frame.tokens_per_s.iloc[1:].isna().all()  # encode only


def test_a_job_above_its_memory_resource_is_named(tmp_path, caplog):
    path = record(tmp_path / "probe.tsv", [5.0, "0:00:05", 700, 800, 690, 695, 1.0, 1.0, 50.0, 5.0])
    frame = jobs.summarise([job("probe", "model=m", path, 750.0, 500)])
    assert frame.peak_share_of_mem.iloc[0] == 150.0
    assert "probe (model=m) peaked at 750 MiB, above its mem_mb resource 500" in caplog.text


def test_a_file_that_is_no_benchmark_record_is_named(tmp_path):
    path = tmp_path / "other.tsv"
    path.write_text("a\tb\n1\t2\n")
    with pytest.raises(ValueError, match="other.tsv.*max_rss"):
        jobs.summarise([job("r", "", path, 1.0, None)])
