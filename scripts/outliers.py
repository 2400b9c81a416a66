"""Adapter: statistics -> outlier table (output contract: outliers/{corpus}.csv)."""

from posart import adapter, atomic, contract, detect, stats

with adapter.run(snakemake):
    criterion = detect.Criterion.from_config(snakemake.params.criterion)
    table = detect.outlier_table(
        snakemake.wildcards.model, snakemake.wildcards.corpus, stats.load(snakemake.input[0]), criterion
    )
    atomic.write_csv(snakemake.output[0], contract.conform("outliers", table))
