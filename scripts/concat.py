"""Adapter: per-method (or per-task) tables -> one tidy table."""
import pandas as pd

from posart import adapter, atomic

with adapter.run(snakemake):
    atomic.write_csv(snakemake.output[0], pd.concat([pd.read_csv(p) for p in snakemake.input]))
