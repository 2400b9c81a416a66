"""Adapter: STS sentence cache + pairs (+ fitted map) -> sts/{method}.csv rows."""

import pandas as pd

from posart import adapter, atomic, contract, fitting
from posart.cache import ActivationCache
from posart.tasks import sts

with adapter.run(snakemake), ActivationCache(snakemake.input.cache) as source:
    pairs = pd.read_csv(snakemake.input.pairs, keep_default_na=False)
    frame = sts.evaluate(source, pairs, fitting.Transform(snakemake.input.fit), snakemake.params.special_tokens)
    frame = contract.conform("sts", frame, model=snakemake.wildcards.model, method=snakemake.wildcards.method)
    atomic.write_csv(snakemake.output[0], frame)
