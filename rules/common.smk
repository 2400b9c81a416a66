# Paths, names and input functions shared by all rules. No science here: the config was
# loaded and checked by posart.config (Snakefile); datasets come from posart.registry.
import re

from posart import download, identity, prepare, registry

REGISTRY = registry.load()
DATA_DIR = config["data_dir"]
MODELS = list(config["models"])
CORPORA = list(config["corpora"])
METHODS = ["raw"] + list(config["postprocess"])
STS_DATASETS = config["sts"]["datasets"]
TASKS = list(config["supervised"]["tasks"])
WIC_ON = config["wic"]["enabled"]
GEOMETRY_CORPUS = config["geometry"]["corpus"]
OUTLIER_CORPORA = config["outliers"]["corpora"]
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
    fitted=_names(config["postprocess"]),
    task=_names(TASKS),
    shard=r"\d+",
    nshards=r"\d+",


def data_files(relative_paths):
    return [f"{DATA_DIR}/{path}" for path in relative_paths]


WIC_FILES = prepare.files_wic(config["wic"]["split"])
STS_FILES = prepare.files_sts(STS_DATASETS)
SUPERVISED_TRAINING = {key: config["supervised"][key] for key in ("epochs", "lr", "seed", "special_tokens")}


def get_corpus_relative(wildcards):
    return prepare.files_corpus(config["corpora"][wildcards.corpus])


def get_corpus_files(wildcards):
    return data_files(get_corpus_relative(wildcards))


def get_corpus_entry(wildcards):
    return config["corpora"][wildcards.corpus]


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
    """The fitted post-processing map a method needs (none for raw)."""
    if wildcards.method == "raw":
        return []
    return [f"results/{wildcards.model}/postprocess/{wildcards.method}.npz"]


def get_fit_inputs(wildcards):
    entry = config["postprocess"][wildcards.fitted]
    inputs = {"stats": f"results/{wildcards.model}/stats/{entry['corpus']}.npz"}
    if entry["method"] == "clip" and entry["dims"] == "detected":
        inputs["outliers"] = f"results/{wildcards.model}/outliers/{entry['corpus']}.csv"
    return inputs


def get_fit_params(wildcards):
    entry = dict(config["postprocess"][wildcards.fitted])
    if isinstance(entry.get("dims"), dict):
        entry["dims"] = entry["dims"][wildcards.model]
    return entry


def get_per_method(pattern):
    """An input function: one file per post-processing method (raw included)."""

    def get_files(wildcards):
        return expand(pattern, model=wildcards.model, method=METHODS, allow_missing=True)

    return get_files


def get_supervised_parts(wildcards):
    return expand(
        "results/{model}/tasks/supervised/{task}/{method}.csv", model=wildcards.model, task=TASKS, method=METHODS
    )


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
    return targets + ["results/paper/jobs.csv"]


def applies_methods():
    """Whether a stage scores post-processed vectors, so that the fits (and their statistics) run."""
    return bool(GEOMETRY_CORPUS or WIC_ON or STS_DATASETS or TASKS)


def stats_corpora():
    """Corpora whose statistics the run computes: outlier detection, and the post-processing fits."""
    fitted = [entry["corpus"] for entry in config["postprocess"].values()] if applies_methods() else []
    return sorted(set(OUTLIER_CORPORA) | set(fitted))


def heavy_jobs():
    """(rule name, wildcards) of each job with a `benchmark` record that the targets need.

    These are the rows of results/paper/jobs.csv; tests/test_workflow.py checks them
    against the jobs of a dry run, so a new heavy step must be added here too.
    """
    shards = config["encode"]["shards"]
    corpora = sorted(set(stats_corpora()) | ({GEOMETRY_CORPUS} if GEOMETRY_CORPUS else set()))
    tables = [f"corpus/{corpus}" for corpus in corpora] + (["wic"] if WIC_ON else [])
    tables += (["sts"] if STS_DATASETS else []) + [f"supervised/{task}" for task in TASKS]
    scored = [name for name, on in (("geometry", GEOMETRY_CORPUS), ("wic", WIC_ON), ("sts", STS_DATASETS)) if on]
    jobs = []
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
