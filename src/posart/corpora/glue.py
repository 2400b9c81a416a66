"""GLUE's SST-2 and QQP TSV files (https://gluebenchmark.com/tasks).

SST-2: header `sentence\\tlabel` (train/dev) or `index\\tsentence` (test, unlabelled). The
GLUE text ends with a space before the tab (`hide new secretions ... units \\t0`), an
artefact of how the files were written; it is removed so that the same sentence read
from GLUE and from SentEval's copy is the same string.

QQP: header `id qid1 qid2 question1 question2 is_duplicate` (train/dev of QQP-clean.zip).
"""

from __future__ import annotations

import os

import pandas as pd

from posart.corpora._lines import fields, integer, malformed, nonempty, read_lines

SST2_HEADER = "sentence\tlabel"
SST2_TEST_HEADER = "index\tsentence"
QQP_HEADER = "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate"
UNLABELLED = -1


def _header(path: str | os.PathLike, lines: list[str], expected: tuple[str, ...]) -> str:
    if not lines or lines[0] not in expected:
        found = repr(lines[0]) if lines else "an empty file"
        raise malformed(path, 1, f"expected header {' or '.join(map(repr, expected))}, found {found}")
    return lines[0]


def read_glue_sst2(path: str | os.PathLike) -> pd.DataFrame:
    """[sentence, label:int]; label is -1 for GLUE's unlabelled test file."""
    lines = read_lines(path)
    labelled = _header(path, lines, (SST2_HEADER, SST2_TEST_HEADER)) == SST2_HEADER
    sentences, labels = [], []
    for number, line in enumerate(lines[1:], start=2):
        if labelled:
            sentence, label = fields(path, number, line, 2)
            labels.append(integer(path, number, label, range(2)))
            sentence = sentence.removesuffix(" ")
        else:
            index, sentence = fields(path, number, line, 2)
            integer(path, number, index, range(len(lines)), what="index")
            labels.append(UNLABELLED)
        sentences.append(nonempty(path, number, sentence, "sentence"))
    return pd.DataFrame({"sentence": sentences, "label": pd.Series(labels, dtype="int64")})


def read_glue_qqp(path: str | os.PathLike) -> pd.DataFrame:
    """[question1, question2, label:int] of a GLUE QQP train or dev file.

    A question may be empty (the original Quora release has a few); the line must still
    have all six fields.
    """
    lines = read_lines(path)
    _header(path, lines, (QQP_HEADER,))
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        _, _, _, question1, question2, label = fields(path, number, line, 6)
        rows.append((question1, question2, integer(path, number, label, range(2))))
    frame = pd.DataFrame(rows, columns=["question1", "question2", "label"])
    return frame.astype({"label": "int64"})


def qqp_sentences(frame: pd.DataFrame) -> pd.Series:
    """The distinct non-blank questions of a QQP table, in file order (q1, q2 of each row)."""
    questions = [q for pair in zip(frame["question1"], frame["question2"]) for q in pair]
    unique = dict.fromkeys(q for q in questions if q.strip())
    return pd.Series(list(unique), name="sentence")
