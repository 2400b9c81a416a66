"""Plain text, one sentence per line: a corpus of your own for the outlier statistics."""

from __future__ import annotations

import os

import pandas as pd

from posart.corpora._lines import read_lines


def read_plain_text(path: str | os.PathLike) -> pd.DataFrame:
    """[sentence]: every non-blank line, verbatim, in file order."""
    return pd.DataFrame({"sentence": [line for line in read_lines(path) if line.strip()]})
