"""Adapter: WikiExtractor files -> prepared pretraining data (text split, tokenizer, token streams)."""

from pathlib import Path

from posart import adapter
from posart.pretrain import presets, prepare

with adapter.run(snakemake):
    entry = snakemake.params.corpus
    preset = presets.get(snakemake.wildcards.preset)
    prepare.prepare(
        list(snakemake.input),
        Path(snakemake.output[0]).parent,
        preset.vocab_size,
        preset.tokens_per_sample,
        entry["valid_fraction"],
        entry["seed"],
        entry["max_documents"],
    )
