"""Adapter: STS-B, SICK-R and STS12-16 files -> one pair table."""

from posart import adapter, atomic, prepare
from posart.data_check import verify_inputs

with adapter.run(snakemake) as record:
    data_dir, record["data"] = verify_inputs(snakemake.input, snakemake.params.files)
    frame = prepare.prepare_sts(list(snakemake.params.datasets), data_dir)
    atomic.write_csv(snakemake.output[0], frame)
