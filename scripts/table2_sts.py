"""Adapter: every model's sts.csv -> Table 2."""

from posart import adapter, tables

with adapter.run(snakemake):
    results = tables.read_all(snakemake.input)
    aggregate = snakemake.params.aggregate
    numbers, shown = tables.table2_sts(results, aggregate)
    tables.write(
        numbers, shown, snakemake.output, f"STS: best-layer Spearman x 100 (layer); STS12-16 aggregate '{aggregate}'."
    )
