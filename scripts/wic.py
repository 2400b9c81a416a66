"""Adapter: WiC token cache + pairs (+ fitted map) -> wic/{method}.csv rows."""

import pandas as pd

from posart import adapter, atomic, contract, fitting
from posart.cache import ActivationCache
from posart.tasks import wic

with adapter.run(snakemake), ActivationCache(snakemake.input.cache) as source:
    pairs = pd.read_csv(snakemake.input.pairs, keep_default_na=False)
    frame = wic.evaluate(
        source, pairs, fitting.Transform(snakemake.input.fit), snakemake.params.thresholds, snakemake.params.pooling
    )
    frame = contract.conform("wic", frame, model=snakemake.wildcards.model, method=snakemake.wildcards.method)
    atomic.write_csv(snakemake.output[0], frame)
