"""Adapter: position rows + outlier table -> Figure 3-4 (position-embedding rows, outlier dims marked)."""

import json
from pathlib import Path

import pandas as pd

from posart import adapter, detect, figures

with adapter.run(snakemake):
    summary = json.loads(Path(snakemake.input.summary).read_text())
    figures.position_embeddings(
        pd.read_csv(snakemake.input.rows),
        detect.outlier_union(pd.read_csv(snakemake.input.outliers)),
        snakemake.output[0],
        offset=summary["position_offset"],
        z_threshold=snakemake.params.z_threshold,
        note=summary["note"],
    )
