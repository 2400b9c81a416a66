# Paths, names and input functions shared by all rules. No science here.
import os
import re
import sys

# The workflow imports the package from this checkout, and so do its jobs: Snakemake
# only appends the scripts folder to a script's sys.path, after any installed posart, so
# jobs get this checkout's src first on PYTHONPATH (and refuse to run with another copy).
sys.path.insert(0, os.path.join(workflow.basedir, "src"))

from posart import checkout, download, identity, prepare

checkout.pin_jobs(os.path.join(workflow.basedir, "src"))


def canonical(value):
    """Dicts with sorted keys, recursively: Snakemake compares params by their text, so key
    order (which differs between YAML files and --config) must not look like a change."""
    if isinstance(value, dict):
        return {key: canonical(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    return value


_sorted = canonical(config)
config.clear()
config.update(_sorted)

DATA_DIR = config["data_dir"]
MODELS = list(config["models"])
CORPORA = list(config["corpora"])
METHODS = ["raw"] + list(config["postprocess"])
STS_DATASETS = config["sts"]["datasets"]
TASKS = list(config["supervised"]["tasks"])
WIC_ON = config["wic"]["enabled"]
GEOMETRY_CORPUS = config["geometry"]["corpus"]
OUTLIER_CORPORA = config["outliers"]["corpora"]


def _names(values):
    """A wildcard constraint matching exactly the given names."""
    return "|".join(re.escape(v) for v in values) or "(?!)"


def check_references():
    """Config cross-references the schema cannot express; fail before any job runs."""
    used = set(OUTLIER_CORPORA) | {e["corpus"] for e in config["postprocess"].values()}
    used |= {GEOMETRY_CORPUS} if GEOMETRY_CORPUS else set()
    for name in sorted(used - set(CORPORA)):
        raise ValueError(f"config: corpus {name!r} is used (outliers.corpora, postprocess.*.corpus "
                         f"or geometry.corpus) but not defined under `corpora`")
    for method, entry in config["postprocess"].items():
        if entry["method"] == "clip" and entry.get("dims", "detected") == "detected" \
                and entry["corpus"] not in OUTLIER_CORPORA:
            raise ValueError(f"config: postprocess.{method} clips detected dims on corpus "
                             f"{entry['corpus']!r}, which is not in outliers.corpora")
        pooling = {"sts": config["sts"]["special_tokens"], "supervised": config["supervised"]["special_tokens"]}
        for task, special in pooling.items():
            if entry.get("level") == "sentences" and special != config["outliers"]["special_tokens"]:
                raise ValueError(f"config: postprocess.{method} is fitted on sentence means pooled with "
                                 f"outliers.special_tokens={config['outliers']['special_tokens']}, but "
                                 f"{task}.special_tokens={special}; make them agree")
        if entry["method"] == "clip" and isinstance(entry.get("dims"), dict):
            for model in sorted(set(MODELS) - set(entry["dims"])):
                raise ValueError(f"config: postprocess.{method}.dims has no dims for model {model!r}")


check_references()

# Everything encoded for a model: token caches for corpora and WiC, sentence caches otherwise.
ENCODED = {name: "tokens" for name in CORPORA}
if WIC_ON:
    ENCODED["wic"] = "tokens"
if STS_DATASETS:
    ENCODED["sts"] = "sentences"
ENCODED.update({f"sup_{task}": "sentences" for task in TASKS})


wildcard_constraints:
    model=_names(MODELS),
    dataset=_names(ENCODED),
    corpus=_names(CORPORA),
    method=_names(METHODS),
    fitted=_names(config["postprocess"]),
    task=_names(TASKS),
    shard=r"\d+",
    nshards=r"\d+",


def data_files(relative_paths):
    return [f"{DATA_DIR}/{path}" for path in relative_paths]


def corpus_relative(wildcards):
    return prepare.files_corpus(config["corpora"][wildcards.corpus])


def corpus_files(wildcards):
    return data_files(corpus_relative(wildcards))


def corpus_entry(wildcards):
    return config["corpora"][wildcards.corpus]


def supervised_relative(wildcards):
    return prepare.files_supervised(wildcards.task)


def supervised_files(wildcards):
    return data_files(supervised_relative(wildcards))


def supervised_params(wildcards):
    section = config["supervised"]
    return {"task": wildcards.task, "dev_fraction": section["dev_fraction"], "seed": section["seed"],
            "limit": section["tasks"][wildcards.task].get("limit")}


SUPERVISED_TRAINING = {key: config["supervised"][key] for key in ("epochs", "lr", "seed", "special_tokens")}


def task_batch_size(wildcards):
    return config["supervised"]["tasks"][wildcards.task]["batch_size"]


WIC_FILES = prepare.files_wic(config["wic"]["split"])
STS_FILES = [path for name in STS_DATASETS for path in prepare.files_sts(name)]


def prepared_table(wildcards):
    name = wildcards.dataset
    if name in CORPORA:
        return f"results/data/corpus/{name}.csv"
    if name.startswith("sup_"):
        return f"results/data/supervised/{name[4:]}.csv"
    return f"results/data/{name}.csv"


def model_entry(wildcards):
    return config["models"][wildcards.model]


def get_model_signature(wildcards):
    """Cheap stamp of the model's weights on disk (sizes, mtimes, package version)."""
    return identity.signature(config["models"][wildcards.model])


def granularity(wildcards):
    return ENCODED[wildcards.dataset]


def shard_files(wildcards):
    n = config["encode"]["shards"]
    return [f"results/{wildcards.model}/activations/{wildcards.dataset}/shard{k}of{n}.h5" for k in range(n)]


def cache(dataset):
    return f"results/{{model}}/activations/{dataset}.h5"


def fit_files(wildcards):
    """The fitted post-processing map a method needs (none for raw)."""
    if wildcards.method == "raw":
        return []
    return [f"results/{wildcards.model}/postprocess/{wildcards.method}.npz"]


def fit_inputs(wildcards):
    entry = config["postprocess"][wildcards.fitted]
    inputs = {"stats": f"results/{wildcards.model}/stats/{entry['corpus']}.npz"}
    if entry["method"] == "clip" and entry.get("dims", "detected") == "detected":
        inputs["outliers"] = f"results/{wildcards.model}/outliers/{entry['corpus']}.csv"
    return inputs


def fit_params(wildcards):
    entry = dict(config["postprocess"][wildcards.fitted])
    if isinstance(entry.get("dims"), dict):
        entry["dims"] = entry["dims"][wildcards.model]
    return entry


def per_method(pattern):
    """Input function: one file per post-processing method (raw included)."""
    def files(wildcards):
        return expand(pattern, model=wildcards.model, method=METHODS, allow_missing=True)
    return files


def supervised_parts(wildcards):
    return expand("results/{model}/tasks/supervised/{task}/{method}.csv",
                  model=wildcards.model, task=TASKS, method=METHODS)


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
    return targets


TABLE_FORMATS = ["csv", "md", "tex"]
