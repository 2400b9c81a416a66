"""Seeded subsampling of a table (e.g. the paper's 10k random sentences of a corpus)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def sample(frame: pd.DataFrame, n: int | None, seed: int) -> pd.DataFrame:
    """n rows drawn without replacement (numpy `default_rng(seed)`), kept in table order.

    All rows when n is None or at least the table's length. Same input, same rows.
    """
    if n is None or n >= len(frame):
        return frame
    if n < 0:
        raise ValueError(f"sample size must be >= 0, got {n}")
    chosen = np.random.default_rng(seed).choice(len(frame), size=n, replace=False)
    return frame.iloc[np.sort(chosen)]
