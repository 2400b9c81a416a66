"""Adapter: WSD targets + WordNet senses -> the first-sense baseline (no model)."""

import pandas as pd

from posart import adapter, atomic, contract
from posart.tasks import wsd

with adapter.run(snakemake):
    targets, senses = (
        pd.read_csv(path, keep_default_na=False) for path in (snakemake.input.targets, snakemake.input.senses)
    )
    frame = contract.conform("wsd_baseline", wsd.first_sense_baseline(targets, senses), baseline="wordnet_first_sense")
    atomic.write_csv(snakemake.output[0], frame)
