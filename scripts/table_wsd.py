"""Adapter: every model's wsd.csv + the first-sense baseline -> the WSD table."""

import pandas as pd

from posart import adapter, tables

with adapter.run(snakemake):
    results = tables.read_all(snakemake.input.results)
    numbers, shown = tables.table_wsd(results, pd.read_csv(snakemake.input.baseline), snakemake.params.sets)
    caption = "WSD: best-layer F1 (layer in brackets) of the nearest SemCor sense."
    tables.write(numbers, shown, snakemake.output, caption, tables.clip_note(results, snakemake.params.clips))
