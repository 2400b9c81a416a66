"""Workflows through a real single-node SLURM, run the way users run them.

Each test installs the cluster profile with the one-liner from profiles/README.md into a
temporary HOME, runs `snakemake --profile slurm all` and then asks SLURM, not Snakemake,
which jobs it ran. Needs root and .ci/install-slurm.sh; skips otherwise, and fails instead
when POSART_REQUIRE_SLURM=1.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import slurm_cluster
from conftest import REPO, need
from workflow import copy_workflow

# profiles/README.md tells users to run exactly this; the tests check it is still there.
INSTALL_PROFILE = 'mkdir -p ~/.config/snakemake && ln -sfn "$PWD/profiles/slurm" ~/.config/snakemake/slurm'
COMMAND = ["snakemake", "--profile", "slurm", "all"]
SUBMITTED = re.compile(r"Job \d+ has been submitted with SLURM jobid (\d+) \(log: (\S+)\)\.")
REMOTE_RULE = re.compile(r"^(?:rule|checkpoint) (\w+):$", re.MULTILINE)  # local jobs print "localrule x:"

TINY_SNAKEFILE = """
rule all:
    input: "results/summary.txt"

# Named like the workflow's GPU rule, so profiles/default's resources for `encode` apply.
rule encode:
    output: "results/encoded.txt"
    threads: 2
    shell: "scontrol show job $SLURM_JOB_ID > {output}"

rule summarise:
    input: "results/encoded.txt"
    output: "results/summary.txt"
    shell: "echo $SLURM_JOB_ID > {output}"
"""


@pytest.fixture
def cluster(tmp_path_factory):
    """A fresh cluster per test (starts in about a second), stopped even when the test fails."""
    reason = slurm_cluster.unavailable()
    need("POSART_REQUIRE_SLURM", reason is None, f"no test SLURM: {reason}")
    with slurm_cluster.SlurmCluster(tmp_path_factory.mktemp("slurm")) as running:
        yield running


def test_readme_documents_the_profile_install():
    assert INSTALL_PROFILE in (REPO / "profiles" / "README.md").read_text()


def user_env(home: Path) -> dict[str, str]:
    """A user's shell: our venv first on PATH (jobs inherit it via sbatch --export=ALL), a
    fresh HOME, and nothing that would point Snakemake at another profile."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SLURM_") and k not in ("XDG_CONFIG_HOME", "SNAKEMAKE_PROFILE")
    }
    env["HOME"] = str(home)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def encode_resources() -> dict:
    """What the workflow profile asks SLURM for, for rule encode."""
    return yaml.safe_load((REPO / "profiles/default/config.yaml").read_text())["set-resources"]["encode"]


def run_like_a_user(workdir: Path, home: Path, timeout: float) -> subprocess.CompletedProcess:
    env = user_env(home)
    subprocess.run(["bash", "-c", INSTALL_PROFILE], cwd=workdir, env=env, check=True)
    assert (home / ".config/snakemake/slurm/config.yaml").is_file()
    started = time.monotonic()
    result = subprocess.run(COMMAND, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout)
    print(f"`{' '.join(COMMAND)}` in {workdir.name}: {time.monotonic() - started:.1f} s")
    return result


def assert_ran_through_slurm(
    result: subprocess.CompletedProcess, workdir: Path, cluster: slurm_cluster.SlurmCluster
) -> dict[str, str]:
    """Every job Snakemake ran remotely is a COMPLETED SLURM job with its SLURM log on disk;
    returns {slurm job id: rule}."""
    assert result.returncode == 0, f"snakemake failed:\n{result.stderr[-6000:]}\n--- cluster ---\n{cluster.logs()}"
    submitted = SUBMITTED.findall(result.stderr)
    assert submitted, f"nothing was submitted to SLURM:\n{result.stderr[-6000:]}"
    jobs = {job.id: job for job in cluster.jobs()}
    for job_id, log in submitted:
        assert job_id in jobs, f"SLURM has no job {job_id}: {sorted(jobs)}"
        assert jobs[job_id].state == "COMPLETED", jobs[job_id]
        assert (workdir / log).is_file(), f"no SLURM log {log}"
    rules = {job_id: jobs[job_id].comment.removeprefix("rule_").split("_wildcards_")[0] for job_id, _ in submitted}
    assert sorted(rules.values()) == sorted(REMOTE_RULE.findall(result.stderr))
    return rules


