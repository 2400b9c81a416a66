"""Outputs and their records: file modes, leftovers of killed jobs, stale records, mixed weights,
the code that ran, and what `posart audit` checks. No Snakemake here: a stand-in job object."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import h5py
import numpy as np
import pandas as pd
import pytest

from posart import adapter, atomic, checkout, cli, lineage, provenance

REPO = Path(__file__).resolve().parents[1]
HASH_A, HASH_B = "a" * 64, "b" * 64


@pytest.fixture
def umask():
    """Set a umask for one test and restore the previous one."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield lambda value: os.umask(value)
    os.umask(previous)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_atomic_outputs_honour_the_umask(tmp_path, umask, mask, mode):
    umask(mask)
    atomic.write_text(tmp_path / "a.txt", "x")
    atomic.write_csv(tmp_path / "b.csv", pd.DataFrame({"x": [1]}))
    with atomic.atomic_path(tmp_path / "c.h5") as tmp, h5py.File(tmp, "w") as h5:
        h5["x"] = np.zeros(3)
    for name in ("a.txt", "b.csv", "c.h5"):
        assert (tmp_path / name).stat().st_mode & 0o777 == mode, name


KILLED_WRITER = """
import sys, time
from posart.atomic import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_bytes(b"half an encode")
    print("writing", flush=True)
    time.sleep(60)
"""


def test_a_killed_write_leaves_a_temporary_that_the_next_write_of_that_target_removes(tmp_path):
    target = tmp_path / "shard0of2.h5"
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "writing"
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    [leftover] = atomic.temporaries(target)
    assert leftover.read_bytes() == b"half an encode" and not target.exists()
    # Temporaries of other targets (a concurrent shard, the target's own record) are not touched.
    others = [tmp_path / ".shard1of2.h5.0123abcd.part", tmp_path / ".shard0of2.h5.prov.json.0123abcd.part"]
    for other in others:
        other.write_text("another job's")
    atomic.write_text(target, "complete")
    assert target.read_text() == "complete"
    assert not leftover.exists() and atomic.temporaries(target) == []
    assert all(other.exists() for other in others)


class Job(SimpleNamespace):
    """The parts of Snakemake's `snakemake` object that posart.adapter reads."""


def job(tmp_path, inputs=(), outputs=("out.txt",), scriptdir=REPO / "scripts"):
    return Job(
        input=[str(p) for p in inputs],
        output=[str(tmp_path / o) for o in outputs],
        params={},
        resources={"mem_mb": 1000},
        threads=2,
        log=[str(tmp_path / "job.log")],
        rule="demo",
        scriptdir=str(scriptdir),
        wildcards={},
    )


def artifact(path: Path, text: str, models: dict | None = None) -> Path:
    """A file with a provenance record, as an earlier job would have left it."""
    path.write_text(text)
    provenance.write([str(path)], rule="earlier", inputs={}, params={}, extra={"models": models or {}})
    return path


def run_job(snakemake, body=lambda record: None):
    with adapter.run(snakemake) as record:
        body(record)
        for output in snakemake.output:
            atomic.write_text(output, "result")


def test_a_job_records_the_models_its_inputs_descend_from(tmp_path):
    wic = artifact(tmp_path / "wic.h5", "cache", {"minilm": HASH_A})
    table = artifact(tmp_path / "other.csv", "table", {"bert": HASH_B})
    raw = tmp_path / "raw.tsv"
    raw.write_text("data")
    snakemake = job(tmp_path, [wic, table, raw])
    run_job(snakemake, lambda record: time.sleep(0.05))
    record = provenance.read(snakemake.output[0])
    assert record["models"] == {"bert": HASH_B, "minilm": HASH_A}
    assert record["mem_mb"] == 1000 and record["peak_rss_mb"] > 0  # what the job asked for, and used
    assert record["threads"] == 2 and 0.05 <= record["run_s"] < 5  # its threads, and the time of its body
    assert record["inputs"][str(raw)] == provenance.sha256(raw)
    assert record["inputs"][str(wic)] == provenance.read(wic)["sha256"]
    assert record["code"]["package"] == str(REPO / "src" / "posart")
    assert record["code"]["package_sha256"] == checkout.source_sha256()


def test_inputs_with_two_weight_hashes_of_one_model_are_refused_naming_both(tmp_path):
    cache = artifact(tmp_path / "wic.h5", "cache", {"minilm": HASH_A})
    fit = artifact(tmp_path / "clip.npz", "fit", {"minilm": HASH_B})
    snakemake = job(tmp_path, [cache, fit])
    with pytest.raises(lineage.MixedWeightsError, match="minilm") as error:
        run_job(snakemake)
    assert str(cache) in str(error.value) and str(fit) in str(error.value)
    assert not Path(snakemake.output[0]).exists() and not provenance.sidecar(snakemake.output[0]).exists()
    assert "MixedWeightsError" in (tmp_path / "job.log").read_text()


def test_a_job_whose_own_weights_differ_from_its_inputs_is_refused(tmp_path):
    identity = artifact(tmp_path / "identity.json", "{}", {"minilm": HASH_A})
    model = {"name": "minilm", "location": "/models/minilm", "weight_hash": HASH_B}
    with pytest.raises(lineage.MixedWeightsError, match="/models/minilm"):
        run_job(job(tmp_path, [identity]), lambda record: record.update(model=model))


