"""Adapter: raw split file of the probe's dataset -> sampled sentence table."""

from posart import adapter, atomic, prepare
from posart.data_check import verify_inputs

split = snakemake.params.split
with adapter.run(snakemake) as record:
    data_dir, record["data"] = verify_inputs(snakemake.input, snakemake.params.files)
    frame, record["sample"] = prepare.prepare_probe(
        split["dataset"], snakemake.wildcards.split, data_dir, split["sample"], split["seed"]
    )
    atomic.write_csv(snakemake.output[0], frame)
