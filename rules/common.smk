# Paths, names and input functions shared by all rules. No science here: the config was
# loaded and checked by posart.config (Snakefile); datasets come from posart.registry.
import re

import pandas as pd

from posart import download, identity, prepare, registry
from posart.pretrain import corpus as pretrain_corpus

REGISTRY = registry.load()
DATA_DIR = config["data_dir"]
MODELS = list(config["models"])
CORPORA = list(config["corpora"])
METHODS = ["raw"] + list(config["postprocess"])
# Methods fitted once on a corpus (a fit_postprocess job); `fit: eval` methods fit inside each task.
FITTED = [name for name, entry in config["postprocess"].items() if entry.get("fit", "corpus") == "corpus"]
CLIPS = [name for name, entry in config["postprocess"].items() if entry["method"] == "clip"]
STS_DATASETS = config["sts"]["datasets"]
TASKS = list(config["supervised"]["tasks"])
WIC_ON = config["wic"]["enabled"]
GEOMETRY_CORPUS = config["geometry"]["corpus"]
OUTLIER_CORPORA = config["outliers"]["corpora"]
PRETRAIN = config["pretrain"]
# Models this workflow pretrains, and the run that makes each.
PRETRAINED_RUNS = {name: e["run"] for name, e in config["models"].items() if e["source"] == "pretrained"}
PRETRAINED_MODELS = list(PRETRAINED_RUNS)
WSD_ON = config["wsd"]["enabled"]
GRAMMAR_ON = config["grammar"]["enabled"]
ORIGIN_CORPUS = config["origin"]["corpus"]
PROBE_ON = config["probe"]["enabled"]
# The outlier dims Figure 5 marks: those origin traces, else those of the first outlier corpus.
TRACED_CORPORA = [ORIGIN_CORPUS] if ORIGIN_CORPUS else OUTLIER_CORPORA[:1]
TABLE_FORMATS = ["csv", "md", "tex"]
# Every table encoded for a model: results/data/{table}.csv -> results/{model}/activations/{table}.h5.
ENCODED = prepare.prepared_tables(config)


def _names(values):
    """A wildcard constraint matching exactly the given names."""
    return "|".join(re.escape(v) for v in values) or "(?!)"


wildcard_constraints:
    model=_names(MODELS),
    dataset=_names(ENCODED),
    corpus=_names(CORPORA),
    method=_names(METHODS),
    fitted=_names(FITTED),
    task=_names(TASKS),
    shard=r"\d+",
    run=_names(PRETRAIN["runs"]),
    pcorpus=_names(PRETRAIN["corpora"]),
    preset="paper|small|tiny",
    nshards=r"\d+",
    split="train|dev|test",
    layer=r"\d+",


def data_files(relative_paths):
    return [f"{DATA_DIR}/{path}" for path in relative_paths]


WIC_FILES = prepare.files_wic(config["wic"]["split"])
STS_FILES = prepare.files_sts(STS_DATASETS)
WSD_TARGET_FILES = prepare.files_wsd_targets(config["wsd"]["sets"])
WSD_TRAINING_FILES = prepare.files_wsd_training()
WORDNET_INDEX = f"{config['wsd']['wordnet_dir']}/index.sense"
GRAMMAR_FILES = prepare.files_grammar()
SUPERVISED_TRAINING = {
    key: config["supervised"][key]
    for key in ("epochs", "lr", "seed", "special_tokens", "bias", "convergence_tolerance")
}


def get_corpus_relative(wildcards):
    return prepare.files_corpus(config["corpora"][wildcards.corpus])


def get_corpus_files(wildcards):
    return data_files(get_corpus_relative(wildcards))


def get_corpus_entry(wildcards):
    return config["corpora"][wildcards.corpus]


def get_probe_relative(wildcards):
    return REGISTRY.dataset(config["probe"]["dataset"]).files([wildcards.split])


def get_probe_files(wildcards):
    return data_files(get_probe_relative(wildcards))


def get_probe_split(wildcards):
    """What one split's table depends on (not the training settings, so those re-run only the probe)."""
    section = config["probe"]
    return {"dataset": section["dataset"], "sample": section["sample"][wildcards.split], "seed": section["seed"]}


def get_traced_outliers(wildcards):
    return [f"results/{wildcards.model}/outliers/{corpus}.csv" for corpus in TRACED_CORPORA]


def get_probe_layer_files(wildcards):
    """Every model's per-layer probe files: the layers are those the probe checkpoint reported."""
    if not PROBE_ON:
        return []
    files = []
    for model in MODELS:
        accuracy = checkpoints.probe.get(model=model).output.accuracy
        layers = sorted(set(pd.read_csv(accuracy)["layer"]))
        files += [f"results/{model}/probe/layer{layer}.safetensors" for layer in layers]
    return files


def get_supervised_relative(wildcards):
    return prepare.files_supervised(wildcards.task)


