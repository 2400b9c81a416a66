"""Adapter: SemCor and evaluation-set token caches (+ fitted map) -> wsd/{method}.csv scores and predictions."""

import pandas as pd

from posart import adapter, atomic, contract, fitting
from posart.cache import ActivationCache
from posart.tasks import wsd

tables = {name: pd.read_csv(snakemake.input[name], keep_default_na=False) for name in ("training", "targets", "senses")}
with (
    adapter.run(snakemake),
    ActivationCache(snakemake.input.training_cache) as training,
    ActivationCache(snakemake.input.targets_cache) as targets,
):
    transform = fitting.Transform(snakemake.input.fit, snakemake.params.eval_fit)
    scores, predictions = wsd.evaluate(
        training, tables["training"], targets, tables["targets"], tables["senses"], transform
    )
    scores = contract.conform(
        "wsd", transform.label(scores), model=snakemake.wildcards.model, method=snakemake.wildcards.method
    )
    atomic.write_csv(snakemake.output.scores, scores)
    atomic.write_csv(snakemake.output.predictions, predictions, gzip=True)
