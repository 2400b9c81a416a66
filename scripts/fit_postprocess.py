"""Adapter: statistics (+ outlier table) -> per-layer post-processing maps."""

import pandas as pd

from posart import adapter, fitting, stats

with adapter.run(snakemake):
    outliers = pd.read_csv(snakemake.input.outliers) if "outliers" in snakemake.input.keys() else None
    maps = fitting.fit_layers(snakemake.params.method, stats.load(snakemake.input.stats), outliers)
    fitting.save(snakemake.output[0], maps)