@pytest.mark.slurm
@pytest.mark.slow
def test_tiny_workflow_runs_through_slurm(cluster, tmp_path):
    """A two-job workflow with the repository's real profiles: learns nothing about our science,
    everything about profile lookup, the GPU request and job status polling."""
    workdir = tmp_path / "tiny"
    workdir.mkdir()
    (workdir / "Snakefile").write_text(TINY_SNAKEFILE)
    shutil.copytree(REPO / "profiles", workdir / "profiles")

    result = run_like_a_user(workdir, tmp_path / "home", timeout=300)

    rules = assert_ran_through_slurm(result, workdir, cluster)
    assert sorted(rules.values()) == ["encode", "summarise"]
    by_rule = {rule: job_id for job_id, rule in rules.items()}
    encoded = (workdir / "results/encoded.txt").read_text()
    wanted = encode_resources()
    hours, minutes = divmod(wanted["runtime"], 60)
    assert f"JobId={by_rule['encode']} " in encoded
    assert f"TimeLimit={hours:02d}:{minutes:02d}:00" in encoded, encoded
    assert f"TresPerJob=gres:gpu:{wanted['gpu']}" in encoded, encoded
    assert f"CpusPerTres=gres:gpu:{wanted['cpus_per_gpu']}" in encoded, encoded
    assert f"MinMemoryNode={wanted['mem_mb']}M" in encoded, encoded
    assert (workdir / "results/summary.txt").read_text().strip() == by_rule["summarise"]


@pytest.mark.slurm
@pytest.mark.slow
def test_demo_workflow_runs_through_slurm(cluster, tmp_path):
    """The repository's own workflow on its demo data, all targets made through SLURM.

    The demo's config trimmed as a user would for a cluster smoke test: the tiny pretrained pair
    (MiniLM is the local demo's), one post-processing method and the stages with their own
    resources (pretrain, encode and probe ask for a GPU); the full demo's ~200 cluster jobs would
    take half an hour on the one-node test cluster, where each job waits for the single GPU.
    """
    workdir = copy_workflow(tmp_path / "repo")
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    config["models"] = {name: entry for name, entry in config["models"].items() if entry["source"] == "pretrained"}
    config["postprocess"] = {"clip": config["postprocess"]["clip"]}
    config["supervised"]["tasks"], config["sts"]["datasets"], config["wic"]["enabled"] = {}, [], False
    config["wsd"]["enabled"] = config["grammar"]["enabled"] = False
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))

    result = run_like_a_user(workdir, tmp_path / "home", timeout=3000)

    rules = assert_ran_through_slurm(result, workdir, cluster)
    encode_jobs = [job_id for job_id, rule in rules.items() if rule == "encode"]
    assert encode_jobs, rules
    for job_id in encode_jobs:
        assert f"TresPerJob=gres:gpu:{encode_resources()['gpu']}" in cluster.show(job_id)
    # the demo pretrains the tiny pair: each run is a SLURM job with the GPU profiles/default asks for
    pretrain = yaml.safe_load((REPO / "profiles/default/config.yaml").read_text())["set-resources"]["pretrain"]
    pretrain_jobs = [job_id for job_id, rule in rules.items() if rule == "pretrain"]
    assert len(pretrain_jobs) == 2, rules
    for job_id in pretrain_jobs:
        assert f"TresPerJob=gres:gpu:{pretrain['gpu']}" in cluster.show(job_id)
    assert sorted(rule for rule in rules.values() if rule == "probe") == ["probe", "probe"], rules
    check = subprocess.run(
        ["snakemake", "--dry-run", "all"],
        cwd=workdir,
        env=user_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    said = check.stdout + check.stderr
    assert "Nothing to be done" in said, f"targets missing after the SLURM run:\n{said[-6000:]}"
