"""Adapter: sentiment files -> split/text/label table."""
from posart import adapter, atomic, prepare
from posart.data_check import verify_inputs

with adapter.run(snakemake) as record:
    record["data"] = verify_inputs(snakemake.input, snakemake.params.data_dir)
    frame = prepare.prepare_supervised(data_dir=snakemake.params.data_dir, **snakemake.params.task)
    atomic.write_csv(snakemake.output[0], frame)
