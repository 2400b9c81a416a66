"""The pretrain stage in the workflow: pretrained models are planned after their runs, identified
like any other model, and Table 4 is a target whenever the config names a pretrained model."""

from __future__ import annotations

import pytest

from posart import identity
from workflow import copy_workflow, dry_run_jobs, snakemake


def test_pretrained_source_names_its_run_and_says_when_untrained(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    entry = {"source": "pretrained", "run": "tiny-pe"}
    assert identity.signature(entry) == {"source": "pretrained", "run": "tiny-pe"}  # nothing read from disk
    with pytest.raises(identity.ModelLoadError, match="run 'tiny-pe' has not been trained yet"):
        identity.resolve(entry)
    model = tmp_path / "results/pretrain/tiny-pe/model"
    model.mkdir(parents=True)
    (model / "config.json").write_text("{}")
    assert identity.resolve(entry)[:2] == ("results/pretrain/tiny-pe/model", "pretrained:tiny-pe")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return copy_workflow(tmp_path_factory.mktemp("pretrain_workflow"))


def test_demo_plans_the_pair_before_its_analyses(workdir):
    jobs = dry_run_jobs(workdir)
    assert (jobs["pretrain_corpus"], jobs["pretrain"], jobs["table4_pretraining"]) == (1, 2, 1)
    assert jobs["model_identity"] == 3  # minilm and the pair, each hashed once
    result = snakemake(workdir, "-n", "results/tiny-nope/identity.json")
    planned = result.stdout + result.stderr
    assert result.returncode == 0, planned[-3000:]
    assert "rule pretrain:" in planned and "wildcards: run=tiny-nope" in planned


def test_run_overrides_merge_into_the_demo_runs_and_are_checked(workdir):
    jobs = dry_run_jobs(workdir, "--config", "pretrain={runs: {tiny-pe: {seed: 1}}}")
    assert jobs["pretrain"] == 2  # tiny-nope kept from config.yaml, tiny-pe with its new seed
    result = snakemake(workdir, "-n", "--config", "pretrain={runs: {tiny-pe: {corpus: nope}}}")
    assert result.returncode != 0 and "pretrain.runs.tiny-pe.corpus" in result.stdout + result.stderr
