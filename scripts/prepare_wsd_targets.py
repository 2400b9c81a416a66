"""Adapter: Raganato sets + WordNet's index.sense -> WSD targets and their candidate senses."""

from posart import adapter, atomic, prepare
from posart.data_check import verify_inputs

with adapter.run(snakemake) as record:
    data_dir, record["data"] = verify_inputs(snakemake.input.data, snakemake.params.files)
    targets, senses = prepare.prepare_wsd_targets(snakemake.params.sets, data_dir, snakemake.input.wordnet)
    atomic.write_csv(snakemake.output.targets, targets)
    atomic.write_csv(snakemake.output.senses, senses)
