"""The paper's figures, drawn from the tidy result tables (never from caches directly)."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from posart.atomic import atomic_path  # noqa: E402


def _save(figure, path) -> None:
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=120, bbox_inches="tight")
    plt.close(figure)


def mean_vectors(table: pd.DataFrame, path) -> None:
    """Figures 1-2: one panel per layer, the average subword vector over dims, outliers marked."""
    layers = sorted(table.layer.unique())
    cols = 4
    rows = math.ceil(len(layers) / cols)
    figure, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.8 * rows), squeeze=False, layout="constrained")
    for ax, layer in zip(axes.flat, layers):
        part = table[table.layer == layer].sort_values("dim")
        ax.plot(part.dim, part["mean"], lw=0.7, color="tab:blue")
        flagged = part[part.is_outlier]
        ax.scatter(flagged.dim, flagged["mean"], s=14, color="tab:red", zorder=3)
        for _, row in flagged.iterrows():
            ax.annotate(str(int(row.dim)), (row.dim, row["mean"]), fontsize=7, color="tab:red",
                        xytext=(2, 2), textcoords="offset points")
        ax.set_title(f"layer {layer}" + (" (embeddings)" if layer == 0 else ""), fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(layers):]:
        ax.axis("off")
    model, corpus = table.model.iloc[0], table.corpus.iloc[0]
    figure.suptitle(f"{model}: average subword vector per layer on {corpus} "
                    f"(red: detected outlier dims, 0-based)", fontsize=11)
    figure.supxlabel("dimension")
    _save(figure, path)


def geometry(table: pd.DataFrame, path) -> None:
    """Figure 6: anisotropy (left) and adjusted self-similarity (right) per layer, per method."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    for (model, method), part in table.groupby(["model", "method"], sort=True):
        part = part.sort_values("layer")
        style = "-" if method == "raw" else "--"
        label = f"{model} {method}"
        left.plot(part.layer, part.anisotropy, style, marker="o", ms=3, label=label)
        right.plot(part.layer, part.self_similarity_adjusted, style, marker="o", ms=3, label=label)
    left.set(title="anisotropy (mean cosine of random tokens)", xlabel="layer", ylabel="cosine")
    right.set(title="self-similarity minus anisotropy", xlabel="layer")
    right.legend(fontsize=7, ncol=2)
    _save(figure, path)
