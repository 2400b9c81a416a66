"""Adapter: every model's grammar.csv + the baselines -> the grammar-induction table."""

import pandas as pd

from posart import adapter, tables

with adapter.run(snakemake):
    results = tables.read_all(snakemake.input.results)
    numbers, shown = tables.table_grammar(results, pd.read_csv(snakemake.input.baselines))
    caption = "Grammar induction: best-layer sentence F1 (layer in brackets)."
    tables.write(numbers, shown, snakemake.output, caption, tables.clip_note(results, snakemake.params.clips))
