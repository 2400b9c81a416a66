"""Adapter: outlier table -> Figure 1/2 (average subword vector per layer)."""

import pandas as pd

from posart import adapter, figures

with adapter.run(snakemake):
    figures.mean_vectors(pd.read_csv(snakemake.input[0]), snakemake.output[0])
