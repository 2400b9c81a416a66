"""The STS Benchmark files `sts-{train,dev,test}.csv` (Cer et al., SemEval-2017).

Tab-separated, no header, no quoting: genre, file, years, id, score, sentence1,
sentence2, and on some lines two trailing source columns, which are ignored. Splitting
on tabs is what `csv.reader(delimiter="\\t", quoting=csv.QUOTE_NONE)` does; pandas'
default quoting must not be used (sentences contain unbalanced `"`).
"""

from __future__ import annotations

import os

import pandas as pd

from posart.corpora._lines import fields, nonempty, read_lines, score

N_FIELDS = 7


def read_stsb(path: str | os.PathLike) -> pd.DataFrame:
    """[sentence1, sentence2, score:float], sentences verbatim, score in [0, 5]."""
    rows = []
    for number, line in enumerate(read_lines(path), start=1):
        parts = fields(path, number, line, N_FIELDS, at_least=True)
        rows.append(
            (
                nonempty(path, number, parts[5], "sentence1"),
                nonempty(path, number, parts[6], "sentence2"),
                score(path, number, parts[4], 0.0, 5.0),
            )
        )
    return pd.DataFrame(rows, columns=["sentence1", "sentence2", "score"]).astype({"score": "float64"})
