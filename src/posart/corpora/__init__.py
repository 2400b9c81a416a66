"""Readers for the raw dataset files, one module per format.

Every reader returns a pandas DataFrame with fixed columns, raises `FileNotFoundError`
naming the path when a file is missing and `ValueError` naming the file and line when a
line is malformed. None of them guesses or falls back.
"""

from posart.corpora.glue import qqp_sentences, read_glue_qqp, read_glue_sst2
from posart.corpora.imdb import read_imdb
from posart.corpora.plain import read_plain_text
from posart.corpora.sampling import sample
from posart.corpora.senteval_sst import read_senteval_sst
from posart.corpora.senteval_sts import read_senteval_sts
from posart.corpora.sick import read_sick
from posart.corpora.stsb import read_stsb
from posart.corpora.wic import read_wic

__all__ = [
    "qqp_sentences", "read_glue_qqp", "read_glue_sst2", "read_imdb",
    "read_plain_text", "read_senteval_sst", "read_senteval_sts", "read_sick", "read_stsb",
    "read_wic", "sample",
]
