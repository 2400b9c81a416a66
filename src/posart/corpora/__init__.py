"""Readers for the raw dataset files, one module per format.

Every reader returns a pandas DataFrame with fixed columns, raises `FileNotFoundError`
naming the path when a file is missing and `ValueError` naming the file and line when a
line is malformed. None of them guesses or falls back.
"""

from posart.corpora.glue import qqp_sentences, read_glue_qqp, read_glue_sst2
from posart.corpora.imdb import read_imdb
from posart.corpora.plain import read_plain_text
from posart.corpora.raganato import read_raganato
from posart.corpora.sampling import sample
from posart.corpora.semcor import read_semcor
from posart.corpora.senteval_sst import read_senteval_sst
from posart.corpora.senteval_sts import read_senteval_sts
from posart.corpora.sick import read_sick
from posart.corpora.stsb import read_stsb
from posart.corpora.treebank import read_treebank
from posart.corpora.wic import read_wic
from posart.corpora.wikiextractor import read_wikiextractor
from posart.corpora.wordnet import index_sense_path, read_index_sense

__all__ = [
    "index_sense_path",
    "qqp_sentences",
    "read_glue_qqp",
    "read_glue_sst2",
    "read_imdb",
    "read_index_sense",
    "read_plain_text",
    "read_raganato",
    "read_semcor",
    "read_senteval_sst",
    "read_senteval_sts",
    "read_sick",
    "read_stsb",
    "read_treebank",
    "read_wic",
    "read_wikiextractor",
    "sample",
]
