"""Adapter: token cache -> streaming per-layer statistics."""

from posart import adapter, stats
from posart.cache import ActivationCache

with adapter.run(snakemake) as record, ActivationCache(snakemake.input[0]) as source:
    record["model"] = {k: source.attrs[k] for k in ("model", "model_revision", "weight_hash")}
    arrays = stats.compute(source, special_tokens=snakemake.params.special_tokens, progress=record["progress"])
    stats.save(snakemake.output[0], arrays)
