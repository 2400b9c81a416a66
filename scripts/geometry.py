"""Adapter: corpus token cache (+ fitted map) -> geometry/{method}.csv rows."""

from posart import adapter, atomic, contract, fitting, geometry
from posart.cache import ActivationCache

with adapter.run(snakemake), ActivationCache(snakemake.input.cache) as source:
    frame = geometry.evaluate(source, fitting.Transform(snakemake.input.fit), **snakemake.params.geometry)
    frame = contract.conform("geometry", frame, model=snakemake.wildcards.model, method=snakemake.wildcards.method)
    atomic.write_csv(snakemake.output[0], frame)
