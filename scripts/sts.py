"""Adapter: STS sentence cache + pairs (+ fitted map) -> sts/{method}.csv rows."""
import pandas as pd

from posart import adapter, atomic, fitting
from posart.cache import ActivationCache
from posart.evaluate import sts

with adapter.run(snakemake), ActivationCache(snakemake.input.cache) as source:
    pairs = pd.read_csv(snakemake.input.pairs, keep_default_na=False)
    frame = sts.evaluate(source, pairs, fitting.Transform(snakemake.input.fit),
                         snakemake.params.special_tokens)
    frame.insert(0, "model", snakemake.wildcards.model)
    frame.insert(3, "method", snakemake.wildcards.method)
    atomic.write_csv(snakemake.output[0], frame[["model", "dataset", "layer", "method", "aggregate",
                                                 "spearman", "n_pairs"]])
