"""Adapter: the treebank archive -> cleaned sentences and gold trees."""

from posart import adapter, atomic, prepare
from posart.data_check import verify_inputs

with adapter.run(snakemake) as record:
    data_dir, record["data"] = verify_inputs(snakemake.input, snakemake.params.files)
    atomic.write_csv(snakemake.output[0], prepare.prepare_grammar(data_dir, snakemake.params.limit))
