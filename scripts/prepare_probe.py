"""Adapter: raw split file of the probe's dataset -> sampled sentence table."""

from posart import adapter, atomic, prepare
from posart.data_check import verify_inputs

settings = snakemake.params.probe
with adapter.run(snakemake) as record:
    data_dir, record["data"] = verify_inputs(snakemake.input, snakemake.params.files)
    split = snakemake.wildcards.split
    frame, record["sample"] = prepare.prepare_probe(
        settings["dataset"], split, data_dir, settings["sample"][split], settings["seed"]
    )
    atomic.write_csv(snakemake.output[0], frame)
