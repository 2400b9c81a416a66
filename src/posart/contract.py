"""The output contract: each public result file's path and columns, defined once.

These files are posart's public interface (design.md, "Output contract"): users script
against their names and column orders. The adapters that write them pass each table
through `conform`, which adds the columns every row shares (model, method, ...) and puts
all columns in contract order, refusing a missing or an unexpected one; the tests read
the column lists from here; docs/outputs.md shows `markdown()` (a test keeps them equal).
A new contract file is one entry in FILES.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd


class ContractFile(NamedTuple):
    path: str  # pattern, as the rule that writes it declares it
    columns: tuple[str, ...]
    note: str = ""  # shown after the columns in docs/outputs.md
    sparse: tuple[str, ...] = ()  # columns that some rows of every complete run leave empty, by design


FILES = {
    "outliers": ContractFile(
        "results/{model}/outliers/{corpus}.csv",
        ("model", "corpus", "layer", "dim", "mean", "argmin_share", "argmax_share", "is_outlier"),
    ),
    "embeddings": ContractFile(
        "results/{model}/origin/embeddings.csv",
        ("model", "kind", "dim", "mean", "argmax_share", "argmin_share", "is_outlier"),
        "one row per kind (position, segment, token) and dim, over the table's rows; a table the model "
        "lacks is one row with empty dim",
    ),
    "position_rows": ContractFile(
        "results/{model}/origin/position_rows.csv",
        ("model", "index", "dim", "value"),
        "index = 0-based row of the position-embedding matrix (origin.position_rows); empty dim and value: "
        "no position table",
    ),
    "layernorm_ranks": ContractFile(
        "results/{model}/origin/layernorm_ranks.csv",
        ("model", "layer", "ln", "param", "dim", "rank", "value"),
        "ln: embedding (layer 0), attention or output; param: gamma or beta; rank 1 = largest magnitude "
        "(or largest value, origin.rank_by); value is the signed parameter",
    ),
    "probe_accuracy": ContractFile(
        "results/{model}/probe/accuracy.csv", ("model", "layer", "split", "accuracy"), "split: train, dev, test"
    ),
    "probe_contributions": ContractFile(
        "results/{model}/probe/contributions.csv",
        ("model", "layer", "position", "dim", "contribution"),
        "mean c(i) = abs(w_i v_i) over test vectors; position: all, or a gold position with at least "
        "probe.min_position_count test vectors",
    ),
    "geometry": ContractFile(
        "results/{model}/geometry.csv",
        ("model", "layer", "method", "n_clipped", "anisotropy", "self_similarity", "self_similarity_adjusted"),
    ),
    "wic": ContractFile(
        "results/{model}/tasks/wic.csv", ("model", "layer", "method", "n_clipped", "threshold", "accuracy")
    ),
    "sts": ContractFile(
        "results/{model}/tasks/sts.csv",
        ("model", "dataset", "layer", "method", "n_clipped", "aggregate", "spearman", "n_pairs"),
    ),
    "supervised": ContractFile(
        "results/{model}/tasks/supervised.csv",
        ("model", "task", "layer", "method", "n_clipped", "split", "accuracy"),
    ),
    "pretrain_curves": ContractFile(
        "results/pretrain/{run}/curves.csv",
        ("run", "backend", "step", "split", "metric", "value"),
        "metrics: train loss (nats), learning_rate, tokens_per_s; valid loss, perplexity",
    ),
    "wsd": ContractFile(
        "results/{model}/tasks/wsd.csv",
        ("model", "dataset", "layer", "method", "n_clipped", "f1", "coverage", "n_instances"),
        "dataset: a Raganato set; f1 and coverage (% of targets decided by the nearest sense) x100",
    ),
    "grammar": ContractFile(
        "results/{model}/tasks/grammar.csv",
        ("model", "layer", "method", "n_clipped", "distance", "f1", "corpus_f1", "n_sentences"),
        "distance: cosine or l2; f1 = mean sentence F1, corpus_f1 = F1 of pooled spans, x100",
    ),
    "wsd_baseline": ContractFile(
        "results/baselines/wsd.csv",
        ("dataset", "baseline", "f1", "n_instances"),
        "baseline: wordnet_first_sense; no model involved",
    ),
    "grammar_baseline": ContractFile(
        "results/baselines/grammar.csv",
        ("baseline", "f1", "corpus_f1", "n_sentences"),
        "baseline: right_branching, left_branching, random; no model involved",
    ),
    "jobs": ContractFile(
        "results/paper/jobs.csv",
        (
            "rule",
            "job",
            "wall_s",
            "wall_share",
            "overhead_s",
            "run_s",
            "cpu_s",
            "threads",
            "peak_rss_mb",
            "mem_mb",
            "peak_share_of_mem",
            "sampled_max_rss_mb",
            "io_in_mb",
            "io_out_mb",
            "tokens_per_s",
        ),
        "one row per cluster job of the run, largest wall time first; `wall_share` in % of the jobs' total; "
        "`run_s` is the job's own work (reading, computing, writing) and `overhead_s` the rest of its wall "
        "time (starting Python, imports, checking inputs, hashing outputs for provenance); "
        "`peak_rss_mb` is the job's exact peak (VmHWM), `mem_mb` its memory resource (empty if none) and "
        "`peak_share_of_mem` the peak in % of it; `sampled_max_rss_mb` is Snakemake's sampled peak; "
        "`tokens_per_s`: an encode job's real tokens per second of encoding (empty for other rules); "
        "`run_s`, `threads`, `tokens_per_s` are empty where a job's record predates them",
        sparse=("tokens_per_s",),
    ),
}


def conform(name: str, frame: pd.DataFrame, **constants) -> pd.DataFrame:
    """`frame` plus one column per constant (e.g. model=..., method=...), in contract order."""
    spec = FILES[name]
    frame = frame.assign(**constants)
    missing = [column for column in spec.columns if column not in frame.columns]
    extra = [column for column in frame.columns if column not in spec.columns]
    if missing or extra:
        raise ValueError(
            f"{spec.path}: the table lacks column(s) {missing} and has unexpected {extra}; "
            f"the contract is {list(spec.columns)}"
        )
    return frame[list(spec.columns)]


def markdown() -> str:
    """The contract as the Markdown table of docs/outputs.md."""
    rows = [
        f"| `{spec.path}` | {', '.join(spec.columns)}{f' ({spec.note})' if spec.note else ''} |"
        for spec in FILES.values()
    ]
    return "\n".join(["| file | columns |", "|---|---|", *rows]) + "\n"
