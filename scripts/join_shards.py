"""Adapter: shard caches -> one cache (HDF5 virtual dataset, no copy)."""

from posart import adapter, cache

with adapter.run(snakemake):
    cache.join(list(snakemake.input), snakemake.output[0], attrs={})
