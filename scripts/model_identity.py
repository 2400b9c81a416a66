"""Adapter: model entry -> identity record (weight hash, under the signature it was taken)."""

from posart import adapter, identity, models

with adapter.run(snakemake) as record:
    loaded = models.load(snakemake.wildcards.model, snakemake.params.model)
    record["model"] = identity.write(snakemake.output[0], loaded, snakemake.params.signature)
