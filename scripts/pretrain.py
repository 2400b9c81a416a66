"""Adapter: prepared data -> one pretrained model (`model/`, `summary.json`, `curves.csv`); resumes."""

from pathlib import Path

from posart import adapter
from posart.pretrain import fairseq_backend, finish, presets, transformers_backend

BACKENDS = {"transformers": transformers_backend.train, "fairseq": fairseq_backend.train}

with adapter.run(snakemake):
    run = snakemake.params.run
    BACKENDS[run["backend"]](
        Path(snakemake.input[0]).parent,
        Path(snakemake.output.summary).parent,
        presets.get(run["preset"], run["overrides"]),
        run["position_embeddings"],
        seed=run["seed"],
        run=snakemake.wildcards.run,
        threads=snakemake.threads,
    )
    finish.drop_work(Path(snakemake.output.summary).parent)  # checkpoints serve only a killed run
