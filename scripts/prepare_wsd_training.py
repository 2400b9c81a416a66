"""Adapter: SemCor + the candidate senses -> the SemCor instances that make the sense vectors."""

import pandas as pd

from posart import adapter, atomic, prepare
from posart.data_check import verify_inputs

with adapter.run(snakemake) as record:
    data_dir, record["data"] = verify_inputs(snakemake.input.data, snakemake.params.files)
    senses = pd.read_csv(snakemake.input.senses, keep_default_na=False)
    atomic.write_csv(
        snakemake.output[0], prepare.prepare_wsd_training(data_dir, senses, snakemake.params.max_per_sense)
    )
