"""Adapter: gold trees -> right-branching, left-branching and random-tree baselines (no model)."""

import pandas as pd

from posart import adapter, atomic, contract
from posart.tasks import grammar

with adapter.run(snakemake):
    treebank = pd.read_csv(snakemake.input[0], keep_default_na=False)
    scores, trees = grammar.baselines(treebank, snakemake.params.seed)
    atomic.write_csv(snakemake.output[0], contract.conform("grammar_baseline", scores))
    atomic.write_csv(snakemake.output.trees, trees, gzip=True)
