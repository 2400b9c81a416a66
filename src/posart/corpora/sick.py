"""SICK (Marelli et al., LREC 2014) in its SemEval-2014 Task 1 files, `SICK_*.txt`.

A header (pair_ID, sentence_A, sentence_B, relatedness_score, entailment_judgment) and
tab-separated lines, CRLF endings in the test file. Columns are found by header name, so
the full 12-column release `SICK.txt` reads too.
"""

from __future__ import annotations

import os

import pandas as pd

from posart.corpora._lines import fields, malformed, nonempty, read_lines, score

REQUIRED = ("pair_ID", "sentence_A", "sentence_B", "relatedness_score")


def read_sick(path: str | os.PathLike) -> pd.DataFrame:
    """[sentence1, sentence2, score:float] (relatedness, in [1, 5])."""
    lines = read_lines(path)
    header = lines[0].split("\t") if lines else []
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise malformed(path, 1, f"header lacks column(s) {', '.join(missing)}")
    a, b, s = (header.index(name) for name in REQUIRED[1:])
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        parts = fields(path, number, line, len(header))
        rows.append(
            (
                nonempty(path, number, parts[a], "sentence_A"),
                nonempty(path, number, parts[b], "sentence_B"),
                score(path, number, parts[s], 1.0, 5.0),
            )
        )
    return pd.DataFrame(rows, columns=["sentence1", "sentence2", "score"]).astype({"score": "float64"})