def test_a_failed_job_leaves_no_record_of_an_output_it_did_not_write(tmp_path):
    output = tmp_path / "out.txt"
    artifact(output, "old result")
    output.unlink()  # Snakemake deletes a job's outputs before it runs
    stale_tmp = tmp_path / ".out.txt.0123abcd.part"
    stale_tmp.write_text("from a killed run")

    def fail(record):
        raise RuntimeError("the job fails")

    with pytest.raises(RuntimeError, match="the job fails"):
        run_job(job(tmp_path), fail)
    assert not provenance.sidecar(output).exists() and not stale_tmp.exists()


def test_an_input_changed_behind_its_record_is_refused(tmp_path):
    table = artifact(tmp_path / "table.csv", "a,b\n1,2\n")
    assert provenance.verified(table)["sha256"] == provenance.sha256(table)
    os.utime(table, ns=(1, 1))  # touched, same content: re-hashed and accepted
    assert provenance.verified(table)
    table.write_text("a,b\n1,3\n")
    with pytest.raises(provenance.StaleRecordError, match="sha256"):
        run_job(job(tmp_path, [table]))


def test_a_job_importing_another_checkout_is_refused(tmp_path):
    scripts = tmp_path / "scripts"
    (tmp_path / "src" / "posart").mkdir(parents=True)
    scripts.mkdir()
    (scripts / "posart").symlink_to("../src/posart")
    with pytest.raises(checkout.WrongCheckoutError, match=str(tmp_path / "src" / "posart")):
        run_job(job(tmp_path, scriptdir=scripts))


def test_jobs_get_this_checkout_first_on_their_python_path(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(["/elsewhere/src", str(tmp_path)]))
    checkout.pin_jobs(tmp_path)
    assert os.environ["PYTHONPATH"].split(os.pathsep) == [str(tmp_path), "/elsewhere/src"]


def test_package_source_hash_follows_its_files(tmp_path):
    package = tmp_path / "posart"
    (package / "__pycache__").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n")
    before = checkout.source_sha256(package)
    (package / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"bytecode")
    assert checkout.source_sha256.__wrapped__(package) == before
    (package / "a.py").write_text("x = 2\n")
    assert checkout.source_sha256.__wrapped__(package) != before


def audit(path, *flags):
    return subprocess.run(
        [sys.executable, "-m", "posart.cli", "audit", str(path), *flags],
        capture_output=True,
        text=True,
        cwd=path.parent,
    )


def chain_of_two(tmp_path, fit_hash=HASH_A):
    """cache -> fit -> result, as records written by jobs (the fit from other weights if asked)."""
    cache = artifact(tmp_path / "cache.h5", "cache", {"minilm": HASH_A})
    fit = tmp_path / "fit.npz"
    fit.write_text("fit")
    provenance.write(
        [str(fit)],
        rule="fit",
        inputs={str(cache): provenance.sha256(cache)},
        params={},
        extra={"models": {"minilm": fit_hash}},
    )
    result = tmp_path / "result.csv"
    result.write_text("numbers")
    provenance.write(
        [str(result)],
        rule="task",
        params={},
        extra={"models": {"minilm": HASH_A}},
        inputs={str(cache): provenance.sha256(cache), str(fit): provenance.sha256(fit)},
    )
    return cache, fit, result


def test_audit_passes_a_sound_chain(tmp_path):
    _, _, result = chain_of_two(tmp_path)
    done = audit(result)
    assert done.returncode == 0, done.stderr
    assert "rule task" in done.stdout and "package" in done.stdout and not done.stderr


def test_audit_names_missing_and_changed_artifacts(tmp_path):
    cache, fit, result = chain_of_two(tmp_path)
    fit.unlink()
    cache.write_text("another cache")
    done = audit(result)
    assert done.returncode == 1
    assert f"{fit}: the artifact is missing" in done.stderr
    assert f"{cache}: its sha256 is" in done.stderr


def test_audit_flags_a_chain_that_mixes_weights_of_one_model(tmp_path):
    _, fit, result = chain_of_two(tmp_path, fit_hash=HASH_B)
    done = audit(result, "--trust-mtime")
    assert done.returncode == 1
    assert "model 'minilm' mixes 2 sets of weights" in done.stderr and str(fit) in done.stderr


def test_audit_flags_a_raw_input_changed_since_it_was_read(tmp_path):
    raw = tmp_path / "train.tsv"
    raw.write_text("sentence\tlabel\n")
    table = tmp_path / "table.csv"
    table.write_text("t")
    provenance.write([str(table)], rule="prepare", params={}, inputs={str(raw): provenance.sha256(raw)})
    raw.write_text("sentence\tlabel\nmore\t1\n")
    assert cli.main(["audit", str(table)]) == 1


def test_leftover_record_of_a_deleted_artifact_is_reported(tmp_path, capsys):
    result = artifact(tmp_path / "result.csv", "numbers")
    result.unlink()
    assert cli.main(["audit", str(result)]) == 1
    assert "the artifact is missing" in capsys.readouterr().err
    record = json.loads(provenance.sidecar(result).read_text())
    assert record["size"] == len("numbers") and record["mtime_ns"] > 0


def test_audit_without_a_record_says_where_it_looked(tmp_path, capsys):
    assert cli.main(["audit", str(tmp_path / "nothing.csv")]) == 2
    assert "nothing.csv.prov.json" in capsys.readouterr().err
