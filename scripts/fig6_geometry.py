"""Adapter: every model's geometry.csv -> Figure 6."""
import pandas as pd

from posart import adapter, figures

with adapter.run(snakemake):
    figures.geometry(pd.concat([pd.read_csv(p) for p in snakemake.input]), snakemake.output[0])
