"""Adapter: fetch one download entry of the dataset registry into data_dir, checksums verified."""

from posart import adapter, download, registry
from posart.data_check import data_root

with adapter.run(snakemake) as record:
    data_dir = data_root(snakemake.output, snakemake.params.files)
    record["data"] = download.fetch(
        snakemake.params.download, data_dir, registry.load().downloads, url_override=dict(snakemake.params.mirrors)
    )
