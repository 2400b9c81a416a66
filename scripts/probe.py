"""Adapter: train/dev/test token caches -> position probe of every layer (accuracy, contributions, weights)."""

import contextlib

import torch

from posart import adapter, atomic, contract, models, probe, probe_weights
from posart.cache import ActivationCache

torch.set_num_threads(snakemake.threads)
section = snakemake.params.probe
with adapter.run(snakemake), contextlib.ExitStack() as stack:
    settings = probe.ProbeSettings.from_config(section, device=models.pick_device(section["device"]))
    caches = {split: stack.enter_context(ActivationCache(snakemake.input[split])) for split in ("train", "dev", "test")}
    result, accuracy, contributions = probe.run(
        snakemake.wildcards.model, caches, settings, section["min_position_count"]
    )
    atomic.write_csv(snakemake.output.accuracy, contract.conform("probe_accuracy", accuracy))
    atomic.write_csv(snakemake.output.contributions, contract.conform("probe_contributions", contributions))
    metadata = probe.metadata(snakemake.wildcards.model, result, settings)
    probe_weights.save(result.weights.numpy(), snakemake.output.weights, metadata)
