"""Adapter: LayerNorm ranks -> heatmap of each outlier dim's rank in every LayerNorm's gamma and beta."""

import pandas as pd

from posart import adapter, figures

with adapter.run(snakemake):
    figures.layernorm_ranks(pd.read_csv(snakemake.input[0]), snakemake.output[0])
