"""Adapter: per-method (or per-task) tables -> one tidy table."""

from posart import adapter, atomic, tables

with adapter.run(snakemake):
    atomic.write_csv(snakemake.output[0], tables.read_all(snakemake.input))
