"""The shape shared by the sense-annotated corpora (SemCor, Raganato's evaluation sets).

A sense-tagged corpus is two tables: its sentences, as whitespace-separated words (the way
the encoder counts words, see `posart.tokenize`), and its tagged instances, each a span of
words `start:stop` of one sentence with a lemma, a WordNet part of speech and its sense
keys. A tagged unit may hold several words ("took place", "Fulton County Grand Jury"), so
an instance is a span, not a word index.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

SENTENCE_COLUMNS = ["sentence_id", "text"]
INSTANCE_COLUMNS = ["id", "sentence_id", "start", "stop", "lemma", "pos", "keys"]
# WordNet's synset type, the first digit of a sense key's lex_sense, to its part of speech;
# 5 (adjective satellite) is an adjective like 3.
POS_OF_SS_TYPE = {"1": "n", "2": "v", "3": "a", "4": "r", "5": "a"}


@dataclass(frozen=True)
class SenseTagged:
    """sentences [sentence_id, text]; instances [id, sentence_id, start, stop, lemma, pos, keys]
    (`keys`: the instance's sense keys, space-separated; `pos`: n, v, a or r)."""
    sentences: pd.DataFrame
    instances: pd.DataFrame


def key_pos(key: str) -> str:
    """The part of speech (n, v, a, r) that a WordNet sense key encodes; ValueError if none."""
    lemma, _, lex_sense = key.partition("%")
    pos = POS_OF_SS_TYPE.get(lex_sense[:1])
    if not lemma or pos is None:
        raise ValueError(f"{key!r} is not a WordNet sense key (lemma%ss_type:lex_filenum:lex_id:head:head_id)")
    return pos


class SentenceBuilder:
    """Joins a sentence's tokens into whitespace words, recording each token's word span."""

    def __init__(self) -> None:
        self.words: list[str] = []

    def add(self, token: str) -> tuple[int, int]:
        """Append a token (it may hold spaces); return its span of words (start, stop)."""
        start = len(self.words)
        self.words.extend(token.split())
        return start, len(self.words)

    @property
    def text(self) -> str:
        return " ".join(self.words)


def frames(sentences: list[tuple], instances: list[tuple]) -> SenseTagged:
    """Build the two tables with their fixed columns and integer spans."""
    return SenseTagged(
        sentences=pd.DataFrame(sentences, columns=SENTENCE_COLUMNS),
        instances=pd.DataFrame(instances, columns=INSTANCE_COLUMNS).astype({"start": "int64", "stop": "int64"}))
