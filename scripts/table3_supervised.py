"""Adapter: every model's supervised.csv -> Table 3."""

from posart import adapter, tables

with adapter.run(snakemake):
    results = tables.read_all(snakemake.input)
    select_by = snakemake.params.select_by
    numbers, shown = tables.table3_supervised(results, select_by)
    tables.write(
        numbers, shown, snakemake.output, f"Supervised: test accuracy (%) at the layer best on {select_by} (layer)."
    )
