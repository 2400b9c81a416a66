"""Adapter: every model's wic.csv -> Table 1."""

import pandas as pd

from posart import adapter, tables
from posart.tasks.wic import baseline_all_true

with adapter.run(snakemake):
    results = tables.read_all(snakemake.input.results)
    labels = pd.read_csv(snakemake.input.pairs, keep_default_na=False).label.astype(bool)
    numbers, shown = tables.table1_wic(results, baseline=baseline_all_true(labels.to_numpy()))
    tables.write(numbers, shown, snakemake.output, "WiC: best layer, threshold and accuracy (%).")
