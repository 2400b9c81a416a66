"""Adapter: probe accuracy + contributions (+ outlier table) -> Figure 5 with the appendix heatmaps."""

import pandas as pd

from posart import adapter, detect, figures

with adapter.run(snakemake):
    outliers = [detect.outlier_union(pd.read_csv(path)) for path in snakemake.input.outliers]
    figures.probe(
        pd.read_csv(snakemake.input.accuracy),
        pd.read_csv(snakemake.input.contributions),
        outliers[0] if outliers else [],
        snakemake.output[0],
    )
