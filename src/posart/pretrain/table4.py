"""Table 4 for the pretrained models: hyper-parameters and validation perplexity per model, plus
the outlier summary per layer (the paper's §3 statement about its pair), as CSV/Markdown/LaTeX.

The CSV is tidy (`model, section, layer, item, value`; `layer` is empty outside the outlier
section); Markdown and LaTeX show the paper's layout: one column per model for the
hyper-parameters, one row per (model, layer) for the outliers.
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from posart.atomic import write_csv, write_text

# Table 4's row names -> preset fields (None: composed below)
HYPERPARAMETERS = {
    "number of layers": "layers",
    "hidden size": "hidden",
    "FFN inner hidden size": "ffn",
    "attention heads": "heads",
    "attention head size": "head_size",
    "dropout": "dropout",
    "warmup steps": "warmup_steps",
    "max steps": "max_steps",
    "learning rate": "learning_rate",
    "batch size": "batch_size",
    "weight decay": "weight_decay",
    "learning rate decay": "lr_decay",
    "Adam (eps, beta1, beta2)": None,
    "gradient clipping": "clip_norm",
    "tokens per sample": "tokens_per_sample",
    "vocabulary size (preset)": "vocab_size",
}
COLUMNS = ["model", "section", "layer", "item", "value"]


def hyperparameters(summary: Mapping) -> dict[str, str]:
    """Table 4's rows for one run summary (posart.pretrain.finish), plus backend, steps and perplexity."""
    preset = summary["preset"]
    rows = {
        name: str(preset[key]) if key else f"({preset['adam_eps']}, {preset['adam_beta1']}, {preset['adam_beta2']})"
        for name, key in HYPERPARAMETERS.items()
    }
    rows.update(
        {
            "vocabulary size (trained BPE)": str(summary["vocabulary"]),
            "position embeddings": "yes" if summary["position_embeddings"] else "no",
            "backend": summary["backend"],
            "steps trained": str(summary["steps"]),
            "validation perplexity": f"{summary['valid_perplexity']:.2f}",
        }
    )
    return rows


def build(summaries: Mapping[str, Mapping], outliers: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(tidy numbers, hyper-parameter table, outlier table) from run summaries and layer summaries."""
    rows = [
        (model, "hyperparameters", None, item, value)
        for model, summary in summaries.items()
        for item, value in hyperparameters(summary).items()
    ]
    for record in outliers.itertuples(index=False):
        for item in ("argmax_dim", "argmax_share", "argmin_dim", "argmin_share", "chance_share", "outlier_dims"):
            rows.append((record.model, "outliers", record.layer, item, str(getattr(record, item))))
    numbers = pd.DataFrame(rows, columns=COLUMNS)
    hyper = pd.DataFrame({model: hyperparameters(summary) for model, summary in summaries.items()})
    hyper = hyper.rename_axis("hyper-parameter").reset_index()
    shown = pd.DataFrame(
        {
            "model": outliers.model,
            "layer": outliers.layer,
            "most often max: dim (share %)": [
                f"{d} ({100 * s:.2f})" for d, s in zip(outliers.argmax_dim, outliers.argmax_share)
            ],
            "most often min: dim (share %)": [
                f"{d} ({100 * s:.2f})" for d, s in zip(outliers.argmin_dim, outliers.argmin_share)
            ],
            "chance (%)": [f"{100 * s:.2f}" for s in outliers.chance_share],
            "detected outlier dims": outliers.outlier_dims.fillna(""),
        }
    )
    return numbers, hyper, shown


def write(numbers: pd.DataFrame, hyper: pd.DataFrame, shown: pd.DataFrame, csv, md, tex, caption: str) -> None:
    write_csv(csv, numbers)
    write_text(md, f"{caption}\n\n{hyper.to_markdown(index=False)}\n\n{shown.to_markdown(index=False)}\n")
    write_text(
        tex,
        hyper.to_latex(index=False, caption=caption, escape=True)
        + "\n"
        + shown.to_latex(index=False, caption=f"{caption} Outliers per layer.", escape=True),
    )
