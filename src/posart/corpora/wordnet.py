"""WordNet 3.0's `index.sense`: sense key -> synset offset, sense number, tag count.

One line per sense: `sense_key synset_offset sense_number tag_cnt` (wndb(5WN)). The sense
number orders a lemma's senses within a part of speech, most frequent first, so sense
number 1 is WordNet's "first sense". Debian's `wordnet-base` and `wordnet-sense-index`
install it in `/usr/share/wordnet`; Debian rebuilt the database, so its synset offsets differ
from Princeton's release: posart keys everything by sense key and reads offsets only to
report them.

Read by hand rather than through NLTK: NLTK's WordNetCorpusReader needs the `lexnames`
file, which Debian's packages do not install, loads the whole database, and identifies
synsets by offset; the four-field index needs none of that.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from posart.corpora._lines import fields, integer, malformed, read_lines
from posart.corpora.sense_tagged import key_pos

COLUMNS = ["key", "lemma", "pos", "synset_offset", "sense_number", "tag_count"]
INSTALL_HINT = "install WordNet 3.0 (Debian: apt-get install wordnet-base wordnet-sense-index)"


def index_sense_path(dictionary_dir: str | os.PathLike) -> Path:
    """`index.sense` in a WordNet dictionary directory; a clear error when it is absent."""
    path = Path(dictionary_dir) / "index.sense"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no such file; {INSTALL_HINT}, or point the config's WordNet "
            f"directory to a WordNet 3.0 `dict` folder"
        )
    return path


def read_index_sense(path: str | os.PathLike) -> pd.DataFrame:
    """[key, lemma, pos (n/v/a/r), synset_offset:str, sense_number:int, tag_count:int]."""
    rows = []
    for number, line in enumerate(read_lines(path), start=1):
        key, offset, sense_number, tag_count = fields(path, number, line, 4, sep=" ")
        try:
            pos = key_pos(key)
        except ValueError as err:
            raise malformed(path, number, str(err)) from None
        if len(offset) != 8 or not offset.isdigit():
            raise malformed(path, number, f"synset offset {offset!r} is not 8 digits")
        rows.append(
            (
                key,
                key.partition("%")[0],
                pos,
                offset,
                integer(path, number, sense_number, range(1, 1000), what="sense number"),
                integer(path, number, tag_count, range(0, 1 << 31), what="tag count"),
            )
        )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    duplicated = frame.key.duplicated()
    if duplicated.any():
        first = int(duplicated.to_numpy().argmax())
        raise malformed(path, first + 1, f"sense key {frame.key[first]} listed twice")
    return frame
