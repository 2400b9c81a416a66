"""Prepared tables from the registry's datasets, on the demo corpus."""

import logging

import pytest
from posart import config, prepare, registry
from workflow import REPO

DEMO = REPO / "demo" / "data"


def test_a_sample_larger_than_the_corpus_is_a_warning_and_recorded(caplog):
    entry = {"reader": "plain_text", "file": "text/sentences.txt", "sample": 10_000, "seed": 0}
    with caplog.at_level(logging.WARNING, logger="posart.prepare"):
        frame, sizes = prepare.prepare_corpus(entry, DEMO)
    assert sizes == {"requested": 10_000, "available": len(frame), "used": len(frame)} and len(frame) >= 40
    assert "sample 10000 is larger than its" in caplog.text
    smaller, sizes = prepare.prepare_corpus({**entry, "sample": 7}, DEMO)
    assert sizes["used"] == len(smaller) == 7 and set(smaller.sentence) <= set(frame.sentence)


def test_a_task_without_a_dev_part_gets_one_carved_from_train():
    assert "dev" not in registry.load().dataset("imdb").parts
    frame = prepare.prepare_supervised("imdb", DEMO, dev_fraction=0.25, seed=0)
    sizes = frame.groupby("split").size()
    assert sizes["dev"] == round(0.25 * (sizes["train"] + sizes["dev"])) and sizes["test"] > 0
    assert list(frame.columns) == ["split", "text", "label"]


def test_sts_subsets_are_the_registry_parts():
    frame = prepare.prepare_sts(["sickr", "sts13"], DEMO)
    assert list(frame.columns) == ["dataset", "subset", "sentence1", "sentence2", "score"]
    assert frame.groupby("dataset").subset.unique().map(list).to_dict() == {
        "sickr": ["sickr"],
        "sts13": ["FNWN", "headlines", "OnWN"],
    }


def test_prepared_tables_of_the_demo(monkeypatch):
    monkeypatch.chdir(REPO)
    demo = config.load([REPO / "config.yaml"], schema_path=REPO / "schemas" / "config.schema.yaml")
    assert prepare.prepared_tables(demo) == {
        "corpus/qqp": "tokens",
        "corpus/sst2": "tokens",
        "wic": "tokens",
        "sts": "sentences",
        "supervised/imdb": "sentences",
        "supervised/sst2": "sentences",
        "supervised/sst5": "sentences",
    }


def test_datasets_sharing_a_table_must_share_a_granularity():
    mixed = {"corpora": {}, "wic": {"enabled": False}, "supervised": {"tasks": {}}, "sts": {"datasets": ["stsb"]}}
    assert prepare.prepared_tables(mixed) == {"sts": "sentences"}
    with pytest.raises(ValueError, match="share one table but differ in granularity"):
        prepare.prepared_tables({**mixed, "sts": {"datasets": ["stsb", "wic"]}})
