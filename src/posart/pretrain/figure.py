"""Training curves of the pretrained models: training loss and validation perplexity per step."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from posart.atomic import atomic_path  # noqa: E402


def training_curves(curves: pd.DataFrame, path) -> None:
    """Left: training loss (nats per masked token); right: validation perplexity (log scale)."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    for run, part in curves.groupby("run", sort=True):
        loss = part[(part.split == "train") & (part.metric == "loss")].sort_values("step")
        left.plot(loss.step, loss.value, lw=1, label=f"{run} ({part.backend.iloc[0]})")
        valid = part[(part.split == "valid") & (part.metric == "perplexity")].sort_values("step")
        right.plot(valid.step, valid.value, marker="o", ms=3, lw=1, label=run)
    left.set(xlabel="step", ylabel="training loss (nats)", title="training loss")
    right.set(xlabel="step", ylabel="validation perplexity", yscale="log", title="validation perplexity")
    left.legend(fontsize=8)
    right.legend(fontsize=8)
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=120, bbox_inches="tight")
    plt.close(figure)
