"""Adapter: pooled sentence cache + labelled examples (+ fitted map) -> supervised rows."""

import pandas as pd
import torch

from posart import adapter, atomic, contract, fitting
from posart.cache import ActivationCache
from posart.tasks import supervised

torch.set_num_threads(snakemake.threads)
task = snakemake.wildcards.task
with adapter.run(snakemake) as record, ActivationCache(snakemake.input.cache) as source:
    examples = pd.read_csv(snakemake.input.examples, keep_default_na=False)
    frame = supervised.evaluate(
        source,
        examples,
        fitting.Transform(snakemake.input.fit),
        snakemake.params.n_classes,
        batch_size=snakemake.params.batch_size,
        progress=record["progress"],
        **snakemake.params.training,
    )
    frame = contract.conform(
        "supervised", frame, model=snakemake.wildcards.model, task=task, method=snakemake.wildcards.method
    )
    atomic.write_csv(snakemake.output[0], frame)
