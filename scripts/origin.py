"""Adapter: model weights + outlier table -> origin tables (embeddings, position rows, LayerNorm ranks)."""

import json

import pandas as pd

from posart import adapter, atomic, contract, detect, identity, models, origin

settings = snakemake.params.origin
with adapter.run(snakemake) as record:
    loaded = models.load(snakemake.wildcards.model, snakemake.params.model)
    record["model"] = identity.verify(loaded, snakemake.input.identity)
    traced = origin.trace(
        loaded.name,
        loaded.model,
        pd.read_csv(snakemake.input.outliers),
        settings["position_rows"],
        settings["rank_by"],
        detect.Criterion.from_config(snakemake.params.criterion),
    )
    for name in ("embeddings", "position_rows", "layernorm_ranks"):
        atomic.write_csv(snakemake.output[name], contract.conform(name, traced[name]))
    atomic.write_csv(snakemake.output.comparison, traced["comparison"])
    atomic.write_text(snakemake.output.summary, json.dumps(traced["summary"], indent=1) + "\n")