def get_supervised_files(wildcards):
    return data_files(get_supervised_relative(wildcards))


def get_supervised_params(wildcards):
    section = config["supervised"]
    return {
        "task": wildcards.task,
        "dev_fraction": section["dev_fraction"],
        "seed": section["seed"],
        "limit": section["tasks"][wildcards.task]["limit"],
    }


def get_batch_size(wildcards):
    return config["supervised"]["tasks"][wildcards.task]["batch_size"]


def get_n_classes(wildcards):
    return REGISTRY.dataset(wildcards.task).n_classes


def get_model_entry(wildcards):
    return config["models"][wildcards.model]


def get_model_signature(wildcards):
    """Cheap stamp of the model's weights on disk (sizes, mtimes, package version)."""
    return identity.signature(config["models"][wildcards.model])


def get_granularity(wildcards):
    return ENCODED[wildcards.dataset]


def get_shard_files(wildcards):
    n = config["encode"]["shards"]
    return [f"results/{wildcards.model}/activations/{wildcards.dataset}/shard{k}of{n}.h5" for k in range(n)]


def cache(table):
    return f"results/{{model}}/activations/{table}.h5"


def get_fit_files(wildcards):
    """The corpus-fitted post-processing map a method needs (none for raw and `fit: eval`)."""
    if wildcards.method not in FITTED:
        return []
    return [f"results/{wildcards.model}/postprocess/{wildcards.method}.npz"]


def get_eval_fit(wildcards):
    """The method entry of a method fitted on the evaluated sentences (`fit: eval`), else None."""
    if wildcards.method == "raw" or wildcards.method in FITTED:
        return None
    return config["postprocess"][wildcards.method]


def get_fit_inputs(wildcards):
    entry = config["postprocess"][wildcards.fitted]
    return {"stats": f"results/{wildcards.model}/stats/{entry['corpus']}.npz"}


def get_fit_params(wildcards):
    """The method entry, with per-model choices (dims, scope) resolved for this model."""
    entry = dict(config["postprocess"][wildcards.fitted])
    for key in ("dims", "scope"):
        if isinstance(entry.get(key), dict):
            entry[key] = entry[key][wildcards.model]
    return entry


def get_fit_criterion(wildcards):
    """The outlier criterion, for a clip of detected dims (None otherwise: other fits ignore it)."""
    entry = config["postprocess"][wildcards.fitted]
    if entry["method"] == "clip" and entry["dims"] == "detected":
        return config["outliers"]["criterion"]
    return None


def get_per_method(pattern):
    """An input function: one file per post-processing method (raw included)."""

    def get_files(wildcards):
        return expand(pattern, model=wildcards.model, method=METHODS, allow_missing=True)

    return get_files


def get_supervised_parts(wildcards):
    return expand(
        "results/{model}/tasks/supervised/{task}/{method}.csv", model=wildcards.model, task=TASKS, method=METHODS
    )


def get_pretrain_corpus_entry(wildcards):
    return PRETRAIN["corpora"][wildcards.pcorpus]


def get_pretrain_corpus_files(wildcards):
    """The WikiExtractor files the corpus's glob patterns match under data_dir (none: an error naming it)."""
    patterns = [f"{DATA_DIR}/{pattern}" for pattern in PRETRAIN["corpora"][wildcards.pcorpus]["files"]]
    return [str(path) for path in pretrain_corpus.expand(patterns)]


def get_pretrain_run(wildcards):
    return PRETRAIN["runs"][wildcards.run]


def get_pretrain_prepared(wildcards):
    run = PRETRAIN["runs"][wildcards.run]
    return f"results/pretrain/data/{run['corpus']}/{run['preset']}/corpus.json"


def get_pretrained_summary(wildcards):
    """A pretrained model's weights are re-identified whenever its run is retrained."""
    run = PRETRAINED_RUNS.get(wildcards.model)
    return [f"results/pretrain/{run}/summary.json"] if run else []


def get_pretrained(pattern):
    """One file per pretrained model's run, in PRETRAINED_MODELS order."""
    return [pattern.format(run=PRETRAINED_RUNS[model]) for model in PRETRAINED_MODELS]


def per_model(pattern):
    return expand(pattern, model=MODELS)


