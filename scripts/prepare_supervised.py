"""Adapter: sentiment files -> split/text/label table."""

from posart import adapter, atomic, prepare
from posart.data_check import verify_inputs

with adapter.run(snakemake) as record:
    data_dir, record["data"] = verify_inputs(snakemake.input, snakemake.params.files)
    frame = prepare.prepare_supervised(data_dir=data_dir, **snakemake.params.task)
    atomic.write_csv(snakemake.output[0], frame)
