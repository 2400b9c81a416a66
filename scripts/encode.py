"""Adapter: prepared table -> one shard of an activation cache."""

import json
import time

import pandas as pd
import torch

from posart import adapter, encode, identity, memory, models, prepare, provenance

torch.set_num_threads(snakemake.threads)
memory.keep_freed_memory()  # no page faults for each batch's tensors (posart.memory)
settings = dict(snakemake.params.encode)
with adapter.run(snakemake) as record:
    device = models.pick_device(settings.pop("device"))
    loaded = models.load(snakemake.wildcards.model, snakemake.params.model, device=device)
    record["model"] = identity.verify(loaded, snakemake.input.identity)
    memory.freeze_loaded_objects()  # full garbage collections skip the model (posart.memory)
    texts = prepare.texts(pd.read_csv(snakemake.input[0], keep_default_na=False))
    settings.pop("shards")
    sample = provenance.read(snakemake.input[0]).get("sample")  # corpora: sizes requested, available, used
    started = time.perf_counter()
    summary = encode.encode(
        loaded,
        texts,
        snakemake.output[0],
        granularity=snakemake.params.granularity,
        shard=int(snakemake.wildcards.shard),
        n_shards=int(snakemake.wildcards.nshards),
        device=device,
        progress=record["progress"],
        **settings,
        attrs={
            "config_hash": provenance.config_hash(dict(snakemake.params)),
            "packages": json.dumps(provenance.package_versions()),
            **({"sample": json.dumps(sample)} if sample else {}),
        },
    )
    seconds = time.perf_counter() - started  # tokenise, forward, write: what bench_encode.py times
    record["tokens_per_s"] = summary["n_tokens"] / seconds if summary["n_tokens"] else None  # jobs.csv
