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


FILES = {
    "outliers": ContractFile(
        "results/{model}/outliers/{corpus}.csv",
        ("model", "corpus", "layer", "dim", "mean", "argmin_share", "argmax_share", "is_outlier"),
    ),
    "geometry": ContractFile(
        "results/{model}/geometry.csv",
        ("model", "layer", "method", "anisotropy", "self_similarity", "self_similarity_adjusted"),
    ),
    "wic": ContractFile("results/{model}/tasks/wic.csv", ("model", "layer", "method", "threshold", "accuracy")),
    "sts": ContractFile(
        "results/{model}/tasks/sts.csv",
        ("model", "dataset", "layer", "method", "aggregate", "spearman", "n_pairs"),
    ),
    "supervised": ContractFile(
        "results/{model}/tasks/supervised.csv", ("model", "task", "layer", "method", "split", "accuracy")
    ),
    "jobs": ContractFile(
        "results/paper/jobs.csv",
        ("rule", "job", "wall_s", "wall_share", "cpu_s", "peak_rss_mb", "sampled_max_rss_mb", "io_in_mb", "io_out_mb"),
        "one row per cluster job of the run, largest wall time first; `wall_share` in % of the jobs' total; "
        "`peak_rss_mb` is the job's exact peak (VmHWM), `sampled_max_rss_mb` Snakemake's sampled one",
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
