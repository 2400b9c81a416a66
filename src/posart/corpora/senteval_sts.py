"""STS 2012-2016 as SentEval loads them (`STS12Eval` ... `STS16Eval`).

Follows `senteval/sts.py` of https://github.com/facebookresearch/SentEval (`STSEval.loadFile`,
read at commit 1eef9f79dc05df127abbb8de02af38d855afc3bd), on the files its
`data/downstream/get_transfer_data.bash` writes (Moses-tokenised, lowercased):
- the subsets of each year, in SentEval's order (`self.datasets`; STS13 without the
  LDC-licensed `SMT`, which has gold scores but no text), are listed in the dataset
  registry; this module reads one subset;
- `STS.input.<subset>.txt` split with `str.splitlines()`, each line split on a tab into
  the two sentences; `STS.gs.<subset>.txt` split the same way;
- a pair whose gold line is the empty string is skipped (SentEval: `raw_scores != ''`);
  every other gold line must parse as a float;
- each sentence becomes its whitespace tokens (`s.split()`); here they are joined back
  with single spaces.
Differences: SentEval tolerates extra tab fields when some line has exactly two (its
`zip(*...)` truncates); here every line must have exactly two. SentEval then sorts pairs
by length for batching; the file order is kept here (correlations do not depend on it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from posart.corpora._lines import fields, malformed, read_text

COLUMNS = ["sentence1", "sentence2", "score"]


def read_senteval_sts(inputs: str | os.PathLike, golds: str | os.PathLike) -> pd.DataFrame:
    """[sentence1, sentence2, score:float] of every scored pair of one subset.

    `inputs` is `STS.input.<subset>.txt`, `golds` its `STS.gs.<subset>.txt`. Which subsets a
    year has, in SentEval's order, is the dataset registry's (`datasets.yaml`, parts).
    """
    inputs, golds = Path(inputs), Path(golds)
    pairs = read_text(inputs).splitlines()
    scores = read_text(golds).splitlines()
    if len(pairs) != len(scores):
        raise ValueError(f"{inputs} has {len(pairs)} lines but {golds} has {len(scores)}")
    rows = []
    for number, (pair, gold) in enumerate(zip(pairs, scores), start=1):
        sentence1, sentence2 = fields(inputs, number, pair, 2)
        if gold == "":
            continue
        try:
            value = float(gold)
        except ValueError:
            raise malformed(golds, number, f"gold score {gold!r} is not a number") from None
        rows.append((" ".join(sentence1.split()), " ".join(sentence2.split()), value))
    return pd.DataFrame(rows, columns=COLUMNS).astype({"score": "float64"})
