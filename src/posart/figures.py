"""The paper's figures, drawn from the tidy result tables (never from caches directly)."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from posart.atomic import atomic_path  # noqa: E402
from posart.detect import robust_z  # noqa: E402


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
            ax.annotate(
                str(int(row.dim)),
                (row.dim, row["mean"]),
                fontsize=7,
                color="tab:red",
                xytext=(2, 2),
                textcoords="offset points",
            )
        ax.set_title(f"layer {layer}" + (" (embeddings)" if layer == 0 else ""), fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(layers) :]:
        ax.axis("off")
    model, corpus = table.model.iloc[0], table.corpus.iloc[0]
    figure.suptitle(
        f"{model}: average subword vector per layer on {corpus} (red: detected outlier dims, 0-based)", fontsize=11
    )
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


def position_embeddings(
    rows: pd.DataFrame,
    hidden_outliers: list[int],
    path,
    offset: int = 0,
    z_threshold: float = 6.0,
    note: str = "",
) -> None:
    """Figures 3-4: the configured position-table rows over dims.

    Red: the hidden-state outlier dims (from the outlier table); labelled: the row's own
    extreme dims (robust z >= z_threshold within the row, the detector's magnitude test).
    A model without a position table gets a figure saying so, with its architecture's `note`
    (why it has none: rotary positions, pretrained without them, ...).
    """
    model = rows.model.iloc[0]
    indices = list(dict.fromkeys(rows["index"]))
    if rows.dim.isna().all():
        figure, ax = plt.subplots(figsize=(6, 1.5))
        ax.axis("off")
        ax.text(
            0.5,
            0.5,
            f"{model}: no learned absolute position table" + (f"\n({note})" if note else ""),
            ha="center",
            va="center",
        )
        _save(figure, path)
        return
    figure, axes = plt.subplots(
        len(indices), 1, figsize=(11, 2.2 * len(indices)), squeeze=False, sharex=True, layout="constrained"
    )
    for ax, index in zip(axes[:, 0], indices):
        part = rows[rows["index"] == index].sort_values("dim")
        dims, values = part.dim.to_numpy(int), part.value.to_numpy(float)
        ax.bar(dims, values, width=1.0, color="tab:blue")
        marked = [d for d in hidden_outliers if d < len(values)]
        ax.scatter(marked, values[marked], s=16, color="tab:red", zorder=3, label="hidden-state outlier dims")
        for dim in np.flatnonzero(robust_z(values) >= z_threshold):
            ax.annotate(
                str(dim),
                (dim, values[dim]),
                fontsize=8,
                xytext=(2, 2),
                textcoords="offset points",
                color="tab:red" if dim in marked else "black",
            )
        token = index - offset
        where = f"token position {token}" if token >= 0 else "never used by a token"
        where = "padding row, never used by a token" if offset and index == offset - 1 else where
        ax.set_title(f"row {index} ({where})", fontsize=9, loc="left")
        ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=7, loc="upper right")
    figure.suptitle(
        f"{model}: position embedding rows (0-based table rows; labelled: the row's extreme dims)", fontsize=11
    )
    figure.supxlabel("dimension")
    _save(figure, path)


def layernorm_ranks(ranks: pd.DataFrame, path) -> None:
    """Heatmap of each outlier dim's rank in every LayerNorm's gamma (top) and beta (bottom).

    Columns are the norms in forward order (layer 0's embedding norm, then each layer's
    attention and output norm); 1 = the largest entry, so bright cells mark dims the norm
    scales or shifts most. Ranks are printed in the cells.
    """
    model = ranks.model.iloc[0] if len(ranks) else "model"
    if ranks.empty:
        figure, ax = plt.subplots(figsize=(6, 1.5))
        ax.axis("off")
        ax.text(0.5, 0.5, f"{model}: no outlier dims, no LayerNorm ranks", ha="center", va="center")
        _save(figure, path)
        return
    order = {"embedding": 0, "attention": 1, "output": 2}
    columns = sorted({(int(layer), ln) for layer, ln in zip(ranks.layer, ranks.ln)}, key=lambda c: (c[0], order[c[1]]))
    dims = sorted(ranks.dim.unique())
    n_layers = ranks.layer.nunique()
    figure, axes = plt.subplots(
        2, 1, figsize=(max(6, 0.45 * len(columns) + 2), 0.32 * len(dims) * 2 + 2.5), layout="constrained"
    )
    for ax, param in zip(axes, ("gamma", "beta")):
        part = ranks[ranks.param == param].set_index(["layer", "ln", "dim"])["rank"]
        grid = np.array([[part.get((layer, ln, dim), pd.NA) for layer, ln in columns] for dim in dims], dtype=float)
        image = ax.imshow(grid, aspect="auto", cmap="viridis_r", norm=matplotlib.colors.LogNorm(vmin=1))
        for (row, col), value in np.ndenumerate(grid):
            if not np.isnan(value):
                ax.text(
                    col,
                    row,
                    str(int(value)),
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="black" if value < 20 else "white",
                )
        ax.set_yticks(range(len(dims)), [str(d) for d in dims], fontsize=7)
        ax.set_xticks(range(len(columns)), [f"{layer} {ln[:3]}" for layer, ln in columns], rotation=90, fontsize=7)
        ax.set_ylabel(f"dim ({param})")
        figure.colorbar(image, ax=ax, label="rank (1 = largest)")
    figure.suptitle(
        f"{model}: rank of each outlier dim in each LayerNorm ({n_layers} layers; "
        f"emb/att/out = embedding, post-attention, post-FFN norm)",
        fontsize=10,
    )
    _save(figure, path)


def probe(
    accuracy: pd.DataFrame, contributions: pd.DataFrame, outlier_dims: list[int], path, max_dims: int = 4
) -> None:
    """Figure 5 (+ appendix B.1 heatmaps): probe accuracy per layer; contribution of the outlier dims.

    (a) accuracy per layer and split. (b) per layer, mean c(i) over test vectors of the
    outlier dims (the `max_dims` with the largest contribution), of all dims (mean), and of
    the highest non-outlier dim. (c) heatmaps over layers x positions for those outlier dims
    and for the highest non-outlier contribution.
    """
    model = accuracy.model.iloc[0]
    overall = contributions[contributions.position == "all"].pivot(index="layer", columns="dim", values="contribution")
    outliers = [d for d in outlier_dims if d in overall.columns]
    shown = sorted(outliers, key=lambda d: -overall[d].max())[:max_dims]
    others = overall.drop(columns=outliers)
    per_position = contributions[contributions.position != "all"].assign(position=lambda f: f.position.astype(int))
    heatmaps = [(f"dim {d}", per_position[per_position.dim == d]) for d in shown]
    best_other = (
        per_position[~per_position.dim.isin(outliers)]
        .groupby(["layer", "position"], as_index=False)["contribution"]
        .max()
    )
    heatmaps.append(("highest non-outlier dim", best_other))

    figure = plt.figure(figsize=(12, 4 + 2.2 * math.ceil(len(heatmaps) / 2)), layout="constrained")
    grid = figure.add_gridspec(1 + math.ceil(len(heatmaps) / 2), 2)
    left, right = figure.add_subplot(grid[0, 0]), figure.add_subplot(grid[0, 1])
    for split, part in accuracy.groupby("split", sort=False):
        part = part.sort_values("layer")
        left.plot(
            part.layer,
            part.accuracy,
            marker="o",
            ms=3,
            lw=2 if split == "test" else 1,
            ls="-" if split == "test" else "--",
            label=split,
        )
    left.set(title="(a) position-probe accuracy", xlabel="layer", ylabel="accuracy (%)", ylim=(0, 102))
    for ax in (left, right):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.legend(fontsize=8)
    for dim in shown:
        right.plot(overall.index, overall[dim], marker="o", ms=3, label=f"outlier dim {dim}")
    right.plot(overall.index, overall.mean(axis=1), color="black", ls="--", label="mean over all dims")
    right.plot(others.index, others.max(axis=1), color="grey", ls=":", label="highest non-outlier dim")
    right.set(title="(b) contribution c(i) = |w_i v_i|, mean over test vectors", xlabel="layer", ylabel="contribution")
    right.legend(fontsize=7, framealpha=0.6)
    for k, (title, part) in enumerate(heatmaps):
        ax = figure.add_subplot(grid[1 + k // 2, k % 2])
        table = part.pivot(index="layer", columns="position", values="contribution")
        table = table.reindex(columns=range(table.columns.min(), table.columns.max() + 1))  # gaps stay blank
        image = ax.imshow(
            table.to_numpy(float),
            aspect="auto",
            origin="lower",
            cmap="magma",
            vmin=0,
            extent=(
                table.columns.min() - 0.5,
                table.columns.max() + 0.5,
                table.index.min() - 0.5,
                table.index.max() + 0.5,
            ),
        )
        ax.set(title=f"(c) {title}", xlabel="position", ylabel="layer")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        figure.colorbar(image, ax=ax, label="contribution")
    figure.suptitle(f"{model}: position probe (dims 0-based; each heatmap has its own colour scale)", fontsize=11)
    _save(figure, path)
