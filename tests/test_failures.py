"""Failure modes as a new user meets them, end to end (issue R item 6).

One finished run (a tiny random BERT as a `path` model, up to one outlier table) is made
once; each test breaks one thing in its own copy of it (results, Snakemake's metadata and
timestamps included), then checks the message the user reads, that nothing else was
written or replaced, that no leftover (`.part`, a record without its file) remains, and
that the recovery the message advises works. Malformed configs are in test_config.py.
"""

import hashlib
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
import yaml

from tiny_models import perturb
from workflow import BIN, dry_run_jobs, environment, job_stats, snakemake, tiny_model_run

pytestmark = pytest.mark.slow
TARGET = "results/tiny/outliers/sst2.csv"
STATS = "results/tiny/stats/sst2.npz"
CACHE = "results/tiny/activations/corpus/sst2.h5"  # what downstream rules read: a virtual dataset over
SHARD = "results/tiny/activations/corpus/sst2/shard0of1.h5"  # the shard that holds the vectors
READS = {CACHE: STATS, SHARD: CACHE}  # damaged file -> the output of the job that reads it
CHAIN = {"encode": 1, "join_shards": 1, "stats": 1, "outliers": 1}
REBUILT = {CACHE: {k: v for k, v in CHAIN.items() if k != "encode"}, SHARD: CHAIN}  # from the damaged file on


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    workdir, _ = tiny_model_run(tmp_path_factory.mktemp("failures"), TARGET)
    return workdir


@pytest.fixture
def run(finished, tmp_path):
    """A private copy of the finished run, timestamps kept (Snakemake sees it as up to date)."""
    return Path(shutil.copytree(finished, tmp_path / "wf", symlinks=True))


