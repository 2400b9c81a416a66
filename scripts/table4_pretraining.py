"""Adapter: run summaries, curves and the pretrained models' statistics -> Table 4 and the curves figure."""

import json

import pandas as pd

from posart import adapter, tables
from posart.detect import Criterion
from posart.pretrain import figure, outlier_summary, table4

with adapter.run(snakemake):
    models = snakemake.params.models
    summaries = {m: json.loads(open(path).read()) for m, path in zip(models, snakemake.input.summaries)}
    criterion = Criterion.from_config(snakemake.params.criterion)
    layers = pd.concat(
        [outlier_summary.from_stats_file(m, path, criterion) for m, path in zip(models, snakemake.input.stats)]
    )
    numbers, hyper, shown = table4.build(summaries, layers)
    out = snakemake.output
    caption = (
        "Pretrained RoBERTa with and without position embeddings: hyper-parameters (Table 4), validation "
        "perplexity, and per layer the dim most often the maximum/minimum (0-based)."
    )
    table4.write(numbers, hyper, shown, out.csv, out.md, out.tex, caption)
    figure.training_curves(tables.read_all(snakemake.input.curves), out.figure)
