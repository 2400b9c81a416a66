"""Adapter: treebank token cache + gold trees (+ fitted map) -> grammar/{method}.csv scores and predicted trees."""

import pandas as pd

from posart import adapter, atomic, contract, fitting
from posart.cache import ActivationCache
from posart.tasks import grammar

with adapter.run(snakemake), ActivationCache(snakemake.input.cache) as source:
    treebank = pd.read_csv(snakemake.input.treebank, keep_default_na=False)
    transform = fitting.Transform(snakemake.input.fit, snakemake.params.eval_fit)
    scores, trees = grammar.evaluate(source, treebank, transform)
    scores = contract.conform(
        "grammar", transform.label(scores), model=snakemake.wildcards.model, method=snakemake.wildcards.method
    )
    atomic.write_csv(snakemake.output.scores, scores)
    atomic.write_csv(snakemake.output.trees, trees, gzip=True)