def snapshot(workdir: Path) -> dict[str, str]:
    """{path under results/: sha256} of every file but the benchmark records (timings: a re-run
    job writes other numbers)."""
    return {
        str(path.relative_to(workdir)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((workdir / "results").rglob("*"))
        if path.is_file() and not path.is_relative_to(workdir / "results" / "benchmarks")
    }


def leftovers(workdir: Path) -> list[str]:
    """Interrupted temporaries, and records whose artifact is not there (R item 5)."""
    parts = [str(p) for p in (workdir / "results").rglob("*.part")]
    orphans = [
        str(p)
        for p in (workdir / "results").rglob("*.prov.json")
        if not p.with_name(p.name.removesuffix(".prov.json")).exists()
    ]
    return parts + orphans


def output_of(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def record(path: str) -> str:
    return f"{path}.prov.json"


def test_a_copy_of_the_finished_run_has_nothing_to_do(run):
    assert dry_run_jobs(run, "--cores", "1", TARGET) == {}
    assert leftovers(run) == []


# --- kill -9 while encoding ----------------------------------------------------------------------

BIG = "results/tiny/activations/corpus/big/shard0of1.h5"
BIG_RUN = (BIG, "--config", "corpora={big: {reader: plain_text, file: text/big.txt}}", "encode={window_sentences: 100}")


def write_big_corpus(path: Path, n: int = 3000) -> None:
    """`n` distinct sentences (the demo's SST-2 ones, numbered): an encode of a few seconds."""
    sentences = [line.split("\t")[0] for line in (path.parents[1] / "SST-2/train.tsv").read_text().splitlines()[1:]]
    digits = "zero one two three four five six seven eight nine".split()
    path.write_text(
        "".join(f"{sentences[i % len(sentences)]} {' '.join(digits[int(d)] for d in f'{i:04d}')}\n" for i in range(n))
    )


def h5_contents(path: Path) -> tuple[dict, dict]:
    """Every dataset's bytes and every attribute of an HDF5 file."""
    datasets, attrs = {}, {}
    with h5py.File(path, "r") as h5:
        h5.visititems(
            lambda name, item: datasets.__setitem__(
                name, item[()].tobytes() if item.dtype.kind != "O" else list(item[()])
            )
        )
        for key, value in h5.attrs.items():
            attrs[key] = value.tolist() if isinstance(value, np.ndarray) else value
    return datasets, attrs


def kill_while_writing(workdir: Path, *args: str, timeout: float = 600) -> Path:
    """Start `snakemake ARGS` in its own process group; SIGKILL the group (Snakemake and its
    job) once the encode's temporary is being written, i.e. has grown since first seen.
    Returns that temporary."""
    process = subprocess.Popen(
        [str(BIN / "snakemake"), *args],
        cwd=workdir,
        env=environment(),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    folder, first_size, deadline = workdir / Path(BIG).parent, None, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and process.poll() is None:
            parts = list(folder.glob(f".{Path(BIG).name}.*.part")) if folder.is_dir() else []
            try:
                size = parts[0].stat().st_size if parts else None
            except FileNotFoundError:  # renamed into place meanwhile: the encode ended
                size = None
            if size is not None:
                first_size = first_size or size
                if size > first_size:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
                    assert group_ends(process.pid), "a process of the killed group survived"
                    return parts[0]
            time.sleep(0.005)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    pytest.fail(f"the encode ended (exit {process.returncode}) before it could be killed mid-write")


def group_ends(group: int, wait: float = 10) -> bool:
    """Whether no process of `group` is left (the encode job went down with Snakemake)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_kill_9_while_encoding_then_rerun_gives_a_bit_identical_cache(run):
    write_big_corpus(run / "demo/data/text/big.txt")
    result = snakemake(run, "--cores", "2", *BIG_RUN)
    assert result.returncode == 0, output_of(result)[-4000:]
    uninterrupted = h5_contents(run / BIG)
    before = snapshot(run)

    part = kill_while_writing(run, "--cores", "2", *BIG_RUN, "--forcerun", "encode")
    assert part.is_file() and not (run / BIG).exists() and not (run / record(BIG)).exists()

    # The killed Snakemake left its lock; its message says how to remove it (--unlock).
    result = snakemake(run, "--cores", "2", *BIG_RUN)
    assert result.returncode != 0 and "Directory cannot be locked" in output_of(result)
    assert "--unlock" in output_of(result)
    assert snakemake(run, "--unlock").returncode == 0
    result = snakemake(run, "--cores", "2", *BIG_RUN)
    assert result.returncode == 0, output_of(result)[-4000:]

    assert h5_contents(run / BIG) == uninterrupted
    assert not part.exists() and leftovers(run) == []
    after = snapshot(run)
    assert {k: v for k, v in after.items() if not k.startswith(BIG)} == {
        k: v for k, v in before.items() if not k.startswith(BIG)
    }


# --- a damaged cache -------------------------------------------------------------------------------


@pytest.mark.parametrize("damaged", [CACHE, SHARD])
def test_a_truncated_cache_is_named_nothing_is_computed_from_it_and_delete_rerun_recovers(finished, run, damaged):
    before = snapshot(run)
    os.truncate(run / damaged, (run / damaged).stat().st_size // 2)

    result = snakemake(run, "--cores", "2", TARGET)
    output = output_of(result)
    assert result.returncode != 0
    assert f"{record(damaged)} does not describe {damaged}" in output
    assert "delete both and rerun" in output
    # Nothing was computed from the damaged file. The job that was to read it is the only
    # one that started: Snakemake deleted its old output first (its input had changed), as
    # it does for every job it re-runs; every other result is untouched.
    after = snapshot(run)
    assert set(before) - set(after) == {READS[damaged], record(READS[damaged])}
    assert all(after[path] == before[path] for path in after if path != damaged)
    assert leftovers(run) == []

    (run / damaged).unlink()
    (run / record(damaged)).unlink()
    result = snakemake(run, "--cores", "2", TARGET, READS[damaged])
    assert result.returncode == 0, output_of(result)[-4000:]
    assert job_stats(output_of(result)) == REBUILT[damaged]
    assert h5_contents(run / damaged) == h5_contents(finished / damaged)
    assert (run / TARGET).read_bytes() == (finished / TARGET).read_bytes()
    for name, array in np.load(run / STATS).items():
        np.testing.assert_array_equal(array, np.load(finished / STATS)[name], err_msg=name)
    assert dry_run_jobs(run, "--cores", "1", TARGET) == {} and leftovers(run) == []


def test_a_damaged_shard_whose_timestamp_was_kept_is_named_by_the_job_reading_it(run):
    """A copy that kept times (cp -p, rsync -t) cut short: Snakemake sees nothing to re-run, and a
    new job reading the joined cache meets the shard through the virtual dataset."""
    shard = run / SHARD
    times = shard.stat()
    os.truncate(shard, times.st_size // 2)
    os.utime(shard, ns=(times.st_atime_ns, times.st_mtime_ns))
    before = snapshot(run)
    result = snakemake(run, "--cores", "2", "results/tiny/geometry/raw.csv")
    output = output_of(result)
    assert result.returncode != 0 and job_stats(output) == {"geometry": 1}
    assert f"reads from shard {SHARD}, which is truncated or corrupt" in output
    assert "delete it and rerun" in output
    assert snapshot(run) == before and leftovers(run) == []


# --- data and folders ----------------------------------------------------------------------------


def test_a_data_file_that_fails_its_checksum_is_named_and_nothing_downstream_is_written(run):
    data = run / "demo/data/SST-2/train.tsv"
    data.write_text(data.read_text().replace(" the ", " The ", 1))  # one character, as an edit would
    before = snapshot(run)
    result = snakemake(run, "--cores", "2", TARGET)
    output = output_of(result)
    assert result.returncode != 0 and "checksum mismatch" in output
    assert "demo/data/SST-2/train.tsv: expected sha256" in output and "demo/data/SHA256SUMS" in output
    after = snapshot(run)  # only the prepared table is gone: Snakemake deletes what it re-runs
    prepared = "results/data/corpus/sst2.csv"
    assert set(before) - set(after) == {prepared, record(prepared)}
    assert all(after[path] == before[path] for path in after) and leftovers(run) == []


def chmod_tree(root: Path, directories: int, files: int) -> None:
    for path in [root, *root.rglob("*")]:
        path.chmod(directories if path.is_dir() else files)


READ_ONLY = {
    # a folder made read-only, its files not: without posart.writable, Snakemake fails
    # deleting the old output, with a traceback from inside its own code
    "one folder": (
        lambda run: (run / "results/tiny/outliers").chmod(0o555),
        [TARGET, "results/tiny/postprocess/whiten.npz", "--forcerun", "outliers"],
        "results/tiny/outliers/ is not writable; this run must write results/tiny/outliers/sst2.csv\n",
    ),
    # the whole tree (chmod -R a-w results): new outputs in existing and in new folders
    "whole tree": (
        lambda run: chmod_tree(run / "results", 0o555, 0o444),
        ["results/tiny/outliers/qqp.csv"],
        "results/data/corpus/ is not writable; this run must write results/data/corpus/qqp.csv\n",
    ),
}


@pytest.mark.parametrize("case", READ_ONLY)
def test_a_read_only_results_folder_stops_the_run_before_any_job_naming_it(run, case, unprivileged):
    make_read_only, targets, expected = READ_ONLY[case]
    before = snapshot(run)
    make_read_only(run)
    try:
        result = snakemake(run, "--cores", "2", *targets, prefix=unprivileged)
    finally:
        chmod_tree(run / "results", 0o755, 0o644)
    output = output_of(result)
    assert result.returncode != 0 and "nothing was run: the jobs to run cannot write their outputs" in output
    assert expected in output
    assert "Traceback" not in output and "site-packages" not in output, output[-3000:]
    assert snapshot(run) == before and leftovers(run) == []


# --- model identity (item 1): caches of two weights never meet ------------------------------------


def test_a_job_refuses_inputs_made_from_two_weights_of_one_model_naming_both(run, tmp_path):
    """The entry now names other weights of the same architecture and the chain is re-made with
    them, but the clip fit made from the old weights is put back (copied in behind the workflow's
    back, as newest, so Snakemake keeps it): the geometry job reads the new cache and the old fit."""
    fit, geometry = "results/tiny/postprocess/clip.npz", "results/tiny/geometry/clip.csv"
    assert snakemake(run, "--cores", "2", fit).returncode == 0
    old = {name: (run / name).read_bytes() for name in (fit, record(fit))}
    config = yaml.safe_load((run / "config.yaml").read_text())
    other = shutil.copytree(config["models"]["tiny"]["path"], tmp_path / "other-bert")
    perturb(other)
    config["models"]["tiny"]["path"] = str(other)
    (run / "config.yaml").write_text(yaml.safe_dump(config))
    assert snakemake(run, "--cores", "2", fit).returncode == 0
    for name, content in old.items():
        (run / name).write_bytes(content)
    before = snapshot(run)
    result = snakemake(run, "--cores", "2", geometry)
    output = output_of(result)
    named = re.search(
        r"MixedWeightsError: model 'tiny' comes from different weights in (\S+) \(weight hash "
        r"[0-9a-f]{16}\) and (\S+) \(weight hash [0-9a-f]{16}\)",
        output,
    )
    assert result.returncode != 0 and named and set(named.groups()) == {CACHE, fit}, output[-3000:]
    assert job_stats(output) == {"geometry": 1}, output[-3000:]
    assert not (run / geometry).exists() and snapshot(run) == before and leftovers(run) == []
