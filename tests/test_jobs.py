"""The jobs summary: Snakemake benchmark records and exact peaks, one row per job, by hand."""

import pandas as pd
import pytest

from posart import jobs

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def record(path, *rows):
    path.write_text(HEADER + "".join("\t".join(map(str, row)) + "\n" for row in rows))
    return path


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
            {"rule": "stats", "job": "model=m corpus=c", "benchmark": stats, "peak_rss_mb": 400.0, "mem_mb": 300},
            {
                "rule": "encode",
                "job": "model=m dataset=d shard=0 nshards=1",
                "benchmark": encode,
                "peak_rss_mb": 1024.0,
                "mem_mb": 8000,
            },
            {"rule": "sts", "job": "model=m method=raw", "benchmark": repeated, "peak_rss_mb": None, "mem_mb": None},
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


def test_a_job_above_its_memory_resource_is_named(tmp_path, caplog):
    path = record(tmp_path / "probe.tsv", [5.0, "0:00:05", 700, 800, 690, 695, 1.0, 1.0, 50.0, 5.0])
    frame = jobs.summarise(
        [{"rule": "probe", "job": "model=m", "benchmark": path, "peak_rss_mb": 750.0, "mem_mb": 500}]
    )
    assert frame.peak_share_of_mem.iloc[0] == 150.0
    assert "probe (model=m) peaked at 750 MiB, above its mem_mb resource 500" in caplog.text


def test_a_file_that_is_no_benchmark_record_is_named(tmp_path):
    path = tmp_path / "other.tsv"
    path.write_text("a\tb\n1\t2\n")
    with pytest.raises(ValueError, match="other.tsv.*max_rss"):
        jobs.summarise([{"rule": "r", "job": "", "benchmark": path, "peak_rss_mb": 1.0, "mem_mb": None}])
