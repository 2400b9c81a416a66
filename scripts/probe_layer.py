"""Adapter: all layers' probe weights -> one layer's probe as its own safetensors file."""

from posart import adapter, probe_weights

with adapter.run(snakemake):
    probe_weights.extract_layer(snakemake.input[0], int(snakemake.wildcards.layer), snakemake.output[0])
