"""The paper's Tables 1-3 from the tidy per-model results, as CSV, Markdown and LaTeX.

Each table has one row per model and post-processing method ("bert", "bert-clip", ...), in
the paper's layout. The CSV keeps numbers and best layers in separate columns for
scripting; Markdown and LaTeX show "score (layer)" as the paper prints it. Column names
and their order are the datasets' display names in registry order (`posart.registry`).
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from posart import registry
from posart.atomic import atomic_path, write_text


def read_all(paths) -> pd.DataFrame:
    """One frame from several tidy CSVs (per-model or per-method parts)."""
    return pd.concat([pd.read_csv(path) for path in paths], ignore_index=True)


def best_rows(frame: pd.DataFrame, groups: Sequence[str], score: str) -> pd.DataFrame:
    """Per group, the row with the highest score; ties go to the lowest layer (then threshold)."""
    order = [c for c in ("layer", "threshold") if c in frame]
    ranked = frame.sort_values(
        list(groups) + [score] + order, ascending=[True] * len(groups) + [False] + [True] * len(order)
    )
    return ranked.groupby(list(groups), sort=False).head(1).reset_index(drop=True)


def best_layer(frame, select_by: str = "dev"):
    """Per (model,) task, method: the layer with the best `select_by` accuracy, and its test accuracy.

    `frame` is the tidy output (columns task, layer, method, split, accuracy; model if
    present). Ties go to the lowest layer. Returns one row per group with columns
    [model,] task, method, layer, selection_accuracy, accuracy (= test accuracy).
    """
    keys = [c for c in ("model", "task", "method") if c in frame.columns]
    wide = frame.pivot(index=keys + ["layer"], columns="split", values="accuracy").reset_index()
    missing = {select_by, "test"} - set(wide.columns)
    if missing:
        raise ValueError(f"no accuracies for split(s) {sorted(missing)}")
    ranked = wide.sort_values(keys + [select_by, "layer"], ascending=[True] * len(keys) + [False, True])
    chosen = ranked.groupby(keys).head(1)
    chosen = chosen.assign(selection_accuracy=chosen[select_by], accuracy=chosen["test"])
    return chosen[keys + ["layer", "selection_accuracy", "accuracy"]].reset_index(drop=True)


def row_label(model: str, method: str) -> str:
    return model if method == "raw" else f"{model}-{method}"


def _method_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows grouped by model, `raw` first, then methods in the order they first appear."""
    methods = list(dict.fromkeys(["raw"] + list(frame.method)))
    return frame.assign(_m=frame.method.map(methods.index)).sort_values(["model", "_m"]).drop(columns="_m")


def table1_wic(results: pd.DataFrame, baseline: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Best (layer, threshold, accuracy) per model and method, plus the all-true baseline row."""
    best = _method_order(best_rows(results, ["model", "method"], "accuracy"))
    numbers = pd.DataFrame(
        {
            "model": [row_label(m, k) for m, k in zip(best.model, best.method)],
            "layer": best.layer.astype("Int64"),
            "threshold": best.threshold,
            "accuracy": best.accuracy.round(1),
        }
    )
    numbers = pd.concat(
        [
            pd.DataFrame(
                {
                    "model": ["baseline (all true)"],
                    "layer": [pd.NA],
                    "threshold": [pd.NA],
                    "accuracy": [round(baseline, 1)],
                }
            ),
            numbers,
        ],
        ignore_index=True,
    )
    shown = pd.DataFrame(
        {
            "model": numbers.model,
            "layer": [str(v) if pd.notna(v) else "-" for v in numbers.layer],
            "threshold": [f"{v:.2f}" if pd.notna(v) else "-" for v in numbers.threshold],
            "accuracy": [f"{v:.1f}" for v in numbers.accuracy],
        }
    )
    return numbers, shown


def table2_sts(results: pd.DataFrame, aggregate: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Best layer per dataset; STS12-16 use the named aggregate, STS-B and SICK-R `single`."""
    chosen = results[(results["aggregate"] == "single") | (results["aggregate"] == aggregate)]
    best = best_rows(chosen, ["model", "method", "dataset"], "spearman")
    return _wide(best, "dataset", "spearman", registry.load().display_names("sts"))


def table3_supervised(results: pd.DataFrame, select_by: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per task, the layer best on `select_by`, showing its test accuracy."""
    return _wide(best_layer(results, select_by), "task", "accuracy", registry.load().display_names("supervised"))


def _wide(best: pd.DataFrame, column: str, score: str, names: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    best = _method_order(best)
    best = best.assign(row=[row_label(m, k) for m, k in zip(best.model, best.method)])
    rows = list(dict.fromkeys(best.row))
    columns = [c for c in names if c in set(best[column])]
    numbers = pd.DataFrame({"model": rows})
    shown = pd.DataFrame({"model": rows})
    for key in columns:
        part = best[best[column] == key].set_index("row").reindex(rows)
        numbers[names[key]] = part[score].round(2).values
        numbers[f"{names[key]} layer"] = part.layer.astype("Int64").values
        shown[names[key]] = [f"{v:.2f} ({int(l)})" if pd.notna(v) else "-" for v, l in zip(part[score], part.layer)]
    return numbers, shown


def write(numbers: pd.DataFrame, shown: pd.DataFrame, outputs, caption: str) -> None:
    """Write the CSV (numbers), Markdown and LaTeX (paper layout) versions of a table."""
    with atomic_path(outputs.csv) as tmp:
        numbers.to_csv(tmp, index=False)
    write_text(outputs.md, f"{caption}\n\n{shown.to_markdown(index=False)}\n")
    write_text(outputs.tex, shown.to_latex(index=False, caption=caption, escape=True))
