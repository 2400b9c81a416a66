"""Turn raw dataset files (canonical layout under data_dir) into tidy, encodable tables.

One function per task (`prepare_corpus`, `prepare_wic`, `prepare_sts`,
`prepare_supervised`); which files each dataset has and which reader parses them come from
the dataset registry (`posart.registry`), so nothing here names a dataset. The workflow
declares the same files as inputs (a missing one is reported by name) and their checksums
enter the provenance. Text columns are whitespace-normalised exactly as the tokeniser
normalises them, so task code finds each sentence in a cache by its text.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from posart import corpora, readers, registry
from posart.tokenize import normalise

log = logging.getLogger(__name__)
TEXT_COLUMNS = ("sentence", "sentence1", "sentence2", "text")
SPLITS = ("train", "dev", "test")


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    for column in TEXT_COLUMNS:
        if column in frame:
            frame[column] = frame[column].map(normalise)
    return frame


def texts(frame: pd.DataFrame) -> list[str]:
    """Unique texts of a prepared table, in order of first appearance (encoded once each)."""
    columns = [frame[c] for c in TEXT_COLUMNS if c in frame]
    return list(dict.fromkeys(text for column in zip(*columns) for text in column))


def prepared_tables(config: Mapping) -> dict[str, str]:
    """{table: granularity} of every table a run encodes (`results/data/{table}.csv`).

    Each statistics corpus is encoded as token vectors (statistics and fits are over
    tokens); a task's table at its datasets' granularity (the registry's), which must agree
    when several datasets share one table (STS).
    """
    known = registry.load()

    def granularity(names):
        kinds = {known.dataset(name).granularity for name in names}
        if len(kinds) != 1:
            raise ValueError(f"datasets {sorted(names)} share one table but differ in granularity {sorted(kinds)}")
        return kinds.pop()

    tables = {f"corpus/{name}": "tokens" for name in config["corpora"]}
    if config["wic"]["enabled"]:
        tables["wic"] = granularity(["wic"])
    if config["sts"]["datasets"]:
        tables["sts"] = granularity(config["sts"]["datasets"])
    tables.update({f"supervised/{task}": granularity([task]) for task in config["supervised"]["tasks"]})
    return tables


def _read(dataset: registry.Dataset, part: str, data_dir: Path) -> pd.DataFrame:
    paths = [Path(data_dir) / path for path in dataset.parts[part]]
    return readers.read(dataset.reader, paths, part, **dataset.options)


def files_corpus(entry: Mapping) -> list[str]:
    return [entry["file"]]


def prepare_corpus(entry: Mapping, data_dir: Path) -> tuple[pd.DataFrame, dict]:
    """Sentences of a statistics corpus (read, de-duplicated, then a seeded sample), and the sample's sizes.

    A `sample` larger than the corpus takes every sentence, with a warning; the sizes
    (requested, available, used) are returned so that they enter the provenance.
    """
    sentences = readers.read(entry["reader"], [Path(data_dir) / entry["file"]])["sentence"]
    frame = _normalised(pd.DataFrame({"sentence": list(sentences)}))
    frame = frame[frame.sentence != ""].drop_duplicates("sentence").reset_index(drop=True)
    requested = entry.get("sample")
    if requested is not None and requested > len(frame):
        log.warning(
            "corpus %s: sample %d is larger than its %d distinct sentences; all are used",
            entry["file"],
            requested,
            len(frame),
        )
    chosen = corpora.sample(frame, requested, entry.get("seed", 0)).reset_index(drop=True)
    return chosen, {"requested": requested, "available": len(frame), "used": len(chosen)}


def files_wic(split: str) -> list[str]:
    return registry.load().dataset("wic").files([split])


def prepare_wic(split: str, data_dir: Path) -> pd.DataFrame:
    return _normalised(_read(registry.load().dataset("wic"), split, data_dir))


def files_sts(names: list[str]) -> list[str]:
    return [path for name in names for path in registry.load().dataset(name).files()]


def prepare_sts(names: list[str], data_dir: Path) -> pd.DataFrame:
    """All STS pairs of the chosen datasets: dataset, subset (= part), sentence1, sentence2, score."""
    frames = []
    for name in names:
        dataset = registry.load().dataset(name)
        frames += [_read(dataset, part, data_dir).assign(dataset=name, subset=part) for part in dataset.parts]
    frame = pd.concat(frames, ignore_index=True)[["dataset", "subset", "sentence1", "sentence2", "score"]]
    return _normalised(frame)


def files_supervised(task: str) -> list[str]:
    return registry.load().dataset(task).files()


def prepare_supervised(
    task: str, data_dir: Path, dev_fraction: float, seed: int, limit: int | None = None
) -> pd.DataFrame:
    """split, text, label for a sentence-classification task.

    A dataset without a dev part (IMDB) gets one carved from train: a seeded
    `dev_fraction` of it, the rest staying train.
    """
    dataset = registry.load().dataset(task)
    missing = {"train", "test"} - set(dataset.parts)
    if missing or set(dataset.parts) - set(SPLITS):
        raise ValueError(
            f"supervised dataset {task!r} needs parts train, test (and optionally dev), not {list(dataset.parts)}"
        )
    splits = {part: _read(dataset, part, data_dir) for part in dataset.parts}
    if "dev" not in splits:
        train = splits["train"]
        order = np.random.default_rng(seed).permutation(len(train))
        n_dev = int(round(dev_fraction * len(train)))
        splits.update(train=train.iloc[order[n_dev:]], dev=train.iloc[order[:n_dev]])
    frames = [corpora.sample(splits[split].reset_index(drop=True), limit, seed).assign(split=split) for split in SPLITS]
    frame = pd.concat(frames, ignore_index=True)[["split", "text", "label"]]
    return _normalised(frame)
