"""The shape shared by the sense-annotated corpora (SemCor, Raganato's evaluation sets).

A sense-tagged corpus is read as one table of its tagged instances: each is a span of words
`start:stop` of its sentence's `text` (whitespace-separated words, the way the encoder counts
words, see `posart.tokenize`) with a lemma, a WordNet part of speech (n, v, a, r) and its
sense keys (space-separated). A tagged unit may hold several words ("took place", "Fulton
County Grand Jury"), so an instance is a span, not a word index. Sentences without a tagged
word are context no task reads, and are left out.
"""

from __future__ import annotations

import pandas as pd

COLUMNS = ["id", "sentence_id", "text", "start", "stop", "lemma", "pos", "keys"]
# WordNet's synset type, the first digit of a sense key's lex_sense, to its part of speech;
# 5 (adjective satellite) is an adjective like 3.
POS_OF_SS_TYPE = {"1": "n", "2": "v", "3": "a", "4": "r", "5": "a"}


def key_pos(key: str) -> str:
    """The part of speech (n, v, a, r) that a WordNet sense key encodes; ValueError if none."""
    lemma, _, lex_sense = key.partition("%")
    pos = POS_OF_SS_TYPE.get(lex_sense[:1])
    if not lemma or pos is None:
        raise ValueError(f"{key!r} is not a WordNet sense key (lemma%ss_type:lex_filenum:lex_id:head:head_id)")
    return pos


class SentenceBuilder:
    """Joins a sentence's tokens into whitespace words and collects its tagged instances."""

    def __init__(self, sentence_id: str) -> None:
        self.sentence_id = sentence_id
        self.words: list[str] = []
        self.instances: list[tuple] = []

    def add(self, token: str) -> tuple[int, int]:
        """Append a token (it may hold spaces); return its span of words (start, stop)."""
        start = len(self.words)
        self.words.extend(token.split())
        return start, len(self.words)

    def tag(self, instance_id: str, start: int, stop: int, lemma: str, pos: str, keys: list[str]) -> None:
        self.instances.append((instance_id, start, stop, lemma, pos, " ".join(keys)))

    def rows(self) -> list[tuple]:
        """The sentence's instances as table rows (COLUMNS)."""
        text = " ".join(self.words)
        return [
            (i, self.sentence_id, text, start, stop, lemma, pos, keys)
            for i, start, stop, lemma, pos, keys in self.instances
        ]


def table(rows: list[tuple]) -> pd.DataFrame:
    """The instance table with its fixed columns and integer spans."""
    return pd.DataFrame(rows, columns=COLUMNS).astype({"start": "int64", "stop": "int64"})
