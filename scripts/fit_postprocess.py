"""Adapter: statistics (+ outlier criterion) -> per-layer post-processing maps (clipped dims recorded)."""

import logging

from posart import adapter, fitting, stats

with adapter.run(snakemake) as record:
    fit = fitting.fit_layers(snakemake.params.method, stats.load(snakemake.input.stats), snakemake.params.criterion)
    record["clipped_dims"] = {str(layer): dims for layer, dims in enumerate(fit.clipped)}
    logging.getLogger("posart").info("dims zeroed per layer: %s", record["clipped_dims"])
    fitting.save(snakemake.output[0], fit)