def all_targets():
    targets = []
    for corpus in OUTLIER_CORPORA:
        targets += expand("results/{model}/outliers/{corpus}.csv", model=MODELS, corpus=corpus)
    if OUTLIER_CORPORA:
        targets += per_model("results/paper/fig1_mean_vectors_{model}.png")
    if GEOMETRY_CORPUS:
        targets += per_model("results/{model}/geometry.csv") + ["results/paper/fig6_geometry.png"]
    if WIC_ON:
        targets += per_model("results/{model}/tasks/wic.csv")
        targets += expand("results/paper/table1_wic.{ext}", ext=TABLE_FORMATS)
    if STS_DATASETS:
        targets += per_model("results/{model}/tasks/sts.csv")
        targets += expand("results/paper/table2_sts.{ext}", ext=TABLE_FORMATS)
    if TASKS:
        targets += per_model("results/{model}/tasks/supervised.csv")
        targets += expand("results/paper/table3_supervised.{ext}", ext=TABLE_FORMATS)
    if PRETRAINED_MODELS and OUTLIER_CORPORA:
        targets += expand("results/paper/table4_pretraining.{ext}", ext=TABLE_FORMATS)
        targets += ["results/paper/fig_pretraining_curves.png"]
    if WSD_ON:
        targets += per_model("results/{model}/tasks/wsd.csv")
        targets += expand("results/paper/table_wsd.{ext}", ext=TABLE_FORMATS)
    if GRAMMAR_ON:
        targets += per_model("results/{model}/tasks/grammar.csv")
        targets += expand("results/paper/table_grammar.{ext}", ext=TABLE_FORMATS)
    if ORIGIN_CORPUS:
        for name in ("embeddings.csv", "position_rows.csv", "layernorm_ranks.csv", "layernorm_ranks.png"):
            targets += per_model(f"results/{{model}}/origin/{name}")
        targets += per_model("results/paper/fig3_position_embeddings_{model}.png")
    if PROBE_ON:
        targets += per_model("results/{model}/probe/accuracy.csv") + per_model(
            "results/{model}/probe/contributions.csv"
        )
        targets += per_model("results/paper/fig5_probe_{model}.png")
    return targets + ["results/paper/jobs.csv"]


def applies_methods():
    """Whether a stage scores post-processed vectors, so that the fits (and their statistics) run."""
    return bool(GEOMETRY_CORPUS or WIC_ON or STS_DATASETS or TASKS or WSD_ON or GRAMMAR_ON)


def stats_corpora():
    """Corpora whose statistics the run computes: outlier detection (the traced one included),
    and the post-processing fits."""
    fitted = [config["postprocess"][name]["corpus"] for name in FITTED] if applies_methods() else []
    traced = TRACED_CORPORA if ORIGIN_CORPUS or PROBE_ON else []
    return sorted(set(OUTLIER_CORPORA) | set(fitted) | set(traced))


def heavy_jobs():
    """(rule name, wildcards) of each job with a `benchmark` record that the targets need.

    These are the rows of results/paper/jobs.csv; tests/test_workflow.py checks them
    against the jobs of a dry run, so a new heavy step must be added here too.
    """
    shards = config["encode"]["shards"]
    # ENCODED lists every table of the run; a corpus is encoded only when something reads it.
    read = {f"corpus/{corpus}" for corpus in stats_corpora()} | (
        {f"corpus/{GEOMETRY_CORPUS}"} if GEOMETRY_CORPUS else set()
    )
    tables = [table for table in ENCODED if not table.startswith("corpus/") or table in read]
    scored = [
        name
        for name, on in (
            ("geometry", GEOMETRY_CORPUS),
            ("wic", WIC_ON),
            ("sts", STS_DATASETS),
            ("wsd", WSD_ON),
            ("grammar", GRAMMAR_ON),
        )
        if on
    ]
    runs = sorted(set(PRETRAINED_RUNS.values()))
    prepared = sorted({(PRETRAIN["runs"][run]["corpus"], PRETRAIN["runs"][run]["preset"]) for run in runs})
    jobs = [("pretrain_corpus", {"pcorpus": pcorpus, "preset": preset}) for pcorpus, preset in prepared]
    jobs += [("pretrain", {"run": run}) for run in runs]
    for model in MODELS:
        jobs.append(("model_identity", {"model": model}))
        for table in tables:
            jobs += [
                ("encode", {"model": model, "dataset": table, "shard": k, "nshards": shards}) for k in range(shards)
            ]
        jobs += [("stats", {"model": model, "corpus": corpus}) for corpus in stats_corpora()]
        jobs += [(name, {"model": model, "method": method}) for name in scored for method in METHODS]
        jobs += [
            ("supervised", {"model": model, "task": task, "method": method}) for task in TASKS for method in METHODS
        ]
        jobs += [("origin", {"model": model})] if ORIGIN_CORPUS else []
        jobs += [("probe", {"model": model})] if PROBE_ON else []
    return jobs


def get_jobs(wildcards):
    """Each heavy job: its rule name, its wildcards as text, its benchmark record and its first output."""
    out = []
    for name, values in heavy_jobs():
        declared = getattr(rules, name)
        out.append(
            {
                "rule": name,
                "job": " ".join(f"{key}={value}" for key, value in values.items()),
                "benchmark": str(declared.benchmark).format(**values),
                "output": str(declared.output[0]).format(**values),
            }
        )
    return out


def get_job_benchmarks(wildcards):
    return [job["benchmark"] for job in get_jobs(wildcards)]


def get_job_outputs(wildcards):
    return [job["output"] for job in get_jobs(wildcards)]
