"""Adapter: every model's geometry.csv -> Figure 6."""

from posart import adapter, figures, tables

with adapter.run(snakemake):
    figures.geometry(tables.read_all(snakemake.input), snakemake.output[0])
