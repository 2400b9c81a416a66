"""Adapter: WiC data + gold files -> pair table."""

from posart import adapter, atomic, prepare
from posart.data_check import verify_inputs

with adapter.run(snakemake) as record:
    data_dir, record["data"] = verify_inputs(snakemake.input, snakemake.params.files)
    frame = prepare.prepare_wic(snakemake.params.split, data_dir)
    atomic.write_csv(snakemake.output[0], frame)
