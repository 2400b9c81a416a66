"""Turn raw dataset files (canonical layout under data_dir) into tidy, encodable tables.

Each `prepare_*` returns a DataFrame; `files_*` list the relative paths it reads, so the
workflow declares exactly those as inputs (a missing one is reported by name) and their
checksums enter the provenance. Text columns are whitespace-normalised exactly as the
tokeniser normalises them, so task code finds each sentence in a cache by its text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from posart import corpora
from posart.tokenize import normalise

TEXT_COLUMNS = ("sentence", "sentence1", "sentence2", "text")
STS_YEARS = {"sts12": 2012, "sts13": 2013, "sts14": 2014, "sts15": 2015, "sts16": 2016}
SUPERVISED_FILES = {
    "sst2": [f"SST/binary/sentiment-{split}" for split in ("train", "dev", "test")],
    "sst5": [f"SST/fine/sentiment-{split}" for split in ("train", "dev", "test")],
    "imdb": ["IMDB/aclImdb_train.tar.gz", "IMDB/aclImdb_test.tar.gz"],
}
N_CLASSES = {"sst2": 2, "sst5": 5, "imdb": 2}


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    for column in TEXT_COLUMNS:
        if column in frame:
            frame[column] = frame[column].map(normalise)
    return frame


def texts(frame: pd.DataFrame) -> list[str]:
    """Unique texts of a prepared table, in order of first appearance (encoded once each)."""
    columns = [frame[c] for c in TEXT_COLUMNS if c in frame]
    return list(dict.fromkeys(text for column in zip(*columns) for text in column))


def files_corpus(entry: Mapping) -> list[str]:
    return [entry["file"]]


def prepare_corpus(entry: Mapping, data_dir: Path) -> pd.DataFrame:
    """Sentences of a statistics corpus: read, de-duplicated, then a seeded sample."""
    path = Path(data_dir) / entry["file"]
    if entry["reader"] == "glue_sst2":
        sentences = corpora.read_glue_sst2(path)["sentence"]
    elif entry["reader"] == "glue_qqp":
        sentences = corpora.qqp_sentences(corpora.read_glue_qqp(path))
    elif entry["reader"] == "plain_text":
        sentences = corpora.read_plain_text(path)["sentence"]
    else:
        raise ValueError(f"unknown corpus reader {entry['reader']!r}")
    frame = _normalised(pd.DataFrame({"sentence": list(sentences)}))
    frame = frame[frame.sentence != ""].drop_duplicates("sentence").reset_index(drop=True)
    return corpora.sample(frame, entry.get("sample"), entry.get("seed", 0)).reset_index(drop=True)


def files_wic(split: str) -> list[str]:
    return [f"WiC/{split}/{split}.data.txt", f"WiC/{split}/{split}.gold.txt"]


def prepare_wic(split: str, data_dir: Path) -> pd.DataFrame:
    data, gold = (Path(data_dir) / p for p in files_wic(split))
    return _normalised(corpora.read_wic(data, gold))


def files_sts(name: str) -> list[str]:
    if name == "stsb":
        return ["stsbenchmark/sts-test.csv"]
    if name == "sickr":
        return ["SICK/SICK_test_annotated.txt"]
    year = STS_YEARS[name]
    folder = f"STS/STS{year % 100}-en-test"
    return [f"{folder}/STS.{kind}.{subset}.txt" for subset in corpora.STS_SUBSETS[year]
            for kind in ("input", "gs")]


def prepare_sts(names: list[str], data_dir: Path) -> pd.DataFrame:
    """All STS pairs of the chosen datasets: dataset, subset, sentence1, sentence2, score."""
    frames = []
    for name in names:
        if name == "stsb":
            frame = corpora.read_stsb(Path(data_dir) / files_sts(name)[0]).assign(subset=name)
        elif name == "sickr":
            frame = corpora.read_sick(Path(data_dir) / files_sts(name)[0]).assign(subset=name)
        else:
            year = STS_YEARS[name]
            frame = corpora.read_senteval_sts(Path(data_dir) / f"STS/STS{year % 100}-en-test", year)
        frames.append(frame.assign(dataset=name)[["dataset", "subset", "sentence1", "sentence2", "score"]])
    return _normalised(pd.concat(frames, ignore_index=True))


def files_supervised(task: str) -> list[str]:
    return SUPERVISED_FILES[task]


def prepare_supervised(task: str, data_dir: Path, dev_fraction: float, seed: int,
                       limit: int | None = None) -> pd.DataFrame:
    """split, text, label for a sentence-classification task (IMDB: dev carved from train)."""
    paths = [Path(data_dir) / p for p in files_supervised(task)]
    if task == "imdb":
        train = corpora.read_imdb(paths[0], "train")
        test = corpora.read_imdb(paths[1], "test")
        order = np.random.default_rng(seed).permutation(len(train))
        n_dev = int(round(dev_fraction * len(train)))
        splits = {"train": train.iloc[order[n_dev:]], "dev": train.iloc[order[:n_dev]], "test": test}
    else:
        splits = {split: corpora.read_senteval_sst(path, fine=task == "sst5").rename(columns={"sentence": "text"})
                  for split, path in zip(("train", "dev", "test"), paths)}
    frames = [corpora.sample(frame.reset_index(drop=True), limit, seed).assign(split=split)
              for split, frame in splits.items()]
    frame = pd.concat(frames, ignore_index=True)[["split", "text", "label"]]
    return _normalised(frame)
