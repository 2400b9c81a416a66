"""Reader names -> readers with one calling convention, for the registry and the config.

The registry (`datasets.yaml`) and config corpora name a reader; `read` looks it up here
and calls it as `function(paths, part, **options)`: the files of one part (relative paths
already joined to data_dir), the part's name (IMDB's archives need the split), and the
entry's `options`. Each reader declares the columns it returns, and `read` holds it to
them, so a stage can rely on its table's shape. The format parsing itself lives in
`posart.corpora` (one module per format); a new format is a module there plus one line here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, NamedTuple, Sequence

import pandas as pd

from posart import corpora


class Reader(NamedTuple):
    function: Callable[..., pd.DataFrame]
    columns: tuple[str, ...]


def _glue_sst2(paths, part):
    return corpora.read_glue_sst2(*paths)


def _glue_qqp(paths, part):
    return pd.DataFrame({"sentence": corpora.qqp_sentences(corpora.read_glue_qqp(*paths)).to_list()})


def _plain_text(paths, part):
    return corpora.read_plain_text(*paths)


def _stsb(paths, part):
    return corpora.read_stsb(*paths)


def _sick(paths, part):
    return corpora.read_sick(*paths)


def _senteval_sts(paths, part):
    return corpora.read_senteval_sts(*paths)


def _senteval_sst(paths, part, fine):
    return corpora.read_senteval_sst(*paths, fine=fine).rename(columns={"sentence": "text"})


def _imdb(paths, part):
    return corpora.read_imdb(*paths, part)


def _wic(paths, part):
    return corpora.read_wic(*paths)


PAIRS = ("sentence1", "sentence2", "score")
READERS: dict[str, Reader] = {
    "glue_sst2": Reader(_glue_sst2, ("sentence", "label")),
    "glue_qqp": Reader(_glue_qqp, ("sentence",)),
    "plain_text": Reader(_plain_text, ("sentence",)),
    "stsb": Reader(_stsb, PAIRS),
    "sick": Reader(_sick, PAIRS),
    "senteval_sts": Reader(_senteval_sts, PAIRS),
    "senteval_sst": Reader(_senteval_sst, ("text", "label")),
    "imdb": Reader(_imdb, ("text", "label")),
    "wic": Reader(_wic, ("word", "pos", "index1", "index2", "sentence1", "sentence2", "label")),
}


def sentence_readers() -> list[str]:
    """Readers that yield a `sentence` column: what a config corpus may use."""
    return [name for name, reader in READERS.items() if "sentence" in reader.columns]


def read(name: str, paths: Sequence[str | Path], part: str | None = None, **options) -> pd.DataFrame:
    """The table reader `name` makes of the files of one part."""
    if name not in READERS:
        raise ValueError(f"unknown reader {name!r}; posart.readers has {', '.join(sorted(READERS))}")
    reader = READERS[name]
    frame = reader.function([Path(p) for p in paths], part, **options)
    if tuple(frame.columns) != reader.columns:
        raise ValueError(f"reader {name!r} returned columns {list(frame.columns)}, declared {list(reader.columns)}")
    return frame
